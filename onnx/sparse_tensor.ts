/**
 * ONNX sparse tensors (`SparseTensorProto`, COO format).
 *
 * @module
 */
import { int64ToSafeNumber, type RawSparseTensor } from "./_raw.ts";
import { type DecodeTensorOptions, type OnnxTensor, tensorFromMessage } from "./tensor.ts";

/**
 * A decoded sparse tensor: `values` has shape `[NNZ]`; `indices` has shape `[NNZ, rank]`
 * (per-dimension coordinates) or `[NNZ]` (linearized row-major positions).
 */
export interface OnnxSparseTensor {
  /** The non-zero values; its name is the sparse tensor's name. */
  readonly values: OnnxTensor;
  /** int64 coordinates of the values. */
  readonly indices: OnnxTensor;
  /** Shape of the dense tensor. */
  readonly dims: readonly number[];
}

/**
 * Decodes a protobufjs `SparseTensorProto` message object; throws a `TypeError` when `values` or
 * `indices` is missing.
 *
 * @example Decode a one-value sparse vector
 * ```ts
 * import { sparseTensorFromMessage } from "./sparse_tensor.ts";
 * import { onnxMessageType } from "./schema.ts";
 * const SparseTensorProto = onnxMessageType("SparseTensorProto");
 * const bytes = SparseTensorProto.encode(SparseTensorProto.fromObject({
 *   dims: [4],
 *   values: { name: "s", dims: [1], data_type: 1, float_data: [5] },
 *   indices: { dims: [1], data_type: 7, int64_data: [2] },
 * })).finish();
 * // deno-lint-ignore no-explicit-any
 * const sparse = sparseTensorFromMessage(SparseTensorProto.decode(bytes) as any);
 * console.log(sparse.dims, sparse.values.data, sparse.indices.data); // [4] Float32Array(1) [5] Float64Array(1) [2]
 * ```
 */
export function sparseTensorFromMessage(
  raw: RawSparseTensor,
  options: DecodeTensorOptions = {},
): OnnxSparseTensor {
  if (!raw.values || !raw.indices) {
    throw new TypeError("SparseTensorProto: 'values' and 'indices' must both be present");
  }
  return {
    values: tensorFromMessage(raw.values, options),
    indices: tensorFromMessage(raw.indices, options),
    dims: raw.dims.map((d, i) => int64ToSafeNumber(d, `dims[${i}]`)),
  };
}
