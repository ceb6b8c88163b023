/**
 * The in-memory graph that passes rewrite: plain, mutable data. Nodes name their inputs and
 * outputs; weights are host tensors by name; graph inputs and outputs carry their element type and
 * (symbolic) dims; the operator sets the graph uses are kept so that the graph can be written back.
 *
 * @module
 */
import type { OnnxAttributes } from "../onnx/graph.ts";
import type { OnnxDataType } from "../onnx/data_type.ts";
import type { OnnxFunction, OnnxOpsetImport } from "../onnx/model.ts";
import type { OnnxTensor } from "../onnx/tensor.ts";
import type { OnnxDim } from "../onnx/value_type.ts";

/** One node. An empty input or output name marks an omitted optional one. */
export interface GraphNode {
  /** Node name (may be empty; unique names are not required). */
  name: string;
  /** Operator, for example `"Conv"`. */
  opType: string;
  /** Operator set domain; `""` is the default ONNX domain. */
  domain: string;
  /** Input value names in operator order. */
  inputs: string[];
  /** Output value names. */
  outputs: string[];
  /** Attributes by name (subgraphs of If/Loop/Scan stay ONNX graphs here). */
  attributes: OnnxAttributes;
}

/** A read-only view of a node: what functions that only read a node take (graph or ONNX nodes). */
export interface NodeView {
  /** Node name. */
  readonly name: string;
  /** Operator. */
  readonly opType: string;
  /** Operator set domain. */
  readonly domain: string;
  /** Input value names. */
  readonly inputs: readonly string[];
  /** Output value names. */
  readonly outputs: readonly string[];
  /** Attributes by name. */
  readonly attributes: OnnxAttributes;
}

/** A named tensor value with, where known, its element type and dims. */
export interface GraphValue {
  /** Value name. */
  name: string;
  /** Element type; `undefined` when unknown (or not a tensor). */
  dataType: OnnxDataType | undefined;
  /** Dims (numbers, symbolic names, `null` for unknown); `undefined` when the rank is unknown. */
  dims: OnnxDim[] | undefined;
}

/** A graph: nodes in topological order, weights, inputs, outputs and operator sets. */
export interface Graph {
  /** Graph name. */
  name: string;
  /** Nodes in topological order. */
  nodes: GraphNode[];
  /** Constant tensors by name (initializers, Constant nodes, sparse initializers densified). */
  initializers: Map<string, OnnxTensor>;
  /** Graph inputs fed at run time (initializers are not listed here). */
  inputs: GraphValue[];
  /** Graph outputs. */
  outputs: GraphValue[];
  /** Recorded types of intermediate values, by name. */
  valueInfo: Map<string, GraphValue>;
  /** Operator sets: the default domain (`""`) and any others. */
  opsetImports: OnnxOpsetImport[];
  /** Model-local functions, kept for writing the graph back. */
  functions: OnnxFunction[];
  /** IR version of the model the graph came from. */
  irVersion: number;
}

/**
 * The version of operator set `domain` the graph imports (`""` and `"ai.onnx"` are the same), or
 * `undefined`.
 *
 * @example
 * ```ts
 * import { graphOpset } from "./ir.ts";
 * console.log(graphOpset({ opsetImports: [{ domain: "", version: 17 }] })); // 17
 * ```
 */
export function graphOpset(graph: Pick<Graph, "opsetImports">, domain = ""): number | undefined {
  const norm = (d: string) => d === "ai.onnx" ? "" : d;
  return graph.opsetImports.find((o) => norm(o.domain) === norm(domain))?.version;
}

/**
 * Sets the version of operator set `domain`, adding the import when missing.
 *
 * @example
 * ```ts
 * import { setGraphOpset } from "./ir.ts";
 * const g = { opsetImports: [{ domain: "", version: 9 }] };
 * setGraphOpset(g, 21);
 * console.log(g.opsetImports); // [{ domain: "", version: 21 }]
 * ```
 */
export function setGraphOpset(
  graph: Pick<Graph, "opsetImports">,
  version: number,
  domain = "",
): void {
  const norm = (d: string) => d === "ai.onnx" ? "" : d;
  const i = graph.opsetImports.findIndex((o) => norm(o.domain) === norm(domain));
  if (i < 0) graph.opsetImports.push({ domain, version });
  else graph.opsetImports[i] = { domain: graph.opsetImports[i]!.domain, version };
}

/**
 * The node producing each value, by value name.
 *
 * @example
 * ```ts
 * import { producers } from "./ir.ts";
 * const node = { name: "", opType: "Relu", domain: "", inputs: ["x"], outputs: ["y"], attributes: {} };
 * console.log(producers({ nodes: [node] }).get("y")?.opType); // "Relu"
 * ```
 */
export function producers(graph: Pick<Graph, "nodes">): Map<string, GraphNode> {
  const out = new Map<string, GraphNode>();
  for (const node of graph.nodes) {
    for (const name of node.outputs) if (name) out.set(name, node);
  }
  return out;
}

/**
 * The nodes consuming each value, by value name (a node appears once per input slot it uses).
 *
 * @example
 * ```ts
 * import { consumers } from "./ir.ts";
 * const node = { name: "", opType: "Add", domain: "", inputs: ["x", "x"], outputs: ["y"], attributes: {} };
 * console.log(consumers({ nodes: [node] }).get("x")?.length); // 2
 * ```
 */
export function consumers(graph: Pick<Graph, "nodes">): Map<string, GraphNode[]> {
  const out = new Map<string, GraphNode[]>();
  for (const node of graph.nodes) {
    for (const name of node.inputs) {
      if (!name) continue;
      const list = out.get(name);
      if (list) list.push(node);
      else out.set(name, [node]);
    }
  }
  return out;
}

/**
 * A copy of the graph whose node list, nodes, inputs and outputs can be changed without touching
 * the original (tensors and attribute values are shared: treat them as immutable).
 *
 * @example
 * ```ts
 * import { cloneGraph, type Graph } from "./ir.ts";
 * const g: Graph = {
 *   name: "g", nodes: [], initializers: new Map(), inputs: [], outputs: [], valueInfo: new Map(),
 *   opsetImports: [{ domain: "", version: 21 }], functions: [], irVersion: 10,
 * };
 * const c = cloneGraph(g);
 * c.name = "h";
 * console.log(g.name); // "g"
 * ```
 */
export function cloneGraph(graph: Graph): Graph {
  const value = (v: GraphValue): GraphValue => ({ ...v, dims: v.dims && [...v.dims] });
  return {
    ...graph,
    nodes: graph.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs] })),
    initializers: new Map(graph.initializers),
    inputs: graph.inputs.map(value),
    outputs: graph.outputs.map(value),
    valueInfo: new Map([...graph.valueInfo].map(([k, v]) => [k, value(v)])),
    opsetImports: [...graph.opsetImports],
    functions: [...graph.functions],
  };
}

/**
 * A value name not yet used in the graph, built from `base` (for values a pass adds).
 *
 * @example
 * ```ts
 * import { uniqueName } from "./ir.ts";
 * const used = new Set(["x", "x_1"]);
 * console.log(uniqueName(used, "x")); // "x_2"
 * ```
 */
export function uniqueName(used: Set<string>, base: string): string {
  let name = base;
  for (let i = 1; used.has(name); i++) name = `${base}_${i}`;
  used.add(name);
  return name;
}

/**
 * Every value name the graph uses (inputs, outputs, initializers, node inputs and outputs).
 *
 * @example
 * ```ts
 * import { usedNames } from "./ir.ts";
 * const node = { name: "", opType: "Relu", domain: "", inputs: ["x"], outputs: ["y"], attributes: {} };
 * console.log([...usedNames({ nodes: [node], initializers: new Map(), inputs: [], outputs: [] })]); // ["x", "y"]
 * ```
 */
export function usedNames(
  graph: Pick<Graph, "nodes" | "initializers" | "inputs" | "outputs">,
): Set<string> {
  const out = new Set<string>();
  for (const v of graph.inputs) out.add(v.name);
  for (const v of graph.outputs) out.add(v.name);
  for (const name of graph.initializers.keys()) out.add(name);
  for (const n of graph.nodes) {
    for (const name of n.inputs) if (name) out.add(name);
    for (const name of n.outputs) if (name) out.add(name);
  }
  return out;
}

/**
 * The nodes in a topological order that keeps the given order where it already is one (a stable
 * Kahn sort: each step takes the earliest node whose inputs are ready). Values no node produces
 * (graph inputs, initializers, outer-scope names) count as ready. Throws a `RangeError` naming a
 * node on a cycle.
 *
 * @example A consumer listed before its producer
 * ```ts
 * import { topologicalOrder } from "./ir.ts";
 * const a = { name: "a", opType: "Neg", domain: "", inputs: ["t"], outputs: ["y"], attributes: {} };
 * const b = { name: "b", opType: "Relu", domain: "", inputs: ["x"], outputs: ["t"], attributes: {} };
 * console.log(topologicalOrder({ nodes: [a, b] }).map((n) => n.name)); // ["b", "a"]
 * ```
 */
export function topologicalOrder(graph: Pick<Graph, "nodes">): GraphNode[] {
  const producer = producers(graph);
  const index = new Map(graph.nodes.map((n, i) => [n, i]));
  const waiting = new Map<GraphNode, number>();
  const dependents = new Map<GraphNode, GraphNode[]>();
  for (const node of graph.nodes) {
    const deps = new Set<GraphNode>();
    for (const name of node.inputs) {
      const p = name ? producer.get(name) : undefined;
      if (p && p !== node) deps.add(p);
    }
    waiting.set(node, deps.size);
    for (const d of deps) {
      const list = dependents.get(d);
      if (list) list.push(node);
      else dependents.set(d, [node]);
    }
  }
  // Ready nodes by original position; a small sorted array keeps the order stable.
  const ready = graph.nodes.filter((n) => waiting.get(n) === 0);
  const out: GraphNode[] = [];
  while (ready.length > 0) {
    const node = ready.shift()!;
    out.push(node);
    for (const d of dependents.get(node) ?? []) {
      const left = waiting.get(d)! - 1;
      waiting.set(d, left);
      if (left === 0) {
        const at = ready.findIndex((r) => index.get(r)! > index.get(d)!);
        if (at < 0) ready.push(d);
        else ready.splice(at, 0, d);
      }
    }
  }
  if (out.length !== graph.nodes.length) {
    const stuck = graph.nodes.find((n) => waiting.get(n)! > 0)!;
    throw new RangeError(`the graph has a cycle through node '${stuck.name}' (${stuck.opType})`);
  }
  return out;
}
