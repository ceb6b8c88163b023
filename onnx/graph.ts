/**
 * ONNX graphs (`GraphProto`), nodes (`NodeProto`) and attributes (`AttributeProto`) as plain data.
 * The three are decoded in one module because they nest recursively: a node holds attributes, and
 * an attribute may hold graphs.
 *
 * @module
 */
import {
  entriesToRecord,
  int64ToNumber,
  type RawAttribute,
  type RawGraph,
  type RawNode,
  utf8Decode,
} from "./_raw.ts";
import { type OnnxSparseTensor, sparseTensorFromMessage } from "./sparse_tensor.ts";
import { type DecodeTensorOptions, type OnnxTensor, tensorFromMessage } from "./tensor.ts";
import {
  type OnnxType,
  type OnnxValueInfo,
  typeFromMessage,
  valueInfoFromMessage,
} from "./value_type.ts";

/** The value kinds of an attribute, as `AttributeProto.AttributeType` in lower case. */
export type OnnxAttributeType =
  | "float"
  | "int"
  | "string"
  | "tensor"
  | "graph"
  | "sparse_tensor"
  | "type_proto"
  | "floats"
  | "ints"
  | "strings"
  | "tensors"
  | "graphs"
  | "sparse_tensors"
  | "type_protos";

/** The type and value of an attribute. `int`/`ints` values beyond 2^53 are rounded to the nearest number. */
export type OnnxAttributeValue =
  | { readonly type: "float"; readonly value: number }
  | { readonly type: "int"; readonly value: number }
  | { readonly type: "string"; readonly value: string }
  | { readonly type: "tensor"; readonly value: OnnxTensor }
  | { readonly type: "graph"; readonly value: OnnxGraph }
  | { readonly type: "sparse_tensor"; readonly value: OnnxSparseTensor }
  | { readonly type: "type_proto"; readonly value: OnnxType }
  | { readonly type: "floats"; readonly value: readonly number[] }
  | { readonly type: "ints"; readonly value: readonly number[] }
  | { readonly type: "strings"; readonly value: readonly string[] }
  | { readonly type: "tensors"; readonly value: readonly OnnxTensor[] }
  | { readonly type: "graphs"; readonly value: readonly OnnxGraph[] }
  | { readonly type: "sparse_tensors"; readonly value: readonly OnnxSparseTensor[] }
  | { readonly type: "type_protos"; readonly value: readonly OnnxType[] }
  | {
    /** Inside a function body: a reference to the calling node's attribute `refAttrName`. */
    readonly type: "ref";
    readonly refAttrName: string;
    readonly refType: OnnxAttributeType | undefined;
  };

/** A decoded attribute: its name, documentation and typed value. */
export type OnnxAttribute =
  & { readonly name: string; readonly docString: string }
  & OnnxAttributeValue;

/** Attributes of a node by name. */
export type OnnxAttributes = Readonly<Record<string, OnnxAttribute>>;

const TYPE_NAMES: Readonly<Record<number, OnnxAttributeType>> = {
  1: "float",
  2: "int",
  3: "string",
  4: "tensor",
  5: "graph",
  11: "sparse_tensor",
  13: "type_proto",
  6: "floats",
  7: "ints",
  8: "strings",
  9: "tensors",
  10: "graphs",
  12: "sparse_tensors",
  14: "type_protos",
};

/** The attribute's type: the `type` field, or (IR version 1) the value field that is present. */
function attributeType(raw: RawAttribute): OnnxAttributeType {
  const declared = TYPE_NAMES[raw.type];
  if (declared) return declared;
  if (raw.type !== 0) {
    throw new RangeError(`attribute '${raw.name}': unknown AttributeType ${raw.type}`);
  }
  const has = (field: string) => Object.hasOwn(raw, field);
  if (has("f")) return "float";
  if (has("i")) return "int";
  if (has("s")) return "string";
  if (raw.t) return "tensor";
  if (raw.g) return "graph";
  if (raw.sparse_tensor) return "sparse_tensor";
  if (raw.tp) return "type_proto";
  if (raw.floats.length) return "floats";
  if (raw.ints.length) return "ints";
  if (raw.strings.length) return "strings";
  if (raw.tensors.length) return "tensors";
  if (raw.graphs.length) return "graphs";
  if (raw.sparse_tensors.length) return "sparse_tensors";
  if (raw.type_protos.length) return "type_protos";
  throw new TypeError(`attribute '${raw.name}': it has neither a type nor a value`);
}

function present<T>(value: T | null | undefined, name: string, field: string): T {
  if (value === null || value === undefined) {
    throw new TypeError(`attribute '${name}': its type needs field '${field}', which is missing`);
  }
  return value;
}

/**
 * Decodes a protobufjs `AttributeProto` message object.
 *
 * @example Decode an ints attribute
 * ```ts
 * import { attributeFromMessage } from "./graph.ts";
 * import { onnxMessageType } from "./schema.ts";
 * const AttributeProto = onnxMessageType("AttributeProto");
 * const bytes = AttributeProto.encode(AttributeProto.fromObject({ name: "pads", type: 7, ints: [1, 1, 0, 0] })).finish();
 * // deno-lint-ignore no-explicit-any
 * const pads = attributeFromMessage(AttributeProto.decode(bytes) as any);
 * console.log(pads.type === "ints" && pads.value); // [1, 1, 0, 0]
 * ```
 */
export function attributeFromMessage(
  raw: RawAttribute,
  options: DecodeTensorOptions = {},
): OnnxAttribute {
  const { name } = raw;
  const base = { name, docString: raw.doc_string };
  const type = attributeType(raw);
  if (raw.ref_attr_name) {
    return { ...base, type: "ref", refAttrName: raw.ref_attr_name, refType: type };
  }
  const tensor = (t: Parameters<typeof tensorFromMessage>[0]) => tensorFromMessage(t, options);
  const graph = (g: Parameters<typeof graphFromMessage>[0]) => graphFromMessage(g, options);
  const sparse = (s: Parameters<typeof sparseTensorFromMessage>[0]) =>
    sparseTensorFromMessage(s, options);
  switch (type) {
    case "float":
      return { ...base, type, value: raw.f };
    case "int":
      return { ...base, type, value: int64ToNumber(raw.i) };
    case "string":
      return { ...base, type, value: utf8Decode(raw.s) };
    case "tensor":
      return { ...base, type, value: tensor(present(raw.t, name, "t")) };
    case "graph":
      return { ...base, type, value: graph(present(raw.g, name, "g")) };
    case "sparse_tensor":
      return { ...base, type, value: sparse(present(raw.sparse_tensor, name, "sparse_tensor")) };
    case "type_proto":
      return { ...base, type, value: typeFromMessage(present(raw.tp, name, "tp")) };
    case "floats":
      return { ...base, type, value: [...raw.floats] };
    case "ints":
      return { ...base, type, value: raw.ints.map(int64ToNumber) };
    case "strings":
      return { ...base, type, value: raw.strings.map(utf8Decode) };
    case "tensors":
      return { ...base, type, value: raw.tensors.map(tensor) };
    case "graphs":
      return { ...base, type, value: raw.graphs.map(graph) };
    case "sparse_tensors":
      return { ...base, type, value: raw.sparse_tensors.map(sparse) };
    case "type_protos":
      return { ...base, type, value: raw.type_protos.map(typeFromMessage) };
  }
}

/**
 * Decodes a list of attributes into a record by name; throws a `TypeError` on a repeated name.
 *
 * @example Decode an empty attribute list
 * ```ts
 * import { attributesFromMessages } from "./graph.ts";
 * console.log(Object.keys(attributesFromMessages([]))); // []
 * ```
 */
export function attributesFromMessages(
  raws: readonly RawAttribute[],
  options: DecodeTensorOptions = {},
): OnnxAttributes {
  const out: Record<string, OnnxAttribute> = {};
  for (const raw of raws) {
    if (Object.hasOwn(out, raw.name)) {
      throw new TypeError(`attribute '${raw.name}' appears more than once`);
    }
    out[raw.name] = attributeFromMessage(raw, options);
  }
  return out;
}

/** A decoded node. An empty input name stands for an omitted optional input. */
export interface OnnxNode {
  /** Node name (may be empty). */
  readonly name: string;
  /** Operator, for example `"Conv"`. */
  readonly opType: string;
  /** Operator set domain; `""` is the default ONNX domain (`ai.onnx`). */
  readonly domain: string;
  /** Overload of a model-local function (empty when unused). */
  readonly overload: string;
  /** Input value names, in operator order; `""` marks an omitted optional input. */
  readonly inputs: readonly string[];
  /** Output value names; `""` marks an omitted optional output. */
  readonly outputs: readonly string[];
  /** Attributes by name. */
  readonly attributes: OnnxAttributes;
  /** Documentation string (empty when absent). */
  readonly docString: string;
  /** `metadata_props` as a record. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** Quantization parameters attached to a tensor (`TensorAnnotation`). */
export interface OnnxTensorAnnotation {
  /** The annotated tensor. */
  readonly tensorName: string;
  /** Parameter role (for example `"SCALE_TENSOR"`) to tensor name. */
  readonly quantParameterTensorNames: Readonly<Record<string, string>>;
}

/** A decoded graph. */
export interface OnnxGraph {
  /** Graph name. */
  readonly name: string;
  /** Nodes in topological order (as stored). */
  readonly nodes: readonly OnnxNode[];
  /** Constant tensors, in file order. */
  readonly initializers: readonly OnnxTensor[];
  /** Sparse constant tensors. */
  readonly sparseInitializers: readonly OnnxSparseTensor[];
  /** Graph inputs (older IR versions also list initializers here). */
  readonly inputs: readonly OnnxValueInfo[];
  /** Graph outputs. */
  readonly outputs: readonly OnnxValueInfo[];
  /** Types of intermediate values, where recorded. */
  readonly valueInfo: readonly OnnxValueInfo[];
  /** Quantization annotations. */
  readonly quantizationAnnotations: readonly OnnxTensorAnnotation[];
  /** Documentation string (empty when absent). */
  readonly docString: string;
  /** `metadata_props` as a record. */
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Decodes a protobufjs `NodeProto` message object.
 *
 * @example Decode a Gemm node
 * ```ts
 * import { nodeFromMessage } from "./graph.ts";
 * import { onnxMessageType } from "./schema.ts";
 * const NodeProto = onnxMessageType("NodeProto");
 * const bytes = NodeProto.encode(NodeProto.fromObject({
 *   op_type: "Gemm", input: ["a", "b", ""], output: ["y"],
 *   attribute: [{ name: "alpha", type: 1, f: 0.5 }],
 * })).finish();
 * // deno-lint-ignore no-explicit-any
 * const node = nodeFromMessage(NodeProto.decode(bytes) as any);
 * console.log(node.opType, node.inputs, node.attributes.alpha?.type); // "Gemm" ["a", "b", ""] "float"
 * ```
 */
export function nodeFromMessage(raw: RawNode, options: DecodeTensorOptions = {}): OnnxNode {
  return {
    name: raw.name,
    opType: raw.op_type,
    domain: raw.domain,
    overload: raw.overload,
    inputs: [...raw.input],
    outputs: [...raw.output],
    attributes: attributesFromMessages(raw.attribute, options),
    docString: raw.doc_string,
    metadata: entriesToRecord(raw.metadata_props),
  };
}

/**
 * Decodes a protobufjs `GraphProto` message object (subgraphs in attributes included).
 *
 * @example Decode a one-node graph
 * ```ts
 * import { graphFromMessage } from "./graph.ts";
 * import { onnxMessageType } from "./schema.ts";
 * const GraphProto = onnxMessageType("GraphProto");
 * const bytes = GraphProto.encode(GraphProto.fromObject({
 *   name: "g", node: [{ op_type: "Relu", input: ["x"], output: ["y"] }],
 * })).finish();
 * // deno-lint-ignore no-explicit-any
 * const graph = graphFromMessage(GraphProto.decode(bytes) as any);
 * console.log(graph.name, graph.nodes.map((n) => n.opType)); // "g" ["Relu"]
 * ```
 */
export function graphFromMessage(raw: RawGraph, options: DecodeTensorOptions = {}): OnnxGraph {
  return {
    name: raw.name,
    nodes: raw.node.map((n) => nodeFromMessage(n, options)),
    initializers: raw.initializer.map((t) => tensorFromMessage(t, options)),
    sparseInitializers: raw.sparse_initializer.map((s) => sparseTensorFromMessage(s, options)),
    inputs: raw.input.map(valueInfoFromMessage),
    outputs: raw.output.map(valueInfoFromMessage),
    valueInfo: raw.value_info.map(valueInfoFromMessage),
    quantizationAnnotations: raw.quantization_annotation.map((a) => ({
      tensorName: a.tensor_name,
      quantParameterTensorNames: entriesToRecord(a.quant_parameter_tensor_names),
    })),
    docString: raw.doc_string,
    metadata: entriesToRecord(raw.metadata_props),
  };
}
