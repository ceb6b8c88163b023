/**
 * The fallback: runs a segment of nodes without WebGPU kernels on onnxruntime-node's CPU
 * execution provider. The segment is written as an ONNX model of its own (its nodes, the weights
 * they read, its boundary values as inputs and outputs), as onnxruntime itself partitions a graph
 * among execution providers; the session moves tensors between the GPU and the host at its edges.
 *
 * @module
 */
import * as ort from "onnxruntime-node";
import type { Graph, GraphNode } from "../graph/ir.ts";
import type { TensorType } from "../graph/shape_inference.ts";
import { extractSubgraph } from "../graph/subgraph.ts";
import { modelFromGraph } from "../graph/to_model.ts";
import { encodeModel } from "../onnx/model_write.ts";
import type { OnnxDataType } from "../onnx/data_type.ts";
import type { OnnxTensorData } from "../onnx/tensor.ts";
import type { HostTensor } from "./host_tensor.ts";

const ORT_TYPES: Partial<Record<OnnxDataType, string>> = {
  float: "float32",
  float16: "float16",
  double: "float64",
  int64: "int64",
  int32: "int32",
  int16: "int16",
  int8: "int8",
  uint64: "uint64",
  uint32: "uint32",
  uint16: "uint16",
  uint8: "uint8",
  bool: "bool",
  string: "string",
};
/** ONNX element type of each onnxruntime `Tensor.type`. */
export const FROM_ORT: Readonly<Record<string, OnnxDataType>> = Object.fromEntries(
  Object.entries(ORT_TYPES).map(([k, v]) => [v, k as OnnxDataType]),
);

function toOrt(tensor: HostTensor): ort.Tensor {
  const type = ORT_TYPES[tensor.dataType];
  if (!type) throw new RangeError(`onnxruntime has no tensor type for ${tensor.dataType}`);
  let data = tensor.data as unknown;
  if (tensor.dataType === "int64" && !(data instanceof BigInt64Array)) {
    data = BigInt64Array.from(data as ArrayLike<number>, (v) => BigInt(v));
  } else if (tensor.dataType === "uint64" && !(data instanceof BigUint64Array)) {
    data = BigUint64Array.from(data as ArrayLike<number>, (v) => BigInt(v));
  } else if (tensor.dataType === "float16" && data instanceof Float16Array) {
    data = new Uint16Array(data.buffer, data.byteOffset, data.length);
  }
  // deno-lint-ignore no-explicit-any
  const out = new ort.Tensor(type as any, data as any, [...tensor.dims]);
  if (tensor.dataType === "float16" && !(out.data instanceof Uint16Array)) {
    // onnxruntime-common wraps float16 bits in a Float16Array where the runtime has one, but the
    // native binding takes only a Uint16Array: hand it the bits as such.
    (out as unknown as { cpuData: Uint16Array }).cpuData = data as Uint16Array;
  }
  return out;
}

/**
 * The newest ONNX IR version onnxruntime-node 1.23 loads. A segment is written with at most this
 * version: its nodes and types come from the original model, which onnxruntime can run when it
 * knows them, whatever IR version the model declares.
 */
export const ORT_MAX_IR_VERSION = 11;

/** The newest default-domain opset onnxruntime-node 1.23 loads. */
export const ORT_MAX_OPSET = 23;

/**
 * Ops of the default domain that opsets 24 and 25 added or extended past what
 * {@linkcode ORT_MAX_OPSET} can state (op type → the input index where the extension starts).
 * The other changes of those opsets add element types (float8e8m0, int2, uint2), which
 * onnxruntime refuses when it meets them.
 */
const NEWER_THAN_ORT: Readonly<Record<string, number>> = {
  Attention: 6, // nonpad_kv_seqlen (opset 24)
  Swish: 0,
  TensorScatter: 0,
  BitCast: 0,
  CumProd: 0,
};

/**
 * Stamps a segment of a model of opset 24 or newer with {@linkcode ORT_MAX_OPSET} when none of
 * its nodes needs more: onnxruntime refuses the newer opsets outright, yet their other ops keep
 * the meaning they had at opset 23.
 */
function lowerOpset(graph: Graph): void {
  const i = graph.opsetImports.findIndex((o) => o.domain === "" || o.domain === "ai.onnx");
  const imported = graph.opsetImports[i];
  if (!imported || imported.version <= ORT_MAX_OPSET) return;
  const needsNewer = graph.nodes.some((n) => {
    if (n.domain !== "" && n.domain !== "ai.onnx") return false;
    const from = NEWER_THAN_ORT[n.opType];
    return from !== undefined && n.inputs.slice(from).some((x) => x !== "");
  });
  if (!needsNewer) graph.opsetImports[i] = { domain: imported.domain, version: ORT_MAX_OPSET };
}

function fromOrt(tensor: ort.Tensor): HostTensor {
  const dataType = FROM_ORT[tensor.type];
  if (!dataType) throw new RangeError(`onnxruntime returned an unsupported type ${tensor.type}`);
  let data = tensor.data as unknown as OnnxTensorData;
  if (dataType === "float16" && data instanceof Uint16Array) {
    data = new Float16Array(data.buffer, data.byteOffset, data.length);
  }
  return { dataType, dims: [...tensor.dims], data };
}

/** One segment compiled into an onnxruntime session. */
export interface CpuSegment {
  /** Values the segment reads (fed at run time). */
  readonly inputs: readonly string[];
  /** Values it produces for the rest of the run. */
  readonly outputs: readonly string[];
  /** Element types of its outputs, as onnxruntime resolved them (also those shape inference missed). */
  readonly outputTypes: ReadonlyMap<string, OnnxDataType>;
  /** Runs the segment on host tensors. */
  run(feeds: ReadonlyMap<string, HostTensor>): Promise<Map<string, HostTensor>>;
  /** Releases the onnxruntime session. */
  release(): Promise<void>;
}

/**
 * Compiles `nodes` of `graph` into an onnxruntime CPU session (the segment's model is cut out with
 * `extractSubgraph`: the weights it reads come along, every other value it reads is an input).
 * `types` gives the element type of those inputs (`elementTypes` those of earlier segments'
 * outputs that `types` lacks); `outputs` the values to return.
 *
 * @example
 * ```ts
 * import { graphFromModel } from "../graph/from_model.ts";
 * import { buildModel, buildNode, valueInfo } from "../onnx/build.ts";
 * import { createCpuSegment } from "./fallback.ts";
 * const graph = graphFromModel(buildModel({
 *   nodes: [buildNode("Det", ["x"], ["y"])],
 *   inputs: [valueInfo("x", "float", [2, 2])],
 *   outputs: [valueInfo("y", "float", [])],
 * }));
 * const types = new Map([["x", { dataType: "float" as const, dims: [2, 2] }]]);
 * const segment = await createCpuSegment(graph, graph.nodes, types, ["y"]);
 * const x = { dataType: "float" as const, dims: [2, 2], data: new Float32Array([3, 1, 4, 2]) };
 * const out = await segment.run(new Map([["x", x]]));
 * console.log(out.get("y")?.data); // Float32Array(1) [ 2 ]
 * await segment.release();
 * ```
 */
export async function createCpuSegment(
  graph: Graph,
  nodes: readonly GraphNode[],
  types: ReadonlyMap<string, TensorType>,
  outputs: readonly string[],
  elementTypes: ReadonlyMap<string, OnnxDataType> = new Map(),
): Promise<CpuSegment> {
  const sub = extractSubgraph(graph, nodes, { types, outputs, name: `${graph.name}_cpu` });
  for (const v of sub.inputs) {
    // A value of an earlier segment that shape inference could not type: onnxruntime typed it.
    const typed = v.dataType ? undefined : elementTypes.get(v.name);
    if (typed) {
      v.dataType = typed;
      v.dims = undefined;
    }
    if (!v.dataType) throw new RangeError(`fallback: the type of '${v.name}' is unknown`);
    // Dims are left symbolic: a segment's inputs may change shape between runs.
    v.dims = v.dims?.map((_, i) => `${v.name}_d${i}`);
  }
  for (const v of sub.outputs) v.dims = undefined;
  sub.irVersion = Math.min(sub.irVersion, ORT_MAX_IR_VERSION);
  lowerOpset(sub);
  const bytes = encodeModel(modelFromGraph(sub, { valueInfo: false }));
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    logSeverityLevel: 3, // errors only: its warnings about unused weights are not the user's
  });
  const fedNames = sub.inputs.map((v) => v.name);
  const outputTypes = new Map<string, OnnxDataType>();
  for (const m of session.outputMetadata) {
    const dataType = m.isTensor ? FROM_ORT[m.type] : undefined;
    if (dataType) outputTypes.set(m.name, dataType);
  }
  return {
    inputs: fedNames,
    outputs,
    outputTypes,
    async run(feeds) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const name of fedNames) {
        const t = feeds.get(name);
        if (!t) throw new RangeError(`fallback: no value for '${name}'`);
        ortFeeds[name] = toOrt(t);
      }
      const result = await session.run(ortFeeds);
      return new Map(outputs.map((name) => [name, fromOrt(result[name]!)]));
    },
    release: () => session.release(),
  };
}
