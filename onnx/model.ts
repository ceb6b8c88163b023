/**
 * ONNX models (`ModelProto`): loading from bytes or files into plain data.
 *
 * @module
 */
import {
  entriesToRecord,
  int64ToSafeNumber,
  type RawFunction,
  type RawModel,
  type RawOpset,
} from "./_raw.ts";
import { attributesFromMessages, type OnnxAttributes } from "./graph.ts";
import { graphFromMessage, nodeFromMessage, type OnnxGraph, type OnnxNode } from "./graph.ts";
import { onnxMessageType } from "./schema.ts";
import { type DecodeTensorOptions, externalReaderBeside } from "./tensor.ts";
import { type OnnxValueInfo, valueInfoFromMessage } from "./value_type.ts";

/** An imported operator set. */
export interface OnnxOpsetImport {
  /** Domain; `""` is the default ONNX domain (`ai.onnx`). */
  readonly domain: string;
  /** Operator set version. */
  readonly version: number;
}

/** A model-local function (`FunctionProto`), identified by domain, name and overload. */
export interface OnnxFunction {
  /** Function (operator) name. */
  readonly name: string;
  /** Domain of the function. */
  readonly domain: string;
  /** Overload (empty when unused). */
  readonly overload: string;
  /** Formal input names. */
  readonly inputs: readonly string[];
  /** Formal output names. */
  readonly outputs: readonly string[];
  /** Names of attributes without a default value. */
  readonly attributeNames: readonly string[];
  /** Attributes with their default values. */
  readonly attributeDefaults: OnnxAttributes;
  /** Body nodes. */
  readonly nodes: readonly OnnxNode[];
  /** Operator sets the body uses. */
  readonly opsetImports: readonly OnnxOpsetImport[];
  /** Types of values in the body, where recorded. */
  readonly valueInfo: readonly OnnxValueInfo[];
  /** Documentation string (empty when absent). */
  readonly docString: string;
  /** `metadata_props` as a record. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** Training information (`TrainingInfoProto`). */
export interface OnnxTrainingInfo {
  /** Graph computing initial values, if any. */
  readonly initialization: OnnxGraph | undefined;
  /** Graph of one training step, if any. */
  readonly algorithm: OnnxGraph | undefined;
  /** Initializer name to `initialization` output name. */
  readonly initializationBinding: Readonly<Record<string, string>>;
  /** Initializer name to `algorithm` output name. */
  readonly updateBinding: Readonly<Record<string, string>>;
}

/** A decoded model. */
export interface OnnxModel {
  /** IR version of the file format. */
  readonly irVersion: number;
  /** Operator sets the graph uses. */
  readonly opsetImports: readonly OnnxOpsetImport[];
  /** Producing tool. */
  readonly producerName: string;
  /** Version of the producing tool. */
  readonly producerVersion: string;
  /** Model domain (reverse DNS). */
  readonly domain: string;
  /** Version of the model itself. */
  readonly modelVersion: number;
  /** Documentation string (empty when absent). */
  readonly docString: string;
  /** The main graph. */
  readonly graph: OnnxGraph;
  /** `metadata_props` as a record. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Model-local functions. */
  readonly functions: readonly OnnxFunction[];
  /** Training information (usually empty). */
  readonly trainingInfo: readonly OnnxTrainingInfo[];
}

function opsetFromMessage(raw: RawOpset): OnnxOpsetImport {
  return { domain: raw.domain, version: int64ToSafeNumber(raw.version, "opset version") };
}

function functionFromMessage(raw: RawFunction, options: DecodeTensorOptions): OnnxFunction {
  return {
    name: raw.name,
    domain: raw.domain,
    overload: raw.overload,
    inputs: [...raw.input],
    outputs: [...raw.output],
    attributeNames: [...raw.attribute],
    attributeDefaults: attributesFromMessages(raw.attribute_proto, options),
    nodes: raw.node.map((n) => nodeFromMessage(n, options)),
    opsetImports: raw.opset_import.map(opsetFromMessage),
    valueInfo: raw.value_info.map(valueInfoFromMessage),
    docString: raw.doc_string,
    metadata: entriesToRecord(raw.metadata_props),
  };
}

/**
 * Decodes a serialized `ModelProto`. Throws a `TypeError` when the model has no graph, and the
 * protobuf library's `Error` when the bytes are not a valid message.
 *
 * @example Decode a model built with the schema
 * ```ts
 * import { decodeModel } from "./model.ts";
 * import { onnxMessageType } from "./schema.ts";
 * const ModelProto = onnxMessageType("ModelProto");
 * const bytes = ModelProto.encode(ModelProto.fromObject({
 *   ir_version: 9,
 *   opset_import: [{ domain: "", version: 21 }],
 *   graph: { name: "g", node: [{ op_type: "Relu", input: ["x"], output: ["y"] }] },
 * })).finish();
 * const model = decodeModel(bytes);
 * console.log(model.irVersion, model.opsetImports, model.graph.nodes[0]?.opType);
 * // 9 [{ domain: "", version: 21 }] "Relu"
 * ```
 */
export function decodeModel(bytes: Uint8Array, options: DecodeTensorOptions = {}): OnnxModel {
  const raw = onnxMessageType("ModelProto").decode(bytes) as unknown as RawModel;
  if (!raw.graph) throw new TypeError("ModelProto: 'graph' is missing");
  return {
    irVersion: int64ToSafeNumber(raw.ir_version, "ir_version"),
    opsetImports: raw.opset_import.map(opsetFromMessage),
    producerName: raw.producer_name,
    producerVersion: raw.producer_version,
    domain: raw.domain,
    modelVersion: int64ToSafeNumber(raw.model_version, "model_version"),
    docString: raw.doc_string,
    graph: graphFromMessage(raw.graph, options),
    metadata: entriesToRecord(raw.metadata_props),
    functions: raw.functions.map((f) => functionFromMessage(f, options)),
    trainingInfo: raw.training_info.map((t) => ({
      initialization: t.initialization ? graphFromMessage(t.initialization, options) : undefined,
      algorithm: t.algorithm ? graphFromMessage(t.algorithm, options) : undefined,
      initializationBinding: entriesToRecord(t.initialization_binding),
      updateBinding: entriesToRecord(t.update_binding),
    })),
  };
}

/**
 * Reads and decodes a `.onnx` file; tensors stored as external data are read from files beside it.
 *
 * @example Read a backend-test model
 * ```ts
 * import { buildModel, buildNode, buildTensor, encodeModel, valueInfo } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * const model = buildModel({
 *   nodes: [buildNode("Gemm", ["a", "b"], ["y"], { alpha: 0.25 })],
 *   inputs: [valueInfo("a", "float", [4, 3]), valueInfo("b", "float", [3, 2])],
 *   outputs: [valueInfo("y", "float", [4, 2])],
 * });
 * await Deno.writeFile(`${dir}/model.onnx`, encodeModel(model));
 * import { readModelFile } from "./model.ts";
 * const read = await readModelFile(`${dir}/model.onnx`);
 * console.log(read.graph.nodes[0]?.opType); // "Gemm"
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readModelFile(path: string | URL): Promise<OnnxModel> {
  const bytes = await Deno.readFile(path);
  return decodeModel(bytes, { externalData: externalReaderBeside(path) });
}

/**
 * The version of operator set `domain` the model imports (`""` and `"ai.onnx"` are the same
 * domain), or `undefined` when it does not import it.
 *
 * @example Look up the default and a contrib opset
 * ```ts
 * import { opsetVersion } from "./model.ts";
 * const model = { opsetImports: [{ domain: "ai.onnx", version: 23 }, { domain: "com.microsoft", version: 1 }] };
 * console.log(opsetVersion(model), opsetVersion(model, "com.microsoft")); // 23 1
 * ```
 */
export function opsetVersion(
  model: Pick<OnnxModel, "opsetImports">,
  domain = "",
): number | undefined {
  const norm = (d: string) => d === "ai.onnx" ? "" : d;
  return model.opsetImports.find((o) => norm(o.domain) === norm(domain))?.version;
}
