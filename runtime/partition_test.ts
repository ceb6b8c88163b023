import assert from "node:assert/strict";
import type { OnnxGraph, OnnxNode } from "../onnx/graph.ts";
import { nodeInputs, partition } from "./partition.ts";

const node = (
  opType: string,
  inputs: string[],
  outputs: string[],
  attributes: OnnxNode["attributes"] = {},
): OnnxNode => ({
  name: "",
  opType,
  domain: "",
  overload: "",
  inputs,
  outputs,
  attributes,
  docString: "",
  metadata: {},
});
const graph = (nodes: OnnxNode[], inputs: string[] = []): OnnxGraph => ({
  name: "body",
  nodes,
  initializers: [],
  sparseInitializers: [],
  inputs: inputs.map((name) => ({ name, type: undefined, docString: "", metadata: {} })) as never,
  outputs: [],
  valueInfo: [],
  quantizationAnnotations: [],
  docString: "",
  metadata: {},
});

Deno.test("partition() groups consecutive CPU nodes and finds their boundary values", () => {
  const nodes = [
    node("Relu", ["x"], ["a"]),
    node("LSTM", ["a", "w", ""], ["b", "h"]),
    node("Tanh", ["b"], ["c"]),
    node("Add", ["c", "a"], ["d"]),
    node("If", ["cond"], ["e"]),
    node("Mul", ["e", "d"], ["y"]),
  ];
  const gpu = new Set([0, 3, 5]);
  const segments = partition(nodes, (i) => gpu.has(i), ["y", "h"]);
  assert.deepEqual(segments.map((s) => s.kind), ["webgpu", "cpu", "webgpu", "cpu", "webgpu"]);
  assert.deepEqual(segments[1], {
    kind: "cpu",
    nodes: [1, 2],
    inputs: ["a", "w"],
    outputs: ["h", "c"],
  });
  assert.deepEqual(segments[3], { kind: "cpu", nodes: [4], inputs: ["cond"], outputs: ["e"] });
});

Deno.test("nodeInputs() adds the outer-scope values an If node's branches read", () => {
  const thenBranch = graph([node("Add", ["x", "k"], ["t"]), node("Neg", ["t"], ["out"])]);
  const elseBranch = graph([node("Sub", ["loopvar", "z"], ["out"])], ["loopvar"]);
  const ifNode = node("If", ["cond"], ["r"], {
    then_branch: { name: "then_branch", docString: "", type: "graph", value: thenBranch },
    else_branch: { name: "else_branch", docString: "", type: "graph", value: elseBranch },
  });
  assert.deepEqual(nodeInputs(ifNode), ["cond", "x", "k", "z"]);
  const segments = partition([node("Relu", ["x0"], ["z"]), ifNode], (i) => i === 0, ["r"]);
  assert.deepEqual(segments[1], {
    kind: "cpu",
    nodes: [1],
    inputs: ["cond", "x", "k", "z"],
    outputs: ["r"],
  });
});

Deno.test("partition() of a model with no CPU nodes is one WebGPU segment per node", () => {
  const nodes = [node("Relu", ["x"], ["a"]), node("Relu", ["a"], ["y"])];
  assert.deepEqual(partition(nodes, () => true, ["y"]), [
    { kind: "webgpu", node: 0 },
    { kind: "webgpu", node: 1 },
  ]);
});
