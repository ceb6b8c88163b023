/**
 * Reading plain {@linkcode Config} objects into the typed configs of kernel families.
 *
 * @module
 */
import type { Config } from "./types.ts";

/**
 * Throws a `TypeError` unless `config` is an object.
 *
 * @example
 * ```ts
 * import { assertConfigObject } from "@wgtune/wgtune/kernels";
 * assertConfigObject({ tileM: 32 }); // no error
 * ```
 */
export function assertConfigObject(config: unknown): asserts config is Config {
  if (typeof config !== "object" || config === null) {
    throw new TypeError(`'config' must be an object: current value is ${String(config)}`);
  }
}

/**
 * Reads the named numeric parameters of `config`, each a power of two; throws a `TypeError` or
 * `RangeError` naming the missing or malformed parameter.
 *
 * @example
 * ```ts
 * import { readPowerOfTwoParams } from "@wgtune/wgtune/kernels";
 * console.log(readPowerOfTwoParams({ tileM: 32, vec: 4 }, ["tileM", "vec"])); // { tileM: 32, vec: 4 }
 * ```
 */
export function readPowerOfTwoParams(
  config: Config,
  names: readonly string[],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of names) {
    const value = config[name];
    if (typeof value !== "number") {
      throw new TypeError(`'${name}' must be a number: current value is ${String(value)}`);
    }
    if (!(Number.isSafeInteger(value) && value > 0 && (value & (value - 1)) === 0)) {
      throw new RangeError(`'${name}' must be a power of two: current value is ${value}`);
    }
    out[name] = value;
  }
  return out;
}
