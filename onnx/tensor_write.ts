/**
 * ONNX `TensorProto` encoding: the inverse of the decoder in `tensor.ts`. Values are written as
 * little-endian `raw_data` (sub-byte types packed, first element in the low bits), strings as
 * `string_data`.
 *
 * @module
 */
import { dataTypeBits, dataTypeCode, type OnnxDataType } from "./data_type.ts";
import { decodeMinifloat, type MinifloatFormat } from "./float_formats.ts";
import { onnxMessageType } from "./schema.ts";
import { type OnnxTensor, tensorSize } from "./tensor.ts";

const utf8 = new TextEncoder();

/** Reverse tables of the 4- and 8-bit minifloat formats: value to bit pattern (NaN apart). */
const patternTables = new Map<MinifloatFormat, { values: Map<number, number>; negZero: number }>();

/** The canonical NaN pattern per format (float4e2m1 has none). */
const NAN_PATTERN: Partial<Record<MinifloatFormat, number>> = {
  float8e4m3fn: 0x7f,
  float8e4m3fnuz: 0x80,
  float8e5m2: 0x7f,
  float8e5m2fnuz: 0x80,
  float8e8m0: 0xff,
};

function patternOf(format: MinifloatFormat, value: number): number {
  if (format === "bfloat16") {
    const view = new DataView(new ArrayBuffer(4));
    view.setFloat32(0, value);
    return view.getUint32(0) >>> 16;
  }
  let table = patternTables.get(format);
  if (!table) {
    const values = new Map<number, number>();
    let negZero = 0;
    const count = format === "float4e2m1" ? 16 : 256;
    for (let bits = count - 1; bits >= 0; bits--) {
      const v = decodeMinifloat(format, bits);
      if (Object.is(v, -0)) negZero = bits;
      else values.set(v, bits); // lower patterns win for repeated values
    }
    table = { values, negZero: negZero || (values.get(0) ?? 0) };
    patternTables.set(format, table);
  }
  if (Number.isNaN(value)) {
    const nan = NAN_PATTERN[format];
    if (nan === undefined) {
      throw new RangeError(`'value' must be representable as ${format}: current value is NaN`);
    }
    return nan;
  }
  const pattern = Object.is(value, -0) ? table.negZero : table.values.get(value);
  if (pattern === undefined) {
    throw new RangeError(
      `'value' must be exactly representable as ${format}: current value is ${value}`,
    );
  }
  return pattern;
}

/**
 * The bit pattern of `value` in minifloat `format`, for values the format holds exactly (as the
 * decoder produces them); throws a `RangeError` otherwise.
 *
 * @example Patterns of a few values
 * ```ts
 * import { encodeMinifloat } from "./tensor_write.ts";
 * console.log(encodeMinifloat("float8e4m3fn", 448), encodeMinifloat("bfloat16", 1.5)); // 126 16320
 * ```
 */
export function encodeMinifloat(format: MinifloatFormat, value: number): number {
  return patternOf(format, value);
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
}

/** Packs sub-byte fields (first element in the low bits). */
function packBits(values: ArrayLike<number>, bits: number): Uint8Array {
  const perByte = 8 / bits;
  const out = new Uint8Array(Math.ceil(values.length / perByte));
  const mask = (1 << bits) - 1;
  for (let i = 0; i < values.length; i++) {
    out[Math.floor(i / perByte)]! |= (values[i]! & mask) << ((i % perByte) * bits);
  }
  return out;
}

/** A 64-bit value as a bigint; numbers must be safe integers (larger ones are not exact). */
function exactBigInt(value: number | bigint, name: string): bigint {
  if (typeof value === "bigint") return value;
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(
      `tensor '${name}': 64-bit integer values given as numbers must be safe integers (give a ` +
        `BigInt64Array beyond 2^53): current value is ${value}`,
    );
  }
  return BigInt(value);
}

/** Little-endian bytes of `data` stored as element type `type`. */
function rawBytes(type: OnnxDataType, data: OnnxTensor["data"], name: string): Uint8Array {
  if (Array.isArray(data)) {
    throw new TypeError(`tensor '${name}': ${type} values must be a typed array, not strings`);
  }
  const values = data as ArrayLike<number | bigint>;
  const n = values.length;
  const num = (i: number) => Number(values[i]!);
  switch (type) {
    case "float":
    case "complex64":
      return bytesOf(
        data instanceof Float32Array ? data : Float32Array.from(values as ArrayLike<number>),
      );
    case "double":
    case "complex128":
      return bytesOf(
        data instanceof Float64Array ? data : Float64Array.from(values as ArrayLike<number>),
      );
    case "float16":
      return bytesOf(Float16Array.from(values as ArrayLike<number>));
    case "int8":
      return bytesOf(Int8Array.from({ length: n }, (_, i) => num(i)));
    case "uint8":
      return bytesOf(Uint8Array.from({ length: n }, (_, i) => num(i)));
    case "bool":
      return Uint8Array.from({ length: n }, (_, i) => num(i) ? 1 : 0);
    case "int16":
      return bytesOf(Int16Array.from({ length: n }, (_, i) => num(i)));
    case "uint16":
      return bytesOf(Uint16Array.from({ length: n }, (_, i) => num(i)));
    case "int32":
      return bytesOf(Int32Array.from({ length: n }, (_, i) => num(i)));
    case "uint32":
      return bytesOf(Uint32Array.from({ length: n }, (_, i) => num(i)));
    case "int64":
      return bytesOf(BigInt64Array.from({ length: n }, (_, i) => exactBigInt(values[i]!, name)));
    case "uint64":
      return bytesOf(BigUint64Array.from({ length: n }, (_, i) => exactBigInt(values[i]!, name)));
    case "int4":
    case "uint4":
    case "int2":
    case "uint2":
      return packBits(Array.from({ length: n }, (_, i) => num(i)), dataTypeBits(type)!);
    case "float4e2m1":
      return packBits(Array.from({ length: n }, (_, i) => patternOf(type, num(i))), 4);
    case "bfloat16":
      return bytesOf(Uint16Array.from({ length: n }, (_, i) => patternOf(type, num(i))));
    default:
      return Uint8Array.from({ length: n }, (_, i) => patternOf(type as MinifloatFormat, num(i)));
  }
}

/**
 * A protobufjs-ready `TensorProto` object of `tensor` (what `TensorProto.fromObject` takes).
 * Throws a `RangeError` when the number of values does not match `dims`.
 *
 * @example The message of a small int64 tensor
 * ```ts
 * import { tensorToMessage } from "./tensor_write.ts";
 * const m = tensorToMessage({ name: "s", dataType: "int64", dims: [2], data: Float64Array.of(1, -1), docString: "" });
 * console.log(m.data_type, m.dims, (m.raw_data as Uint8Array).length); // 7 [2] 16
 * ```
 */
export function tensorToMessage(tensor: OnnxTensor): Record<string, unknown> {
  const { name, dataType, dims, data, docString } = tensor;
  const count = tensorSize(dims);
  const complex = dataType === "complex64" || dataType === "complex128";
  if (data.length !== count * (complex ? 2 : 1)) {
    throw new RangeError(
      `tensor '${name}': 'data' must hold ${count * (complex ? 2 : 1)} values for dims ` +
        `[${dims}]: it holds ${data.length}`,
    );
  }
  const message: Record<string, unknown> = {
    dims: [...dims],
    data_type: dataTypeCode(dataType),
    name,
    doc_string: docString,
  };
  if (dataType === "string") {
    if (!Array.isArray(data)) {
      throw new TypeError(`tensor '${name}': string values must be an array of strings`);
    }
    message.string_data = data.map((s) => utf8.encode(s));
  } else {
    message.raw_data = rawBytes(dataType, data, name);
  }
  return message;
}

/**
 * Encodes a tensor as a serialized `TensorProto` (the `test_data_set` `.pb` format);
 * `decodeTensor(encodeTensor(t))` deep-equals `t`.
 *
 * @example Round-trip a float tensor
 * ```ts
 * import { encodeTensor } from "./tensor_write.ts";
 * import { decodeTensor } from "./tensor.ts";
 * const bytes = encodeTensor({ name: "x", dataType: "float", dims: [2], data: Float32Array.of(1, 2), docString: "" });
 * console.log(decodeTensor(bytes).data); // Float32Array(2) [1, 2]
 * ```
 */
export function encodeTensor(tensor: OnnxTensor): Uint8Array {
  const TensorProto = onnxMessageType("TensorProto");
  return TensorProto.encode(TensorProto.fromObject(tensorToMessage(tensor))).finish();
}

/**
 * Writes a tensor as a `TensorProto` file.
 *
 * @example Write an output file
 * ```ts
 * import { buildTensor, readTensorFile } from "./mod.ts";
 * import { writeTensorFile } from "./tensor_write.ts";
 * const dir = await Deno.makeTempDir();
 * await writeTensorFile(`${dir}/y.pb`, buildTensor("y", "float", [2], [1, -1]));
 * console.log((await readTensorFile(`${dir}/y.pb`)).dims); // [2]
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeTensorFile(path: string | URL, tensor: OnnxTensor): Promise<void> {
  await Deno.writeFile(path, encodeTensor(tensor));
}
