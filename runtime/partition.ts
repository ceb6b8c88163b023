/**
 * Splits a schedule between WebGPU and onnxruntime's CPU provider: every run of consecutive nodes
 * without a WebGPU kernel becomes one CPU segment, with the values it reads from outside (its
 * inputs) and the values that later nodes or the graph's outputs need from it (its outputs).
 * Values a node's subgraphs (If/Loop/Scan bodies) read from the enclosing scope count as inputs
 * of that node. Pure data in, data out.
 *
 * @module
 */
import type { OnnxNode } from "../onnx/graph.ts";
import { outerNames } from "../graph/subgraph.ts";

/** A segment of the schedule: one WebGPU node, or a run of CPU nodes. */
export type Segment =
  | { readonly kind: "webgpu"; readonly node: number }
  | {
    readonly kind: "cpu";
    /** Node indices, in order. */
    readonly nodes: readonly number[];
    /** Values read from outside the segment, in first-use order. */
    readonly inputs: readonly string[];
    /** Values produced inside and needed after it (by later nodes or as graph outputs). */
    readonly outputs: readonly string[];
  };

/**
 * Every value a node reads: its inputs, then what its subgraph attributes read from outside.
 *
 * @example
 * ```ts
 * import { nodeInputs } from "./partition.ts";
 * const node = { name: "", opType: "Relu", domain: "", overload: "", inputs: ["x"], outputs: ["y"],
 *   attributes: {}, docString: "", metadata: {} };
 * console.log(nodeInputs(node)); // ["x"]
 * ```
 */
export function nodeInputs(node: OnnxNode): string[] {
  const names = node.inputs.filter((n) => n !== "");
  for (const attr of Object.values(node.attributes)) {
    const graphs = attr.type === "graph" ? [attr.value] : attr.type === "graphs" ? attr.value : [];
    for (const g of graphs) {
      for (const name of outerNames(g)) if (!names.includes(name)) names.push(name);
    }
  }
  return names;
}

/**
 * Partitions `nodes` (in execution order): `onGpu(i)` says whether node `i` has a WebGPU kernel.
 * `graphOutputs` are the names the caller reads after the run.
 *
 * @example A CPU run between two WebGPU nodes
 * ```ts
 * import { partition } from "./partition.ts";
 * const n = (opType: string, inputs: string[], outputs: string[]) => ({ name: "", opType,
 *   domain: "", overload: "", inputs, outputs, attributes: {}, docString: "", metadata: {} });
 * const nodes = [n("Relu", ["x"], ["a"]), n("LSTM", ["a"], ["b"]), n("Erf", ["b"], ["c"]),
 *   n("Add", ["c", "a"], ["y"])];
 * const segments = partition(nodes, (i) => i === 0 || i === 3, ["y"]);
 * console.log(segments[1]); // { kind: "cpu", nodes: [1, 2], inputs: ["a"], outputs: ["c"] }
 * ```
 */
export function partition(
  nodes: readonly OnnxNode[],
  onGpu: (index: number) => boolean,
  graphOutputs: readonly string[],
): Segment[] {
  const reads = nodes.map(nodeInputs);
  const segments: Segment[] = [];
  let i = 0;
  while (i < nodes.length) {
    if (onGpu(i)) {
      segments.push({ kind: "webgpu", node: i });
      i++;
      continue;
    }
    const start = i;
    while (i < nodes.length && !onGpu(i)) i++;
    const members = Array.from({ length: i - start }, (_, k) => start + k);
    const produced = new Set<string>();
    const inputs: string[] = [];
    for (const m of members) {
      for (const name of reads[m]!) {
        if (!produced.has(name) && !inputs.includes(name)) inputs.push(name);
      }
      for (const out of nodes[m]!.outputs) if (out) produced.add(out);
    }
    const neededLater = new Set<string>(graphOutputs);
    for (let k = i; k < nodes.length; k++) for (const name of reads[k]!) neededLater.add(name);
    const outputs = members.flatMap((m) =>
      nodes[m]!.outputs.filter((o) => o && neededLater.has(o))
    );
    segments.push({ kind: "cpu", nodes: members, inputs, outputs });
  }
  return segments;
}
