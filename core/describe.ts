/**
 * One-line descriptions of argument values for error messages.
 *
 * @module
 */

const MAX_SHOWN = 40;

/**
 * A short, one-line description of any value for error messages: strings quoted (and cut),
 * arrays and typed arrays by kind and length, other objects by constructor.
 *
 * @example
 * ```ts
 * import { describeValue } from "./describe.ts";
 * console.log(describeValue("abcd")); // "'abcd'"
 * console.log(describeValue(new Float64Array(3))); // "a Float64Array of length 3"
 * ```
 */
export function describeValue(value: unknown): string {
  if (typeof value === "string") {
    const shown = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}...` : value;
    return `'${shown.replace(/[\r\n\t]/g, " ")}'`;
  }
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return value.toString();
  if (typeof value !== "object" || value === null) return String(value);
  if (Array.isArray(value)) return `an Array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) {
    const length = (value as { length?: number }).length ?? value.byteLength;
    return `${article(value.constructor.name)} ${value.constructor.name} of length ${length}`;
  }
  const proto = Object.getPrototypeOf(value);
  const name = proto === null ? undefined : proto.constructor?.name;
  return name && name !== "Object" ? `${article(name)} ${name}` : "an object";
}

function article(name: string): string {
  return /^[AEIOU]/i.test(name) ? "an" : "a";
}

/**
 * Like {@linkcode describeValue}, but an array is shown element by element (`[1, 'a']`): for
 * shapes and other short lists whose content the message should name.
 *
 * @example
 * ```ts
 * import { describeList } from "./describe.ts";
 * console.log(describeList([7, 12])); // "[7, 12]"
 * console.log(describeList("7x13")); // "'7x13'"
 * ```
 */
export function describeList(value: unknown): string {
  return Array.isArray(value) ? `[${value.map(describeList).join(", ")}]` : describeValue(value);
}
