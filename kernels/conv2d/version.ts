/**
 * The version of the conv2d kernel family: part of every cache key and shader key. Bump it whenever
 * the generated code, the space or the default config changes (`kernels/golden_test.ts` refuses
 * such a change under an unchanged version); that invalidates the cached entries of the old one.
 *
 * @module
 */

/**
 * The conv2d family's version.
 *
 * @example
 * ```ts
 * import { CONV2D_VERSION } from "./version.ts";
 * console.log(CONV2D_VERSION); // 4
 * ```
 */
export const CONV2D_VERSION = 4;
