/**
 * ONNX tensor element types (`TensorProto.DataType`): names, numeric codes and bit widths.
 *
 * @module
 */

/** The name of an ONNX element type, lower-case as in the ONNX docs (`"float"`, `"int64"`, ...). */
export type OnnxDataType =
  | "float"
  | "uint8"
  | "int8"
  | "uint16"
  | "int16"
  | "int32"
  | "int64"
  | "string"
  | "bool"
  | "float16"
  | "double"
  | "uint32"
  | "uint64"
  | "complex64"
  | "complex128"
  | "bfloat16"
  | "float8e4m3fn"
  | "float8e4m3fnuz"
  | "float8e5m2"
  | "float8e5m2fnuz"
  | "uint4"
  | "int4"
  | "float4e2m1"
  | "float8e8m0"
  | "uint2"
  | "int2";

/** Element type names indexed by their `TensorProto.DataType` code (code 0 is `UNDEFINED`). */
const BY_CODE: readonly (OnnxDataType | undefined)[] = [
  undefined,
  "float",
  "uint8",
  "int8",
  "uint16",
  "int16",
  "int32",
  "int64",
  "string",
  "bool",
  "float16",
  "double",
  "uint32",
  "uint64",
  "complex64",
  "complex128",
  "bfloat16",
  "float8e4m3fn",
  "float8e4m3fnuz",
  "float8e5m2",
  "float8e5m2fnuz",
  "uint4",
  "int4",
  "float4e2m1",
  "float8e8m0",
  "uint2",
  "int2",
];

/**
 * The element type of a `TensorProto.DataType` code; throws a `RangeError` for 0 (`UNDEFINED`)
 * and for codes this loader does not know.
 *
 * @example Look a code up
 * ```ts
 * import { dataTypeFromCode } from "./data_type.ts";
 * console.log(dataTypeFromCode(1), dataTypeFromCode(7)); // "float" "int64"
 * ```
 */
export function dataTypeFromCode(code: number): OnnxDataType {
  const name = Number.isInteger(code) ? BY_CODE[code] : undefined;
  if (name === undefined) {
    throw new RangeError(
      `'dataType' must be a TensorProto.DataType code from 1 to ${BY_CODE.length - 1}: ` +
        `current value is ${code}`,
    );
  }
  return name;
}

/**
 * The `TensorProto.DataType` code of an element type.
 *
 * @example Code of float16
 * ```ts
 * import { dataTypeCode } from "./data_type.ts";
 * console.log(dataTypeCode("float16")); // 10
 * ```
 */
export function dataTypeCode(type: OnnxDataType): number {
  const code = BY_CODE.indexOf(type);
  if (code < 1) {
    throw new RangeError(`'type' must be an ONNX element type: current value is '${type}'`);
  }
  return code;
}

const BITS: Readonly<Record<Exclude<OnnxDataType, "string">, number>> = {
  float: 32,
  uint8: 8,
  int8: 8,
  uint16: 16,
  int16: 16,
  int32: 32,
  int64: 64,
  bool: 8,
  float16: 16,
  double: 64,
  uint32: 32,
  uint64: 64,
  complex64: 64,
  complex128: 128,
  bfloat16: 16,
  float8e4m3fn: 8,
  float8e4m3fnuz: 8,
  float8e5m2: 8,
  float8e5m2fnuz: 8,
  uint4: 4,
  int4: 4,
  float4e2m1: 4,
  float8e8m0: 8,
  uint2: 2,
  int2: 2,
};

/**
 * Bits one element occupies in `raw_data` (sub-byte types are packed, first element in the least
 * significant bits); `undefined` for `"string"`, which has no fixed width.
 *
 * @example Bit widths of packed and plain types
 * ```ts
 * import { dataTypeBits } from "./data_type.ts";
 * console.log(dataTypeBits("int4"), dataTypeBits("float"), dataTypeBits("string")); // 4 32 undefined
 * ```
 */
export function dataTypeBits(type: OnnxDataType): number | undefined {
  return type === "string" ? undefined : BITS[type];
}
