/**
 * The version of the matmul kernel family: part of every cache key and shader key. Bump it whenever
 * the generated code, the space or the default config changes (`kernels/golden_test.ts` refuses
 * such a change under an unchanged version); that invalidates the cached entries of the old one.
 *
 * @module
 */

/**
 * The matmul family's version.
 *
 * @example
 * ```ts
 * import { MATMUL_VERSION } from "./version.ts";
 * console.log(MATMUL_VERSION); // 2
 * ```
 */
export const MATMUL_VERSION = 2;
