/**
 * Host tensors of the runtime: what a session takes and returns, and what crosses between the
 * GPU and onnxruntime's CPU provider. Conversions to and from the two GPU storage types.
 *
 * @module
 */
import type { OnnxDataType } from "../onnx/data_type.ts";
import { type OnnxTensor, type OnnxTensorData, tensorSize } from "../onnx/tensor.ts";
import type { GpuDtype } from "./ops/types.ts";

/** A tensor on the host: element type, dims and row-major values. */
export interface HostTensor {
  /** ONNX element type. */
  readonly dataType: OnnxDataType;
  /** Shape; `[]` is a scalar. */
  readonly dims: readonly number[];
  /** Values, in the array type of {@linkcode OnnxTensorData} for the element type. */
  readonly data: OnnxTensorData;
}

const TO_GPU: Partial<Record<OnnxDataType, GpuDtype>> = {
  float: "f32",
  float16: "f32",
  int64: "i32",
  int32: "i32",
  int16: "i32",
  int8: "i32",
  uint16: "i32",
  uint8: "i32",
  bool: "i32",
};

/**
 * How values of an ONNX element type are stored on the GPU, or `undefined` when they are not
 * (double, strings, 64-bit unsigned and the small float formats stay on the CPU provider).
 *
 * @example
 * ```ts
 * import { gpuDtypeOf } from "./host_tensor.ts";
 * console.log(gpuDtypeOf("int64"), gpuDtypeOf("double")); // "i32" undefined
 * ```
 */
export function gpuDtypeOf(dataType: OnnxDataType | undefined): GpuDtype | undefined {
  return dataType === undefined ? undefined : TO_GPU[dataType];
}

/**
 * The values of a host tensor as a GPU storage array (`Float32Array` or `Int32Array`). Throws a
 * `RangeError` for a type the GPU does not store, or an integer outside the 32-bit range.
 *
 * @example
 * ```ts
 * import { toGpuValues } from "./host_tensor.ts";
 * const v = toGpuValues({ dataType: "int64", dims: [2], data: new Float64Array([3, -1]) });
 * console.log(v); // Int32Array(2) [ 3, -1 ]
 * ```
 */
export function toGpuValues(tensor: HostTensor | OnnxTensor): Float32Array | Int32Array {
  const dtype = gpuDtypeOf(tensor.dataType);
  if (!dtype) throw new RangeError(`tensors of type ${tensor.dataType} are not stored on the GPU`);
  const data = tensor.data as ArrayLike<number | bigint>;
  if (dtype === "f32") {
    return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
  }
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]!);
    if (v > 2147483647 || v < -2147483648) {
      throw new RangeError(`value ${v} of a ${tensor.dataType} tensor does not fit in 32 bits`);
    }
    out[i] = v;
  }
  return out;
}

/**
 * A host tensor of `dataType` from GPU storage values (the inverse of {@linkcode toGpuValues}).
 *
 * @example
 * ```ts
 * import { fromGpuValues } from "./host_tensor.ts";
 * console.log(fromGpuValues("bool", [2], new Int32Array([0, 1])).data); // Uint8Array(2) [ 0, 1 ]
 * ```
 */
export function fromGpuValues(
  dataType: OnnxDataType,
  dims: readonly number[],
  values: Float32Array | Int32Array,
): HostTensor {
  const n = tensorSize(dims);
  const v = values.length === n ? values : values.subarray(0, n);
  let data: OnnxTensorData;
  switch (dataType) {
    case "float":
      data = v instanceof Float32Array ? v : Float32Array.from(v);
      break;
    case "float16":
      data = Float16Array.from(v);
      break;
    case "int64":
      data = BigInt64Array.from(v, (x) => BigInt(Math.trunc(x)));
      break;
    case "int32":
      data = Int32Array.from(v);
      break;
    case "int16":
      data = Int16Array.from(v);
      break;
    case "int8":
      data = Int8Array.from(v);
      break;
    case "uint16":
      data = Uint16Array.from(v);
      break;
    case "uint8":
      data = Uint8Array.from(v);
      break;
    case "bool":
      data = Uint8Array.from(v, (x) => (x !== 0 ? 1 : 0));
      break;
    default:
      throw new RangeError(`tensors of type ${dataType} are not stored on the GPU`);
  }
  return { dataType, dims: [...dims], data };
}

/**
 * A host tensor's values as plain numbers (int64 as numbers), for summaries and comparisons.
 *
 * @example
 * ```ts
 * import { tensorNumbers } from "./host_tensor.ts";
 * console.log(tensorNumbers({ dataType: "int64", dims: [1], data: new BigInt64Array([5n]) })); // [5]
 * ```
 */
export function tensorNumbers(tensor: HostTensor): number[] {
  if (Array.isArray(tensor.data)) throw new RangeError("string tensors have no numeric values");
  return Array.from(tensor.data as ArrayLike<number | bigint>, (v) => Number(v));
}
