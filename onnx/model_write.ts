/**
 * ONNX `ModelProto` encoding: the inverse of `decodeModel` for every part of the decoded model
 * (graphs and subgraphs, nodes, attributes of every type, value infos with symbolic dims, sparse
 * tensors, functions, training info, metadata). Tensor values are written inline as `raw_data`.
 *
 * @module
 */
import type { OnnxAttribute, OnnxAttributes, OnnxAttributeType } from "./graph.ts";
import { dataTypeCode } from "./data_type.ts";
import type { OnnxGraph, OnnxNode } from "./graph.ts";
import type { OnnxFunction, OnnxModel, OnnxOpsetImport, OnnxTrainingInfo } from "./model.ts";
import { onnxMessageType } from "./schema.ts";
import type { OnnxSparseTensor } from "./sparse_tensor.ts";
import { tensorToMessage } from "./tensor_write.ts";
import type { OnnxType, OnnxValueInfo } from "./value_type.ts";

type Message = Record<string, unknown>;

const utf8 = new TextEncoder();

const TYPE_CODES: Readonly<Record<OnnxAttributeType, number>> = {
  float: 1,
  int: 2,
  string: 3,
  tensor: 4,
  graph: 5,
  floats: 6,
  ints: 7,
  strings: 8,
  tensors: 9,
  graphs: 10,
  sparse_tensor: 11,
  sparse_tensors: 12,
  type_proto: 13,
  type_protos: 14,
};

function entries(record: Readonly<Record<string, string>>): Message[] {
  return Object.entries(record).map(([key, value]) => ({ key, value }));
}

function sparseToMessage(sparse: OnnxSparseTensor): Message {
  return {
    values: tensorToMessage(sparse.values),
    indices: tensorToMessage(sparse.indices),
    dims: [...sparse.dims],
  };
}

/**
 * A protobufjs-ready `TypeProto` object of a decoded type.
 *
 * @example A tensor type with a symbolic and an unknown dim
 * ```ts
 * import { typeToMessage } from "./model_write.ts";
 * console.log(JSON.stringify(typeToMessage({ kind: "tensor", elemType: "float", shape: ["N", null] })));
 * // {"tensor_type":{"elem_type":1,"shape":{"dim":[{"dim_param":"N"},{}]}}}
 * ```
 */
export function typeToMessage(type: OnnxType): Message {
  switch (type.kind) {
    case "tensor":
    case "sparse_tensor": {
      const body: Message = { elem_type: dataTypeCode(type.elemType) };
      if (type.shape) {
        body.shape = {
          dim: type.shape.map((d) =>
            typeof d === "number" ? { dim_value: d } : typeof d === "string" ? { dim_param: d } : {}
          ),
        };
      }
      return type.kind === "tensor" ? { tensor_type: body } : { sparse_tensor_type: body };
    }
    case "sequence":
      return { sequence_type: { elem_type: typeToMessage(type.elemType) } };
    case "optional":
      return { optional_type: { elem_type: typeToMessage(type.elemType) } };
    case "map":
      return {
        map_type: {
          key_type: dataTypeCode(type.keyType),
          value_type: typeToMessage(type.valueType),
        },
      };
    case "opaque":
      return { opaque_type: { domain: type.domain, name: type.name } };
  }
}

/**
 * A protobufjs-ready `ValueInfoProto` object.
 *
 * @example A value info without a type
 * ```ts
 * import { valueInfoToMessage } from "./model_write.ts";
 * console.log(valueInfoToMessage({ name: "x", type: undefined, docString: "", metadata: {} }).name); // "x"
 * ```
 */
export function valueInfoToMessage(info: OnnxValueInfo): Message {
  const message: Message = {
    name: info.name,
    doc_string: info.docString,
    metadata_props: entries(info.metadata),
  };
  if (info.type) message.type = typeToMessage(info.type);
  return message;
}

/**
 * A protobufjs-ready `AttributeProto` object (function-body references as `ref_attr_name`).
 *
 * @example An ints attribute
 * ```ts
 * import { attributeToMessage } from "./model_write.ts";
 * const m = attributeToMessage({ name: "pads", docString: "", type: "ints", value: [1, 1, 0, 0] });
 * console.log(m.type, m.ints); // 7 [1, 1, 0, 0]
 * ```
 */
export function attributeToMessage(attribute: OnnxAttribute): Message {
  const base: Message = { name: attribute.name, doc_string: attribute.docString };
  switch (attribute.type) {
    case "ref":
      if (attribute.refType === undefined) {
        throw new TypeError(`attribute '${attribute.name}': a reference needs its 'refType'`);
      }
      return { ...base, ref_attr_name: attribute.refAttrName, type: TYPE_CODES[attribute.refType] };
    case "float":
      return { ...base, type: 1, f: attribute.value };
    case "int":
      return { ...base, type: 2, i: attribute.value };
    case "string":
      return { ...base, type: 3, s: utf8.encode(attribute.value) };
    case "tensor":
      return { ...base, type: 4, t: tensorToMessage(attribute.value) };
    case "graph":
      return { ...base, type: 5, g: graphToMessage(attribute.value) };
    case "sparse_tensor":
      return { ...base, type: 11, sparse_tensor: sparseToMessage(attribute.value) };
    case "type_proto":
      return { ...base, type: 13, tp: typeToMessage(attribute.value) };
    case "floats":
      return { ...base, type: 6, floats: [...attribute.value] };
    case "ints":
      return { ...base, type: 7, ints: [...attribute.value] };
    case "strings":
      return { ...base, type: 8, strings: attribute.value.map((s) => utf8.encode(s)) };
    case "tensors":
      return { ...base, type: 9, tensors: attribute.value.map(tensorToMessage) };
    case "graphs":
      return { ...base, type: 10, graphs: attribute.value.map(graphToMessage) };
    case "sparse_tensors":
      return { ...base, type: 12, sparse_tensors: attribute.value.map(sparseToMessage) };
    case "type_protos":
      return { ...base, type: 14, type_protos: attribute.value.map(typeToMessage) };
  }
}

function attributesToMessages(attributes: OnnxAttributes): Message[] {
  return Object.values(attributes).map(attributeToMessage);
}

/**
 * A protobufjs-ready `NodeProto` object.
 *
 * @example A Relu node
 * ```ts
 * import { nodeToMessage } from "./model_write.ts";
 * const m = nodeToMessage({
 *   name: "r", opType: "Relu", domain: "", overload: "", inputs: ["x"], outputs: ["y"],
 *   attributes: {}, docString: "", metadata: {},
 * });
 * console.log(m.op_type, m.input); // "Relu" ["x"]
 * ```
 */
export function nodeToMessage(node: OnnxNode): Message {
  return {
    input: [...node.inputs],
    output: [...node.outputs],
    name: node.name,
    op_type: node.opType,
    domain: node.domain,
    overload: node.overload,
    attribute: attributesToMessages(node.attributes),
    doc_string: node.docString,
    metadata_props: entries(node.metadata),
  };
}

/**
 * A protobufjs-ready `GraphProto` object (subgraphs in attributes included).
 *
 * @example An empty graph
 * ```ts
 * import { graphToMessage } from "./model_write.ts";
 * const m = graphToMessage({
 *   name: "g", nodes: [], initializers: [], sparseInitializers: [], inputs: [], outputs: [],
 *   valueInfo: [], quantizationAnnotations: [], docString: "", metadata: {},
 * });
 * console.log(m.name); // "g"
 * ```
 */
export function graphToMessage(graph: OnnxGraph): Message {
  return {
    node: graph.nodes.map(nodeToMessage),
    name: graph.name,
    initializer: graph.initializers.map(tensorToMessage),
    sparse_initializer: graph.sparseInitializers.map(sparseToMessage),
    doc_string: graph.docString,
    input: graph.inputs.map(valueInfoToMessage),
    output: graph.outputs.map(valueInfoToMessage),
    value_info: graph.valueInfo.map(valueInfoToMessage),
    quantization_annotation: graph.quantizationAnnotations.map((a) => ({
      tensor_name: a.tensorName,
      quant_parameter_tensor_names: entries(a.quantParameterTensorNames),
    })),
    metadata_props: entries(graph.metadata),
  };
}

function opsetToMessage(opset: OnnxOpsetImport): Message {
  return { domain: opset.domain, version: opset.version };
}

function functionToMessage(fn: OnnxFunction): Message {
  return {
    name: fn.name,
    input: [...fn.inputs],
    output: [...fn.outputs],
    attribute: [...fn.attributeNames],
    attribute_proto: attributesToMessages(fn.attributeDefaults),
    node: fn.nodes.map(nodeToMessage),
    doc_string: fn.docString,
    opset_import: fn.opsetImports.map(opsetToMessage),
    domain: fn.domain,
    overload: fn.overload,
    value_info: fn.valueInfo.map(valueInfoToMessage),
    metadata_props: entries(fn.metadata),
  };
}

function trainingToMessage(info: OnnxTrainingInfo): Message {
  const message: Message = {
    initialization_binding: entries(info.initializationBinding),
    update_binding: entries(info.updateBinding),
  };
  if (info.initialization) message.initialization = graphToMessage(info.initialization);
  if (info.algorithm) message.algorithm = graphToMessage(info.algorithm);
  return message;
}

/**
 * A protobufjs-ready `ModelProto` object.
 *
 * @example The message's IR version
 * ```ts
 * import { modelToMessage } from "./model_write.ts";
 * import { buildModel } from "./build.ts";
 * console.log(modelToMessage(buildModel({ nodes: [], inputs: [], outputs: [] })).ir_version); // 10
 * ```
 */
export function modelToMessage(model: OnnxModel): Message {
  return {
    ir_version: model.irVersion,
    opset_import: model.opsetImports.map(opsetToMessage),
    producer_name: model.producerName,
    producer_version: model.producerVersion,
    domain: model.domain,
    model_version: model.modelVersion,
    doc_string: model.docString,
    graph: graphToMessage(model.graph),
    metadata_props: entries(model.metadata),
    training_info: model.trainingInfo.map(trainingToMessage),
    functions: model.functions.map(functionToMessage),
  };
}

/**
 * Encodes a model as a serialized `ModelProto`; `decodeModel(encodeModel(m))` deep-equals `m`.
 *
 * @example Build, encode and decode a one-node model
 * ```ts
 * import { encodeModel } from "./model_write.ts";
 * import { decodeModel } from "./model.ts";
 * import { buildModel, buildNode, valueInfo } from "./build.ts";
 * const model = buildModel({
 *   nodes: [buildNode("Relu", ["x"], ["y"])],
 *   inputs: [valueInfo("x", "float", ["N", 4])],
 *   outputs: [valueInfo("y", "float", ["N", 4])],
 * });
 * const again = decodeModel(encodeModel(model));
 * console.log(again.graph.nodes[0]?.opType, again.graph.inputs[0]?.type); // "Relu" { kind: "tensor", elemType: "float", shape: ["N", 4] }
 * ```
 */
export function encodeModel(model: OnnxModel): Uint8Array {
  const ModelProto = onnxMessageType("ModelProto");
  return ModelProto.encode(ModelProto.fromObject(modelToMessage(model))).finish();
}

/** Options of {@linkcode encodeModelWithExternalData}. */
export interface ExternalDataOptions {
  /** File name of the weights, relative to the model file (`location` in the model). */
  location: string;
  /** Smallest `raw_data` size in bytes that moves out of the model. @default {1024} */
  threshold?: number;
}

/**
 * Encodes a model with the `raw_data` of its large main-graph initializers moved into one external
 * data file (as `data_location: EXTERNAL` with `location`, `offset` and `length` entries, offsets
 * aligned to 64 bytes). Returns the model bytes and the data file's bytes; reading the model with
 * the data file beside it (`readModelFile`) gives back the same model.
 *
 * @example Split a model's weights out
 * ```ts
 * import { encodeModelWithExternalData } from "./model_write.ts";
 * import { buildModel, buildNode, buildTensor, valueInfo } from "./build.ts";
 * const model = buildModel({
 *   nodes: [buildNode("Add", ["x", "w"], ["y"])],
 *   inputs: [valueInfo("x", "float", [512])],
 *   outputs: [valueInfo("y", "float", [512])],
 *   initializers: [buildTensor("w", "float", [512], new Float32Array(512))],
 * });
 * const { data } = encodeModelWithExternalData(model, { location: "model.bin" });
 * console.log(data.byteLength); // 2048
 * ```
 */
export function encodeModelWithExternalData(
  model: OnnxModel,
  options: ExternalDataOptions,
): { model: Uint8Array; data: Uint8Array } {
  const { location, threshold = 1024 } = options;
  const message = modelToMessage(model);
  const initializers = (message.graph as { initializer: Message[] }).initializer;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const init of initializers) {
    const raw = init.raw_data as Uint8Array | undefined;
    if (!raw || raw.byteLength < threshold) continue;
    const padding = (64 - (offset % 64)) % 64;
    if (padding) chunks.push(new Uint8Array(padding));
    offset += padding;
    delete init.raw_data;
    init.data_location = 1;
    init.external_data = [
      { key: "location", value: location },
      { key: "offset", value: String(offset) },
      { key: "length", value: String(raw.byteLength) },
    ];
    chunks.push(raw);
    offset += raw.byteLength;
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.byteLength;
  }
  const ModelProto = onnxMessageType("ModelProto");
  return { model: ModelProto.encode(ModelProto.fromObject(message)).finish(), data };
}

/** Options of {@linkcode writeModelFile}. */
export interface WriteModelOptions {
  /**
   * Write large initializers to this file beside the model instead of inline (needed past
   * protobuf's 2 GiB limit). @default {undefined}
   */
  externalData?: string;
  /** Smallest initializer in bytes that goes to the external file. @default {1024} */
  threshold?: number;
}

/**
 * Writes a model as a `.onnx` file, optionally with its weights in an external data file beside
 * it.
 *
 * @example Write a model and its weights
 * ```ts
 * import { buildModel, buildNode, buildTensor, encodeModel, valueInfo } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * const model = buildModel({
 *   nodes: [buildNode("Gemm", ["a", "b"], ["y"], { alpha: 0.25 })],
 *   inputs: [valueInfo("a", "float", [4, 3]), valueInfo("b", "float", [3, 2])],
 *   outputs: [valueInfo("y", "float", [4, 2])],
 * });
 * import { readModelFile } from "./mod.ts";
 * import { writeModelFile } from "./model_write.ts";
 * await writeModelFile(`${dir}/model.onnx`, model, { externalData: "model.onnx.data" });
 * console.log((await readModelFile(`${dir}/model.onnx`)).graph.nodes.length); // 1
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeModelFile(
  path: string | URL,
  model: OnnxModel,
  options: WriteModelOptions = {},
): Promise<void> {
  const { externalData, threshold } = options;
  if (externalData === undefined) {
    await Deno.writeFile(path, encodeModel(model));
    return;
  }
  if (externalData.includes("/") || externalData.includes("\\") || externalData.startsWith(".")) {
    throw new RangeError(
      `'externalData' must be a plain file name beside the model: current value is '${externalData}'`,
    );
  }
  const encoded = encodeModelWithExternalData(model, {
    location: externalData,
    ...(threshold === undefined ? {} : { threshold }),
  });
  await Deno.writeFile(new URL(externalData, toUrl(path)), encoded.data);
  await Deno.writeFile(path, encoded.model);
}

function toUrl(path: string | URL): URL {
  if (path instanceof URL) return path;
  const absolute = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  return new URL(`file://${absolute.split("/").map(encodeURIComponent).join("/")}`);
}
