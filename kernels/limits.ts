/**
 * Device-limit checks shared by the kernel families' problem validation, and the code-size bound
 * their generators share.
 *
 * @module
 */
import type { DeviceCaps } from "./types.ts";

/**
 * Why a problem of `dtype` cannot run on this device (f16 without `shader-f16`), or `undefined`.
 *
 * @example
 * ```ts
 * import { DEFAULT_CAPS, dtypeSupportError } from "@wgtune/wgtune/kernels";
 * console.log(dtypeSupportError("f16", DEFAULT_CAPS));
 * // "'dtype' f16 needs the device feature shader-f16, which this device lacks"
 * ```
 */
export function dtypeSupportError(dtype: string, caps: DeviceCaps): string | undefined {
  if (dtype === "f16" && !caps.shaderF16) {
    return "'dtype' f16 needs the device feature shader-f16, which this device lacks";
  }
  return undefined;
}

/**
 * Why one of the named tensors cannot be bound on this device (larger than
 * `maxStorageBufferBindingSize`, or too many elements for 32-bit indexing), or `undefined`.
 *
 * @example
 * ```ts
 * import { bufferSizeError, DEFAULT_CAPS } from "@wgtune/wgtune/kernels";
 * console.log(bufferSizeError([["a", 64], ["b", 2 ** 26]], 4, DEFAULT_CAPS));
 * // "buffer 'b' of 268435456 bytes exceeds the device's maxStorageBufferBindingSize (134217728)"
 * ```
 */
export function bufferSizeError(
  tensors: Iterable<readonly [string, number]>,
  bytesPerElement: number,
  caps: DeviceCaps,
): string | undefined {
  for (const [name, elements] of tensors) {
    const bytes = elements * bytesPerElement;
    if (bytes > caps.maxStorageBufferBindingSize || elements >= 2 ** 32) {
      return `buffer '${name}' of ${bytes} bytes exceeds the device's ` +
        `maxStorageBufferBindingSize (${caps.maxStorageBufferBindingSize})`;
    }
  }
  return undefined;
}

/**
 * Most scalar multiply-adds a generator unrolls into one straight-line body: lavapipe's compile
 * time grows with the unrolled body (conv2d's `"direct"` kernel-row step, its `"depthwise"` and
 * `"rows"` output blocks, and the space's bound on the direct step all use it).
 *
 * @example A 3×3 kernel with 256 accumulators per thread is unrolled
 * ```ts
 * import { MAX_UNROLLED_FMAS } from "./limits.ts";
 * console.log(3 * 3 * 256 <= MAX_UNROLLED_FMAS); // true
 * ```
 */
export const MAX_UNROLLED_FMAS = 2304;
