/**
 * The version of the attention kernel family: part of every cache key and shader key. Bump it whenever
 * the generated code, the space or the default config changes (`kernels/golden_test.ts` refuses
 * such a change under an unchanged version); that invalidates the cached entries of the old one.
 *
 * @module
 */

/**
 * The attention family's version.
 *
 * @example
 * ```ts
 * import { ATTENTION_VERSION } from "./version.ts";
 * console.log(ATTENTION_VERSION); // 3
 * ```
 */
export const ATTENTION_VERSION = 3;
