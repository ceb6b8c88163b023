/**
 * Checks of plain-data arguments (problems, options) that throw one line naming the field and its
 * value: a `TypeError` for a value of the wrong type, a `RangeError` for one out of range.
 *
 * @module
 */
import { describeList } from "./describe.ts";

/**
 * Throws unless `value` is a plain object (not `null`, not an array) whose keys are all in
 * `fields`, so that a misspelt field does not go unnoticed.
 *
 * @example
 * ```ts
 * import { assertKnownFields } from "./checks.ts";
 * try {
 *   assertKnownFields("problem", { m: 1, nn: 2 }, ["m", "n"]);
 * } catch (error) {
 *   console.log((error as Error).message); // "'problem' has an unknown field 'nn': expected m, n"
 * }
 * ```
 */
export function assertKnownFields(
  name: string,
  value: unknown,
  fields: readonly string[],
): asserts value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`'${name}' must be an object: current value is ${describeList(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!fields.includes(key)) {
      throw new RangeError(
        `'${name}' has an unknown field '${key}': expected ${fields.join(", ")}`,
      );
    }
  }
}

function integer(name: string, value: unknown, min: number, max: number): number {
  const what = min === 0 ? "a non-negative integer" : "a positive integer";
  if (typeof value !== "number") {
    throw new TypeError(`'${name}' must be ${what}: current value is ${describeList(value)}`);
  }
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`'${name}' must be ${what}: current value is ${value}`);
  }
  if (value > max) {
    throw new RangeError(`'${name}' must be at most ${max}: current value is ${value}`);
  }
  return value;
}

/**
 * Returns `value` when it is a safe integer from 1 to `max`; throws otherwise.
 *
 * @example
 * ```ts
 * import { positiveInteger } from "./checks.ts";
 * console.log(positiveInteger("m", 64)); // 64
 * try {
 *   positiveInteger("headDim", 2048, 1024);
 * } catch (error) {
 *   console.log((error as Error).message); // "'headDim' must be at most 1024: current value is 2048"
 * }
 * ```
 */
export function positiveInteger(
  name: string,
  value: unknown,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  return integer(name, value, 1, max);
}

/**
 * Returns `value` when it is a safe integer of at least 0; throws otherwise.
 *
 * @example
 * ```ts
 * import { nonNegativeInteger } from "./checks.ts";
 * console.log(nonNegativeInteger("padTop", 0)); // 0
 * ```
 */
export function nonNegativeInteger(name: string, value: unknown): number {
  return integer(name, value, 0, Number.MAX_SAFE_INTEGER);
}

/**
 * Returns `value` when it is one of `allowed`; throws a `RangeError` for another string and a
 * `TypeError` for anything else.
 *
 * @example
 * ```ts
 * import { oneOf } from "./checks.ts";
 * console.log(oneOf("layout", "NHWC", ["NCHW", "NHWC"])); // "NHWC"
 * ```
 */
export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    const error = typeof value === "string" ? RangeError : TypeError;
    throw new error(
      `'${name}' must be one of ${allowed.join(", ")}: current value is ${describeList(value)}`,
    );
  }
  return value as T;
}
