/**
 * Cutting a run of nodes out of a graph as a graph of its own (for example the runs of nodes a
 * runtime hands to onnxruntime's CPU provider): its inputs are the values the nodes read but do not
 * produce (outer-scope names read inside If/Loop/Scan bodies included), the initializers they read
 * come along, and its outputs are the values the rest of the graph still needs.
 *
 * @module
 */
import type { OnnxGraph } from "../onnx/graph.ts";
import type { OnnxTensor } from "../onnx/tensor.ts";
import type { Graph, GraphNode, GraphValue, NodeView } from "./ir.ts";
import type { TensorType } from "./shape_inference.ts";

/** Options of {@linkcode extractSubgraph}. */
export interface ExtractSubgraphOptions {
  /**
   * Known types of values (from `inferShapes`), written into the inputs and outputs; onnxruntime
   * needs the type of every graph input.
   * @default {undefined}
   */
  types?: ReadonlyMap<string, TensorType>;
  /**
   * Output names; by default every value the nodes produce that a node outside them reads or
   * that is a graph output.
   * @default {undefined}
   */
  outputs?: readonly string[];
  /** Name of the new graph. @default {"subgraph"} */
  name?: string;
}

/**
 * Names a body graph reads from the enclosing scopes: read by its nodes (recursively) but not
 * produced, not inputs and not initializers of the body.
 *
 * @example
 * ```ts
 * import { outerNames } from "./subgraph.ts";
 * import { buildGraph, buildNode, valueInfo } from "../onnx/build.ts";
 * const body = buildGraph({ nodes: [buildNode("Add", ["a", "outer"], ["y"])], inputs: [valueInfo("a", "float", [1])], outputs: [] });
 * console.log([...outerNames(body)]); // ["outer"]
 * ```
 */
export function outerNames(graph: OnnxGraph): Set<string> {
  const defined = new Set<string>([
    ...graph.inputs.map((v) => v.name),
    ...graph.initializers.map((t) => t.name),
    ...graph.sparseInitializers.map((s) => s.values.name),
  ]);
  const out = new Set<string>();
  for (const node of graph.nodes) {
    for (const name of nodeReads(node)) if (!defined.has(name)) out.add(name);
    for (const name of node.outputs) if (name) defined.add(name);
  }
  return out;
}

/** Every value a node reads: its inputs and the outer-scope names of its body graphs. */
function nodeReads(node: Pick<NodeView, "inputs" | "attributes">): string[] {
  const out = node.inputs.filter((n) => n);
  for (const a of Object.values(node.attributes)) {
    if (a.type === "graph") out.push(...outerNames(a.value));
    if (a.type === "graphs") { for (const g of a.value) out.push(...outerNames(g)); }
  }
  return out;
}

/**
 * The graph of `nodes` (a subset of `graph.nodes`, kept in graph order). Throws a `RangeError`
 * when a requested output is not produced by the nodes.
 *
 * @example Cut the middle node out of a chain
 * ```ts
 * import { extractSubgraph } from "./subgraph.ts";
 * import { graphFromModel } from "./from_model.ts";
 * import { buildModel, buildNode, valueInfo } from "../onnx/build.ts";
 * const graph = graphFromModel(buildModel({
 *   nodes: [buildNode("Relu", ["x"], ["a"]), buildNode("Neg", ["a"], ["b"]), buildNode("Exp", ["b"], ["y"])],
 *   inputs: [valueInfo("x", "float", [2])],
 *   outputs: [valueInfo("y", "float", [2])],
 * }));
 * const sub = extractSubgraph(graph, [graph.nodes[1]!]);
 * console.log(sub.inputs.map((v) => v.name), sub.outputs.map((v) => v.name)); // ["a"] ["b"]
 * ```
 */
export function extractSubgraph(
  graph: Graph,
  nodes: readonly GraphNode[],
  options: ExtractSubgraphOptions = {},
): Graph {
  const { types, name = "subgraph" } = options;
  const chosen = new Set(nodes);
  const ordered = graph.nodes.filter((n) => chosen.has(n));
  const produced = new Set<string>();
  const inputs: string[] = [];
  const seen = new Set<string>();
  const initializers = new Map<string, OnnxTensor>();
  for (const node of ordered) {
    for (const v of nodeReads(node)) {
      if (produced.has(v) || seen.has(v)) continue;
      seen.add(v);
      const init = graph.initializers.get(v);
      if (init) initializers.set(v, init);
      else inputs.push(v);
    }
    for (const o of node.outputs) if (o) produced.add(o);
  }
  let outputs: string[];
  if (options.outputs) {
    outputs = [...options.outputs];
    for (const o of outputs) {
      if (!produced.has(o)) {
        throw new RangeError(`'outputs' names '${o}', which the nodes do not produce`);
      }
    }
  } else {
    const needed = new Set<string>(graph.outputs.map((v) => v.name));
    for (const node of graph.nodes) {
      if (!chosen.has(node)) { for (const v of nodeReads(node)) needed.add(v); }
    }
    outputs = [...produced].filter((v) => needed.has(v));
  }
  const declared = new Map<string, GraphValue>();
  for (const v of [...graph.inputs, ...graph.outputs, ...graph.valueInfo.values()]) {
    declared.set(v.name, v);
  }
  const value = (n: string): GraphValue => {
    const t = types?.get(n);
    if (t) return { name: n, dataType: t.dataType, dims: [...t.dims] };
    const d = declared.get(n);
    return d
      ? { ...d, dims: d.dims && [...d.dims] }
      : { name: n, dataType: undefined, dims: undefined };
  };
  return {
    name,
    nodes: ordered.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs] })),
    initializers,
    inputs: inputs.map(value),
    outputs: outputs.map(value),
    valueInfo: new Map(),
    opsetImports: [...graph.opsetImports],
    functions: [...graph.functions],
    irVersion: graph.irVersion,
  };
}
