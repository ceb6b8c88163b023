/**
 * ONNX value types (`TypeProto`) and value infos (`ValueInfoProto`): element types and shapes of
 * graph inputs, outputs and intermediate values.
 *
 * @module
 */
import {
  entriesToRecord,
  int64ToSafeNumber,
  type RawDimension,
  type RawType,
  type RawValueInfo,
} from "./_raw.ts";
import { dataTypeFromCode, type OnnxDataType } from "./data_type.ts";

/** One dimension of a shape: a size, a symbolic name (`dim_param`), or `null` when unknown. */
export type OnnxDim = number | string | null;

/** A decoded `TypeProto`. A `shape` of `undefined` means the rank itself is unknown. */
export type OnnxType =
  | {
    readonly kind: "tensor" | "sparse_tensor";
    readonly elemType: OnnxDataType;
    readonly shape: readonly OnnxDim[] | undefined;
  }
  | { readonly kind: "sequence" | "optional"; readonly elemType: OnnxType }
  | { readonly kind: "map"; readonly keyType: OnnxDataType; readonly valueType: OnnxType }
  | { readonly kind: "opaque"; readonly domain: string; readonly name: string };

/** A decoded `ValueInfoProto`: a named value and, when recorded, its type. */
export interface OnnxValueInfo {
  /** Value name. */
  readonly name: string;
  /** Type and shape; `undefined` when the model does not record it. */
  readonly type: OnnxType | undefined;
  /** Documentation string (empty when absent). */
  readonly docString: string;
  /** `metadata_props` as a record. */
  readonly metadata: Readonly<Record<string, string>>;
}

function dimFromMessage(dim: RawDimension, i: number): OnnxDim {
  if (dim.value === "dim_value" && dim.dim_value !== undefined) {
    return int64ToSafeNumber(dim.dim_value, `shape[${i}]`);
  }
  if (dim.value === "dim_param" && dim.dim_param !== undefined) return dim.dim_param;
  return null;
}

function required(type: RawType | null | undefined, what: string): RawType {
  if (!type) throw new TypeError(`TypeProto: '${what}' is missing`);
  return type;
}

/**
 * Decodes a protobufjs `TypeProto` message object. Throws a `TypeError` when no variant is set.
 *
 * @example Decode a tensor type with a symbolic dim
 * ```ts
 * import { typeFromMessage } from "./value_type.ts";
 * import { onnxMessageType } from "./schema.ts";
 * const TypeProto = onnxMessageType("TypeProto");
 * const bytes = TypeProto.encode(TypeProto.fromObject({
 *   tensor_type: { elem_type: 1, shape: { dim: [{ dim_param: "N" }, { dim_value: 3 }] } },
 * })).finish();
 * // deno-lint-ignore no-explicit-any
 * console.log(typeFromMessage(TypeProto.decode(bytes) as any)); // { kind: "tensor", elemType: "float", shape: ["N", 3] }
 * ```
 */
export function typeFromMessage(raw: RawType): OnnxType {
  const tensor = raw.tensor_type ?? raw.sparse_tensor_type;
  if (tensor) {
    return {
      kind: raw.tensor_type ? "tensor" : "sparse_tensor",
      elemType: dataTypeFromCode(tensor.elem_type),
      shape: tensor.shape ? tensor.shape.dim.map(dimFromMessage) : undefined,
    };
  }
  if (raw.sequence_type) {
    return {
      kind: "sequence",
      elemType: typeFromMessage(required(raw.sequence_type.elem_type, "sequence elem_type")),
    };
  }
  if (raw.optional_type) {
    return {
      kind: "optional",
      elemType: typeFromMessage(required(raw.optional_type.elem_type, "optional elem_type")),
    };
  }
  if (raw.map_type) {
    return {
      kind: "map",
      keyType: dataTypeFromCode(raw.map_type.key_type),
      valueType: typeFromMessage(required(raw.map_type.value_type, "map value_type")),
    };
  }
  if (raw.opaque_type) {
    return { kind: "opaque", domain: raw.opaque_type.domain, name: raw.opaque_type.name };
  }
  throw new TypeError("TypeProto: none of tensor, sequence, map, optional, opaque is set");
}

/**
 * Decodes a protobufjs `ValueInfoProto` message object; a type with no variant set counts as no
 * type.
 *
 * @example Decode a value info without a type
 * ```ts
 * import { valueInfoFromMessage } from "./value_type.ts";
 * const info = valueInfoFromMessage({ name: "x", doc_string: "", metadata_props: [] });
 * console.log(info.name, info.type); // "x" undefined
 * ```
 */
export function valueInfoFromMessage(raw: RawValueInfo): OnnxValueInfo {
  return {
    name: raw.name,
    // A TypeProto with no variant set (some exporters write one for values of unknown type) says
    // no more than an absent one.
    type: raw.type && raw.type.value !== undefined ? typeFromMessage(raw.type) : undefined,
    docString: raw.doc_string,
    metadata: entriesToRecord(raw.metadata_props),
  };
}
