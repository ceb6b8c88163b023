/**
 * Conversion between host arrays and the bytes a storage buffer holds for each {@linkcode Dtype}.
 *
 * @module
 */
import { bufferBytes } from "../core/dtype.ts";
import type { Dtype } from "../core/types.ts";

/**
 * Encodes logical values into the bytes of a storage buffer of `dtype`: f16 rounds to half
 * precision, int8 packs four signed bytes per `u32` (little-endian), i32/u32 are 32-bit integers.
 *
 * @example
 * ```ts
 * import { encodeTensor } from "./tensor_io.ts";
 * console.log(encodeTensor("f16", new Float32Array([1, 2, 3])).byteLength); // 8
 * ```
 */
export function encodeTensor(dtype: Dtype, values: ArrayLike<number>): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(bufferBytes(dtype, values.length));
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    switch (dtype) {
      case "f32":
        view.setFloat32(i * 4, v, true);
        break;
      case "f16":
        view.setFloat16(i * 2, v, true);
        break;
      case "i32":
        view.setInt32(i * 4, v, true);
        break;
      case "u32":
        view.setUint32(i * 4, v, true);
        break;
      case "int8":
        view.setInt8(i, v);
        break;
    }
  }
  return bytes;
}

/**
 * Decodes `elements` values of `dtype` from buffer bytes into a `Float32Array` (floats) or an
 * `Int32Array` (integers).
 *
 * @example
 * ```ts
 * import { decodeTensor, encodeTensor } from "./tensor_io.ts";
 * const back = decodeTensor("int8", encodeTensor("int8", [-3, 7]), 2);
 * console.log([...back]); // [-3, 7]
 * ```
 */
export function decodeTensor(
  dtype: Dtype,
  bytes: Uint8Array,
  elements: number,
): Float32Array | Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === "f32" || dtype === "f16") {
    const out = new Float32Array(elements);
    for (let i = 0; i < elements; i++) {
      out[i] = dtype === "f32" ? view.getFloat32(i * 4, true) : view.getFloat16(i * 2, true);
    }
    return out;
  }
  const out = new Int32Array(elements);
  for (let i = 0; i < elements; i++) {
    out[i] = dtype === "int8"
      ? view.getInt8(i)
      : dtype === "i32"
      ? view.getInt32(i * 4, true)
      : view.getUint32(i * 4, true);
  }
  return out;
}
