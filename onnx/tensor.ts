/**
 * ONNX `TensorProto` decoding: dims, element type and values as a typed array, from `raw_data`
 * (little-endian, sub-byte types packed) or from the typed repeated fields, or from external data.
 *
 * @module
 */
import {
  entriesToRecord,
  int64ToBigInt,
  int64ToSafeNumber,
  type RawInt64,
  type RawTensor,
  utf8Decode,
} from "./_raw.ts";
import { dataTypeBits, dataTypeFromCode, type OnnxDataType } from "./data_type.ts";
import { decodeMinifloat, type MinifloatFormat } from "./float_formats.ts";
import { onnxMessageType } from "./schema.ts";

/**
 * Decoded tensor values, by element type:
 * - `float` → `Float32Array`, `double` → `Float64Array`, `float16` → `Float16Array`;
 * - `bfloat16`, the float8 types, `float4e2m1` and `float8e8m0` → `Float32Array` (exact);
 * - `int8`/`int16`/`int32`/`uint8`/`uint16`/`uint32` → the typed array of that name;
 * - `int4`/`int2` → `Int8Array`, `uint4`/`uint2` and `bool` → `Uint8Array` (one element each);
 * - `int64`/`uint64` → `Float64Array` when every value is a safe integer, else
 *   `BigInt64Array`/`BigUint64Array`;
 * - `complex64` → `Float32Array` and `complex128` → `Float64Array`, (real, imaginary) interleaved;
 * - `string` → `string[]` (UTF-8).
 */
export type OnnxTensorData =
  | Float32Array
  | Float64Array
  | Float16Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[];

/** A decoded ONNX tensor: plain data. */
export interface OnnxTensor {
  /** The tensor's name (may be empty, for example in attributes). */
  readonly name: string;
  /** Element type. */
  readonly dataType: OnnxDataType;
  /** Shape; `[]` is a scalar. */
  readonly dims: readonly number[];
  /** Values in row-major order; see {@linkcode OnnxTensorData} for the array type per dtype. */
  readonly data: OnnxTensorData;
  /** Documentation string (empty when absent). */
  readonly docString: string;
}

/** Reads the bytes of one external data file, given its `location` as written in the model. */
export type ExternalDataReader = (location: string) => Uint8Array;

/** Options of {@linkcode decodeTensor} and of the model loaders. */
export interface DecodeTensorOptions {
  /**
   * Reader for tensors whose `data_location` is `EXTERNAL`; without one such tensors are rejected
   * with a `TypeError`. The `offset` and `length` entries of `external_data` are applied here.
   * @default {undefined}
   */
  externalData?: ExternalDataReader;
}

/**
 * Number of elements of a shape (1 for a scalar).
 *
 * @example Sizes of a 3-D shape and a scalar
 * ```ts
 * import { tensorSize } from "./tensor.ts";
 * console.log(tensorSize([2, 3, 4]), tensorSize([])); // 24 1
 * ```
 */
export function tensorSize(dims: readonly number[]): number {
  let size = 1;
  for (const d of dims) size *= d;
  return size;
}

/** Unpacks `count` sub-byte fields of `bits` each from packed bytes (first in the low bits). */
function unpackBits(bytes: ArrayLike<number>, bits: number, count: number): Uint8Array {
  const perByte = 8 / bits;
  const needed = Math.ceil(count / perByte);
  if (bytes.length !== needed) {
    throw new RangeError(
      `packed ${bits}-bit data must hold ${needed} bytes for ${count} elements: it holds ${bytes.length}`,
    );
  }
  const mask = (1 << bits) - 1;
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    out[i] = (bytes[Math.floor(i / perByte)]! >> ((i % perByte) * bits)) & mask;
  }
  return out;
}

/** Bit patterns (one per element, at most 16 bits) to the tensor's value array. */
function fromPatterns(type: OnnxDataType, patterns: ArrayLike<number>): OnnxTensorData {
  const n = patterns.length;
  switch (type) {
    case "int4":
    case "int2": {
      const bits = dataTypeBits(type)!;
      const out = new Int8Array(n);
      for (let i = 0; i < n; i++) out[i] = (patterns[i]! << (32 - bits)) >> (32 - bits);
      return out;
    }
    case "uint4":
    case "uint2":
      return Uint8Array.from(patterns);
    case "float16": {
      const view = new DataView(new ArrayBuffer(2 * n));
      for (let i = 0; i < n; i++) view.setUint16(2 * i, patterns[i]!, true);
      return new Float16Array(view.buffer);
    }
    default: {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = decodeMinifloat(type as MinifloatFormat, patterns[i]!);
      return out;
    }
  }
}

/** 64-bit integers to a `Float64Array` when all are safe, else to `BigInt64Array`s. */
function fromBigInts(values: readonly bigint[], unsigned: boolean): OnnxTensorData {
  if (values.every((v) => v >= -Number.MAX_SAFE_INTEGER && v <= Number.MAX_SAFE_INTEGER)) {
    return Float64Array.from(values, Number);
  }
  return unsigned ? BigUint64Array.from(values) : BigInt64Array.from(values);
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Typed arrays whose little-endian bytes are exactly `raw_data` of the type. */
const NATIVE: Partial<Record<OnnxDataType, new (buffer: ArrayBuffer) => OnnxTensorData>> = {
  float: Float32Array,
  complex64: Float32Array,
  double: Float64Array,
  complex128: Float64Array,
  float16: Float16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
};

/** Decodes little-endian `raw_data` of `count` elements. */
function fromRaw(type: OnnxDataType, raw: Uint8Array, count: number, name: string): OnnxTensorData {
  if (type === "string") {
    throw new TypeError(`tensor '${name}': string tensors cannot use raw_data`);
  }
  const bits = dataTypeBits(type)!;
  if (bits < 8) return fromPatterns(type, unpackBits(raw, bits, count));
  const elementBytes = bits / 8;
  if (raw.byteLength !== count * elementBytes) {
    throw new RangeError(
      `tensor '${name}': raw_data must hold ${count * elementBytes} bytes for ${count} ` +
        `${type} elements: it holds ${raw.byteLength}`,
    );
  }
  // On little-endian hosts (all WebGPU targets) a copy of the bytes is the typed array itself.
  const Native = LITTLE_ENDIAN ? NATIVE[type] : undefined;
  if (Native) return new Native(new Uint8Array(raw).buffer); // a copy: raw may be a pooled Buffer view
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (type) {
    case "float":
    case "complex64":
      return Float32Array.from(
        { length: raw.byteLength / 4 },
        (_, i) => view.getFloat32(4 * i, true),
      );
    case "double":
    case "complex128":
      return Float64Array.from(
        { length: raw.byteLength / 8 },
        (_, i) => view.getFloat64(8 * i, true),
      );
    case "int8":
      return Int8Array.from({ length: count }, (_, i) => view.getInt8(i));
    case "uint8":
      return Uint8Array.from(raw);
    case "bool":
      return Uint8Array.from(raw, (v) => v ? 1 : 0);
    case "int16":
      return Int16Array.from({ length: count }, (_, i) => view.getInt16(2 * i, true));
    case "uint16":
      return Uint16Array.from({ length: count }, (_, i) => view.getUint16(2 * i, true));
    case "int32":
      return Int32Array.from({ length: count }, (_, i) => view.getInt32(4 * i, true));
    case "uint32":
      return Uint32Array.from({ length: count }, (_, i) => view.getUint32(4 * i, true));
    case "int64":
    case "uint64": {
      const unsigned = type === "uint64";
      const values = Array.from(
        { length: count },
        (_, i) => unsigned ? view.getBigUint64(8 * i, true) : view.getBigInt64(8 * i, true),
      );
      return fromBigInts(values, unsigned);
    }
    default:
      // 8- and 16-bit floating-point formats: bit patterns.
      return fromPatterns(
        type,
        Array.from(
          { length: count },
          (_, i) => elementBytes === 2 ? view.getUint16(2 * i, true) : view.getUint8(i),
        ),
      );
  }
}

/** Decodes the typed repeated fields of a tensor of `count` elements. */
function fromFields(type: OnnxDataType, raw: RawTensor, count: number): OnnxTensorData {
  const expect = <T extends { length: number }>(field: string, values: T, length: number): T => {
    if (values.length !== length) {
      throw new RangeError(
        `tensor '${raw.name}': ${field} must hold ${length} values for ${count} ${type} ` +
          `elements: it holds ${values.length}`,
      );
    }
    return values;
  };
  switch (type) {
    case "float":
      return Float32Array.from(expect("float_data", raw.float_data, count));
    case "complex64":
      return Float32Array.from(expect("float_data", raw.float_data, 2 * count));
    case "double":
      return Float64Array.from(expect("double_data", raw.double_data, count));
    case "complex128":
      return Float64Array.from(expect("double_data", raw.double_data, 2 * count));
    case "int8":
      return Int8Array.from(expect("int32_data", raw.int32_data, count));
    case "uint8":
      return Uint8Array.from(expect("int32_data", raw.int32_data, count));
    case "bool":
      return Uint8Array.from(expect("int32_data", raw.int32_data, count), (v) => v ? 1 : 0);
    case "int16":
      return Int16Array.from(expect("int32_data", raw.int32_data, count));
    case "uint16":
      return Uint16Array.from(expect("int32_data", raw.int32_data, count));
    case "int32":
      return Int32Array.from(expect("int32_data", raw.int32_data, count));
    case "uint32":
      return Uint32Array.from(
        expect("uint64_data", raw.uint64_data, count),
        (v) => Number(int64ToBigInt(v)),
      );
    case "int64":
      return fromBigInts(expect("int64_data", raw.int64_data, count).map(int64ToBigInt), false);
    case "uint64":
      return fromBigInts(
        expect("uint64_data", raw.uint64_data, count).map((v) =>
          BigInt.asUintN(64, int64ToBigInt(v))
        ),
        true,
      );
    case "string":
      return expect("string_data", raw.string_data, count).map(utf8Decode);
    default: {
      const bits = dataTypeBits(type)!;
      if (bits < 8) {
        const bytes = raw.int32_data.map((v) => v & 0xff);
        return fromPatterns(type, unpackBits(bytes, bits, count));
      }
      return fromPatterns(type, expect("int32_data", raw.int32_data, count));
    }
  }
}

function hasAnyField(raw: RawTensor): boolean {
  return raw.float_data.length + raw.int32_data.length + raw.string_data.length +
      raw.int64_data.length + raw.double_data.length + raw.uint64_data.length > 0;
}

/** Reads the bytes of an external tensor through `reader`, applying `offset` and `length`. */
function externalBytes(raw: RawTensor, reader: ExternalDataReader | undefined): Uint8Array {
  const entries = entriesToRecord(raw.external_data);
  const { location } = entries;
  if (location === undefined) {
    throw new TypeError(`tensor '${raw.name}': external data has no 'location' entry`);
  }
  if (!reader) {
    throw new TypeError(
      `tensor '${raw.name}': its data is external ('${location}') and no 'externalData' reader ` +
        `was given`,
    );
  }
  const file = reader(location);
  const offset = entries.offset === undefined ? 0 : Number(entries.offset);
  const length = entries.length === undefined ? file.byteLength - offset : Number(entries.length);
  if (
    !Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 ||
    offset + length > file.byteLength
  ) {
    throw new RangeError(
      `tensor '${raw.name}': external range offset ${entries.offset} length ${entries.length} ` +
        `does not fit in '${location}' (${file.byteLength} bytes)`,
    );
  }
  return file.subarray(offset, offset + length);
}

/**
 * Decodes a protobufjs `TensorProto` message object into an {@linkcode OnnxTensor}.
 * Used by the model loader; most callers want {@linkcode decodeTensor}.
 *
 * @example Decode a message built with the schema
 * ```ts
 * import { tensorFromMessage } from "./tensor.ts";
 * import { onnxMessageType } from "./schema.ts";
 * const TensorProto = onnxMessageType("TensorProto");
 * const message = TensorProto.decode(
 *   TensorProto.encode(TensorProto.fromObject({ dims: [2], data_type: 7, int64_data: [5, -1] })).finish(),
 * );
 * // deno-lint-ignore no-explicit-any
 * console.log(tensorFromMessage(message as any).data); // Float64Array(2) [5, -1]
 * ```
 */
export function tensorFromMessage(raw: RawTensor, options: DecodeTensorOptions = {}): OnnxTensor {
  const dataType = dataTypeFromCode(raw.data_type);
  const dims = raw.dims.map((d: RawInt64, i) => int64ToSafeNumber(d, `dims[${i}]`));
  if (dims.some((d) => d < 0)) {
    throw new RangeError(`tensor '${raw.name}': 'dims' must be non-negative: [${dims}]`);
  }
  if (raw.segment) {
    throw new TypeError(`tensor '${raw.name}': segmented tensors are not supported`);
  }
  const count = tensorSize(dims);
  let data: OnnxTensorData;
  if (raw.data_location === 1) {
    data = fromRaw(dataType, externalBytes(raw, options.externalData), count, raw.name);
  } else if (raw.raw_data.byteLength > 0 || !hasAnyField(raw) && Object.hasOwn(raw, "raw_data")) {
    data = fromRaw(dataType, raw.raw_data, count, raw.name);
  } else {
    data = fromFields(dataType, raw, count);
  }
  return { name: raw.name, dataType, dims, data, docString: raw.doc_string };
}

/**
 * Decodes a serialized `TensorProto` (for example an `input_0.pb` of the ONNX backend tests).
 *
 * @example Decode bytes written by another tool
 * ```ts
 * import { decodeTensor } from "./tensor.ts";
 * import { onnxMessageType } from "./schema.ts";
 * const TensorProto = onnxMessageType("TensorProto");
 * const bytes = TensorProto.encode(
 *   TensorProto.fromObject({ name: "x", dims: [2, 2], data_type: 1, float_data: [1, 2, 3, 4] }),
 * ).finish();
 * const tensor = decodeTensor(bytes);
 * console.log(tensor.dims, tensor.data); // [2, 2] Float32Array(4) [1, 2, 3, 4]
 * ```
 */
export function decodeTensor(bytes: Uint8Array, options: DecodeTensorOptions = {}): OnnxTensor {
  const message = onnxMessageType("TensorProto").decode(bytes) as unknown as RawTensor;
  return tensorFromMessage(message, options);
}

/**
 * Reads and decodes a `TensorProto` file; external data is looked up beside the file.
 *
 * @example Read a backend-test input
 * ```ts
 * import { buildTensor, encodeTensor } from "./mod.ts";
 * import { readTensorFile } from "./tensor.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/input_0.pb`, encodeTensor(buildTensor("x", "float", [3, 4], new Array(12).fill(1))));
 * const x = await readTensorFile(`${dir}/input_0.pb`);
 * console.log(x.dataType, x.dims); // "float" [3, 4]
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readTensorFile(path: string | URL): Promise<OnnxTensor> {
  const bytes = await Deno.readFile(path);
  return decodeTensor(bytes, { externalData: externalReaderBeside(path) });
}

/**
 * An {@linkcode ExternalDataReader} that resolves locations relative to the folder of `path`
 * (the model or tensor file) and reads each file once.
 *
 * @example Read data that sits beside the model
 * ```ts
 * import { externalReaderBeside } from "./tensor.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/weights.bin`, new Uint8Array([1, 2, 3, 4]));
 * const read = externalReaderBeside(`${dir}/model.onnx`);
 * console.log(read("weights.bin")); // Uint8Array(4) [1, 2, 3, 4]
 * try {
 *   read("../elsewhere.bin");
 * } catch (error) {
 *   console.log((error as Error).name); // "RangeError": the location leaves the model's folder
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function externalReaderBeside(path: string | URL): ExternalDataReader {
  const base = path instanceof URL ? path : fileUrl(path);
  const folder = new URL(".", base).href;
  const files = new Map<string, Uint8Array>();
  return (location) => {
    let bytes = files.get(location);
    if (!bytes) {
      const url = new URL(location.split("/").map(encodeURIComponent).join("/"), base);
      if (!url.href.startsWith(folder)) {
        throw new RangeError(`external data location '${location}' leaves the model's folder`);
      }
      bytes = Deno.readFileSync(url);
      files.set(location, bytes);
    }
    return bytes;
  };
}

/** A POSIX path (absolute, or relative to the working directory) as a `file:` URL. */
function fileUrl(path: string): URL {
  const absolute = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  return new URL(`file://${absolute.split("/").map(encodeURIComponent).join("/")}`);
}

/**
 * The tensor's values as a `Float64Array` (booleans as 0/1). Throws a `TypeError` for string and
 * complex tensors and a `RangeError` for 64-bit integers beyond 2^53.
 *
 * @example Widen int8 values
 * ```ts
 * import { tensorToFloat64 } from "./tensor.ts";
 * const t = { name: "", dataType: "int8", dims: [2], data: new Int8Array([-1, 3]), docString: "" } as const;
 * console.log(tensorToFloat64(t)); // Float64Array(2) [-1, 3]
 * ```
 */
export function tensorToFloat64(tensor: OnnxTensor): Float64Array {
  const { data, dataType, name } = tensor;
  if (dataType === "string" || dataType === "complex64" || dataType === "complex128") {
    throw new TypeError(`tensor '${name}': ${dataType} values cannot be converted to numbers`);
  }
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    throw new RangeError(`tensor '${name}': ${dataType} values exceed the safe integer range`);
  }
  return Float64Array.from(data as ArrayLike<number>);
}
