/**
 * Building the in-memory {@linkcode Graph} from a decoded ONNX model: weights from initializers,
 * sparse initializers (densified) and Constant nodes of every form; external data is read by the
 * model loader ({@linkcode loadGraph} reads it from files beside the model).
 *
 * @module
 */
import { getAttribute } from "../onnx/attribute.ts";
import { decodeModel, type OnnxModel, readModelFile } from "../onnx/model.ts";
import type { OnnxNode } from "../onnx/graph.ts";
import type { OnnxSparseTensor } from "../onnx/sparse_tensor.ts";
import { type DecodeTensorOptions, type OnnxTensor, tensorSize } from "../onnx/tensor.ts";
import type { OnnxValueInfo } from "../onnx/value_type.ts";
import type { Graph, GraphNode, GraphValue } from "./ir.ts";

/**
 * The dense tensor of a sparse one (COO indices, per-dimension `[NNZ, rank]` or linear `[NNZ]`).
 *
 * @example A one-value sparse vector
 * ```ts
 * import { densify } from "./from_model.ts";
 * import { buildTensor } from "../onnx/build.ts";
 * const dense = densify({
 *   values: buildTensor("s", "float", [1], [5]), indices: buildTensor("", "int64", [1], [2]), dims: [4],
 * });
 * console.log(dense.name, dense.data); // "s" Float32Array(4) [0, 0, 5, 0]
 * ```
 */
export function densify(sparse: OnnxSparseTensor): OnnxTensor {
  const { values, indices, dims } = sparse;
  const count = tensorSize(dims);
  const nnz = values.dims[0] ?? 0;
  const src = values.data;
  const idx = Array.from(indices.data as ArrayLike<number | bigint>, Number);
  const rank = dims.length;
  const perDim = indices.dims.length === 2;
  const position = (k: number) => {
    if (!perDim) return idx[k]!;
    let p = 0;
    for (let d = 0; d < rank; d++) p = p * dims[d]! + idx[k * rank + d]!;
    return p;
  };
  let data: OnnxTensor["data"];
  if (Array.isArray(src)) {
    const out = new Array<string>(count).fill("");
    for (let k = 0; k < nnz; k++) out[position(k)] = src[k]!;
    data = out;
  } else {
    const Ctor = src.constructor as new (n: number) => typeof src;
    const out = new Ctor(count);
    const zero = typeof (src as ArrayLike<unknown>)[0] === "bigint" ? 0n : 0;
    (out as { fill(v: unknown): void }).fill(zero);
    for (let k = 0; k < nnz; k++) (out as unknown as unknown[])[position(k)] = src[k];
    data = out;
  }
  return { ...values, dims: [...dims], data };
}

/**
 * int64 values given as numbers (as `ints` attributes decode) in the array type the tensor decoder
 * uses: a `Float64Array` when every value is a safe integer, else a `BigInt64Array` with values
 * beyond the int64 range clamped to it (attribute values near 2^63 are the INT64_MAX/INT64_MIN
 * sentinels that exporters write, rounded on decoding).
 *
 * @example INT64_MAX as decoded from an attribute
 * ```ts
 * import { int64Data } from "./from_model.ts";
 * console.log(int64Data([1, 2]), int64Data([2 ** 63])); // Float64Array(2) [1, 2] BigInt64Array(1) [9223372036854775807n]
 * ```
 */
export function int64Data(values: readonly number[]): Float64Array | BigInt64Array {
  if (values.every(Number.isSafeInteger)) return Float64Array.from(values);
  const max = 2n ** 63n - 1n, min = -(2n ** 63n);
  return BigInt64Array.from(values, (v) => {
    if (v >= 2 ** 63) return max;
    if (v <= -(2 ** 63)) return min;
    return BigInt(Math.trunc(v));
  });
}

/**
 * The value of a Constant node (attribute `value`, `sparse_value`, `value_float`, `value_floats`,
 * `value_int`, `value_ints`, `value_string` or `value_strings`) as a tensor named after its
 * output. Throws a `TypeError` when it has none of them.
 *
 * @example Constants from value_ints and value_float
 * ```ts
 * import { constantTensor } from "./from_model.ts";
 * import { buildNode, float } from "../onnx/build.ts";
 * console.log(constantTensor(buildNode("Constant", [], ["s"], { value_ints: [1, -1] })).data); // Float64Array(2) [1, -1]
 * console.log(constantTensor(buildNode("Constant", [], ["a"], { value_float: float(2) })).dims); // []
 * ```
 */
export function constantTensor(node: Pick<OnnxNode, "attributes" | "outputs">): OnnxTensor {
  const name = node.outputs[0] ?? "";
  const a = node.attributes;
  const make = (dataType: OnnxTensor["dataType"], dims: number[], data: OnnxTensor["data"]) => ({
    name,
    dataType,
    dims,
    data,
    docString: "",
  });
  const value = getAttribute(a, "value", "tensor");
  if (value) return { ...value, name };
  const sparse = getAttribute(a, "sparse_value", "sparse_tensor");
  if (sparse) return { ...densify(sparse), name };
  const f = getAttribute(a, "value_float", "float");
  if (f !== undefined) return make("float", [], Float32Array.of(f));
  const fs = getAttribute(a, "value_floats", "floats");
  if (fs) return make("float", [fs.length], Float32Array.from(fs));
  const i = getAttribute(a, "value_int", "int");
  if (i !== undefined) return make("int64", [], int64Data([i]));
  const is = getAttribute(a, "value_ints", "ints");
  if (is) return make("int64", [is.length], int64Data(is));
  const s = getAttribute(a, "value_string", "string");
  if (s !== undefined) return make("string", [], [s]);
  const ss = getAttribute(a, "value_strings", "strings");
  if (ss) return make("string", [ss.length], [...ss]);
  throw new TypeError(`Constant node '${name}': it has no value attribute`);
}

/**
 * A tensor value info as a {@linkcode GraphValue} (other kinds keep only their name).
 *
 * @example
 * ```ts
 * import { graphValue } from "./from_model.ts";
 * import { valueInfo } from "../onnx/build.ts";
 * console.log(graphValue(valueInfo("x", "float", ["N", 3]))); // { name: "x", dataType: "float", dims: ["N", 3] }
 * ```
 */
export function graphValue(info: OnnxValueInfo): GraphValue {
  const type = info.type;
  if (type && (type.kind === "tensor" || type.kind === "sparse_tensor")) {
    return { name: info.name, dataType: type.elemType, dims: type.shape && [...type.shape] };
  }
  return { name: info.name, dataType: undefined, dims: undefined };
}

/**
 * The graph of a decoded model. Initializers, densified sparse initializers and the values of
 * default-domain Constant nodes of the main graph become `initializers` (the Constant nodes are
 * dropped); initializers that older IR versions also list as graph inputs are not inputs.
 *
 * @example A model with a Constant node
 * ```ts
 * import { graphFromModel } from "./from_model.ts";
 * import { buildModel, buildNode, valueInfo } from "../onnx/build.ts";
 * const graph = graphFromModel(buildModel({
 *   nodes: [buildNode("Constant", [], ["two"], { value_ints: [2] }), buildNode("Mul", ["x", "two"], ["y"])],
 *   inputs: [valueInfo("x", "int64", [1])],
 *   outputs: [valueInfo("y", "int64", [1])],
 * }));
 * console.log(graph.nodes.map((n) => n.opType), [...graph.initializers.keys()]); // ["Mul"] ["two"]
 * ```
 */
export function graphFromModel(model: OnnxModel): Graph {
  const g = model.graph;
  const initializers = new Map<string, OnnxTensor>();
  for (const t of g.initializers) initializers.set(t.name, t);
  for (const s of g.sparseInitializers) initializers.set(s.values.name, densify(s));
  const nodes: GraphNode[] = [];
  for (const n of g.nodes) {
    if (n.opType === "Constant" && (n.domain === "" || n.domain === "ai.onnx")) {
      initializers.set(n.outputs[0] ?? "", constantTensor(n));
      continue;
    }
    nodes.push({
      name: n.name,
      opType: n.opType,
      domain: n.domain === "ai.onnx" ? "" : n.domain,
      inputs: [...n.inputs],
      outputs: [...n.outputs],
      attributes: n.attributes,
    });
  }
  const valueInfo = new Map<string, GraphValue>();
  for (const v of g.valueInfo) valueInfo.set(v.name, graphValue(v));
  return {
    name: g.name,
    nodes,
    initializers,
    inputs: g.inputs.filter((v) => !initializers.has(v.name)).map(graphValue),
    outputs: g.outputs.map(graphValue),
    valueInfo,
    opsetImports: [...model.opsetImports],
    functions: [...model.functions],
    irVersion: model.irVersion,
  };
}

/**
 * Loads a graph from model bytes or a `.onnx` file (external data read from files beside it, or
 * through `options.externalData` for bytes).
 *
 * @example Load a conformance model
 * ```ts
 * import { buildModel, buildNode, encodeModel, valueInfo } from "../onnx/mod.ts";
 * import { loadGraph } from "./from_model.ts";
 * const model = buildModel({
 *   nodes: [buildNode("Relu", ["x"], ["y"])],
 *   inputs: [valueInfo("x", "float", [1, 1, 28, 28])],
 *   outputs: [valueInfo("y", "float", [1, 1, 28, 28])],
 * });
 * const graph = await loadGraph(encodeModel(model));
 * console.log(graph.inputs[0]); // { name: "x", dataType: "float", dims: [1, 1, 28, 28] }
 * ```
 */
export async function loadGraph(
  source: Uint8Array | string | URL,
  options: DecodeTensorOptions = {},
): Promise<Graph> {
  const model = source instanceof Uint8Array
    ? decodeModel(source, options)
    : await readModelFile(source);
  return graphFromModel(model);
}
