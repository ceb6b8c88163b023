/**
 * One-line descriptions of argument values for error messages, and the check that an argument is
 * an open {@linkcode Gpu}: shared by every public entry point that takes a device.
 *
 * @module
 */
import type { Gpu } from "./device.ts";

const MAX_SHOWN = 40;

/**
 * A short, one-line description of any value for error messages: strings quoted (and cut),
 * arrays and typed arrays by kind and length, other objects by constructor.
 *
 * @example
 * ```ts
 * import { describeValue } from "./assert_gpu.ts";
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
 * Throws unless `gpu` is an open {@linkcode Gpu}: a `TypeError` for anything that is not a `Gpu`,
 * an `Error` ("the GPU device is closed") after `gpu.close()`.
 *
 * @example
 * ```ts
 * import { assertOpenGpu } from "./assert_gpu.ts";
 * try {
 *   assertOpenGpu(null);
 * } catch (error) {
 *   console.log((error as Error).message); // "'gpu' must be a Gpu from openDevice(): current value is null"
 * }
 * ```
 */
export function assertOpenGpu(gpu: unknown): asserts gpu is Gpu {
  if (
    typeof gpu !== "object" || gpu === null || !("device" in gpu) || !("caps" in gpu) ||
    typeof gpu.device !== "object" || gpu.device === null
  ) {
    throw new TypeError(
      `'gpu' must be a Gpu from openDevice(): current value is ${describeValue(gpu)}`,
    );
  }
  if ((gpu as { closed?: unknown }).closed === true) {
    throw new Error("the GPU device is closed: 'gpu' was closed with close(); call openDevice()");
  }
}
