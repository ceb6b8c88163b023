/**
 * Storage facts of each {@linkcode Dtype}: buffer sizes and the rounding a value goes through.
 *
 * @module
 */
import type { Dtype } from "./types.ts";

/**
 * Bytes one buffer of `elements` values of `dtype` occupies, rounded up to 4 bytes (int8 is packed
 * four to a `u32`, f16 two).
 *
 * @example
 * ```ts
 * import { bufferBytes } from "./dtype.ts";
 * console.log(bufferBytes("f16", 3), bufferBytes("int8", 5)); // 8 8
 * ```
 */
export function bufferBytes(dtype: Dtype, elements: number): number {
  const raw = dtype === "f16" ? elements * 2 : dtype === "int8" ? elements : elements * 4;
  return Math.max(4, Math.ceil(raw / 4) * 4);
}

/**
 * Rounds values to what `dtype` can hold (f16 rounding), so that references see exactly what the
 * GPU reads.
 *
 * @example
 * ```ts
 * import { roundToDtype } from "./dtype.ts";
 * console.log(roundToDtype("f16", new Float32Array([0.1]))[0]); // 0.0999755859375
 * ```
 */
export function roundToDtype(dtype: Dtype, values: Float32Array): Float32Array {
  if (dtype !== "f16") return values;
  return values.map((v) => Math.f16round(v));
}
