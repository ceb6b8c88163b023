/**
 * Private: the shapes of the message objects protobufjs decodes from the schema in `schema.ts`,
 * and conversions of its 64-bit integers. Optional proto2 scalars that are absent read as the
 * prototype default; presence is `Object.hasOwn(message, field)`.
 *
 * @module
 */

/** protobufjs' 64-bit integer (the `long` package) or a plain number. */
export type RawInt64 = number | { low: number; high: number; unsigned: boolean };

/** `StringStringEntryProto`. */
export interface RawEntry {
  key: string;
  value: string;
}

/** `TensorProto`. */
export interface RawTensor {
  dims: RawInt64[];
  data_type: number;
  segment?: { begin: RawInt64; end: RawInt64 } | null;
  float_data: number[];
  int32_data: number[];
  string_data: Uint8Array[];
  int64_data: RawInt64[];
  name: string;
  doc_string: string;
  raw_data: Uint8Array;
  external_data: RawEntry[];
  data_location: number;
  double_data: number[];
  uint64_data: RawInt64[];
  metadata_props: RawEntry[];
}

/** `SparseTensorProto`. */
export interface RawSparseTensor {
  values?: RawTensor | null;
  indices?: RawTensor | null;
  dims: RawInt64[];
}

/** `TensorShapeProto.Dimension`. */
export interface RawDimension {
  dim_value?: RawInt64;
  dim_param?: string;
  denotation: string;
  value?: "dim_value" | "dim_param";
}

/** `TypeProto`. */
export interface RawType {
  tensor_type?: { elem_type: number; shape?: { dim: RawDimension[] } | null } | null;
  sparse_tensor_type?: { elem_type: number; shape?: { dim: RawDimension[] } | null } | null;
  sequence_type?: { elem_type?: RawType | null } | null;
  map_type?: { key_type: number; value_type?: RawType | null } | null;
  optional_type?: { elem_type?: RawType | null } | null;
  opaque_type?: { domain: string; name: string } | null;
  denotation: string;
  value?: string;
}

/** `ValueInfoProto`. */
export interface RawValueInfo {
  name: string;
  type?: RawType | null;
  doc_string: string;
  metadata_props: RawEntry[];
}

/** `AttributeProto`. */
export interface RawAttribute {
  name: string;
  ref_attr_name: string;
  doc_string: string;
  type: number;
  f: number;
  i: RawInt64;
  s: Uint8Array;
  t?: RawTensor | null;
  g?: RawGraph | null;
  sparse_tensor?: RawSparseTensor | null;
  tp?: RawType | null;
  floats: number[];
  ints: RawInt64[];
  strings: Uint8Array[];
  tensors: RawTensor[];
  graphs: RawGraph[];
  sparse_tensors: RawSparseTensor[];
  type_protos: RawType[];
}

/** `NodeProto`. */
export interface RawNode {
  input: string[];
  output: string[];
  name: string;
  op_type: string;
  domain: string;
  overload: string;
  attribute: RawAttribute[];
  doc_string: string;
  metadata_props: RawEntry[];
}

/** `TensorAnnotation`. */
export interface RawTensorAnnotation {
  tensor_name: string;
  quant_parameter_tensor_names: RawEntry[];
}

/** `GraphProto`. */
export interface RawGraph {
  node: RawNode[];
  name: string;
  initializer: RawTensor[];
  sparse_initializer: RawSparseTensor[];
  doc_string: string;
  input: RawValueInfo[];
  output: RawValueInfo[];
  value_info: RawValueInfo[];
  quantization_annotation: RawTensorAnnotation[];
  metadata_props: RawEntry[];
}

/** `OperatorSetIdProto`. */
export interface RawOpset {
  domain: string;
  version: RawInt64;
}

/** `FunctionProto`. */
export interface RawFunction {
  name: string;
  input: string[];
  output: string[];
  attribute: string[];
  attribute_proto: RawAttribute[];
  node: RawNode[];
  doc_string: string;
  opset_import: RawOpset[];
  domain: string;
  overload: string;
  value_info: RawValueInfo[];
  metadata_props: RawEntry[];
}

/** `TrainingInfoProto`. */
export interface RawTrainingInfo {
  initialization?: RawGraph | null;
  algorithm?: RawGraph | null;
  initialization_binding: RawEntry[];
  update_binding: RawEntry[];
}

/** `ModelProto`. */
export interface RawModel {
  ir_version: RawInt64;
  opset_import: RawOpset[];
  producer_name: string;
  producer_version: string;
  domain: string;
  model_version: RawInt64;
  doc_string: string;
  graph?: RawGraph | null;
  metadata_props: RawEntry[];
  training_info: RawTrainingInfo[];
  functions: RawFunction[];
}

/**
 * The exact value of a decoded 64-bit integer, signed unless protobufjs marked it unsigned.
 *
 * @example Read a Long
 * ```ts
 * import { int64ToBigInt } from "./_raw.ts";
 * console.log(int64ToBigInt({ low: 1, high: 2097152, unsigned: false })); // 9007199254740993n
 * ```
 */
export function int64ToBigInt(value: RawInt64): bigint {
  if (typeof value === "number") return BigInt(value);
  const bits = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
  return value.unsigned ? BigInt.asUintN(64, bits) : BigInt.asIntN(64, bits);
}

/**
 * A decoded 64-bit integer as a number; throws a `RangeError` naming `what` when it is not a safe
 * integer (dims, opset versions and the like must be exact).
 *
 * @example A dim
 * ```ts
 * import { int64ToSafeNumber } from "./_raw.ts";
 * console.log(int64ToSafeNumber({ low: 7, high: 0, unsigned: false }, "dims[0]")); // 7
 * ```
 */
export function int64ToSafeNumber(value: RawInt64, what: string): number {
  const big = int64ToBigInt(value);
  const n = Number(big);
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(`'${what}' must be a safe integer: current value is ${big}`);
  }
  return n;
}

/**
 * A decoded 64-bit integer as the nearest number (exact up to 2^53).
 *
 * @example INT64_MAX rounds to 2^63
 * ```ts
 * import { int64ToNumber } from "./_raw.ts";
 * console.log(int64ToNumber({ low: -1, high: 0x7fffffff, unsigned: false }) === 2 ** 63); // true
 * ```
 */
export function int64ToNumber(value: RawInt64): number {
  return typeof value === "number" ? value : Number(int64ToBigInt(value));
}

/**
 * A list of `StringStringEntryProto` as a plain record (later keys win).
 *
 * @example Entries to a record
 * ```ts
 * import { entriesToRecord } from "./_raw.ts";
 * console.log(entriesToRecord([{ key: "a", value: "1" }])); // { a: "1" }
 * ```
 */
export function entriesToRecord(entries: readonly RawEntry[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, value } of entries) out[key] = value;
  return out;
}

const utf8 = new TextDecoder();

/**
 * UTF-8 bytes to a string (invalid sequences become U+FFFD).
 *
 * @example Decode an attribute string
 * ```ts
 * import { utf8Decode } from "./_raw.ts";
 * console.log(utf8Decode(new TextEncoder().encode("SAME_UPPER"))); // "SAME_UPPER"
 * ```
 */
export function utf8Decode(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}
