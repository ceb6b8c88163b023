/**
 * ONNX graphs (`GraphProto`) and nodes (`NodeProto`) as plain data.
 *
 * @module
 */
import { entriesToRecord, type RawGraph, type RawNode } from "./_raw.ts";
import { attributesFromMessages, type OnnxAttributes } from "./attribute.ts";
import { type OnnxSparseTensor, sparseTensorFromMessage } from "./sparse_tensor.ts";
import { type DecodeTensorOptions, type OnnxTensor, tensorFromMessage } from "./tensor.ts";
import { type OnnxValueInfo, valueInfoFromMessage } from "./value_type.ts";

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
