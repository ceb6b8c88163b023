import assert from "node:assert/strict";
import { buildModel, buildNode, buildTensor, valueInfo } from "../onnx/build.ts";
import { graphFromModel } from "./from_model.ts";
import {
  cloneGraph,
  consumers,
  graphOpset,
  producers,
  setGraphOpset,
  topologicalOrder,
  uniqueName,
  usedNames,
} from "./ir.ts";

const graph = () =>
  graphFromModel(buildModel({
    nodes: [buildNode("Mul", ["x", "w"], ["m"]), buildNode("Add", ["m", "m"], ["y"])],
    inputs: [valueInfo("x", "float", [2])],
    outputs: [valueInfo("y", "float", [2])],
    initializers: [buildTensor("w", "float", [2], [1, 2])],
    opset: 13,
  }));

Deno.test("producers() and consumers() index the nodes by value", () => {
  const g = graph();
  assert.equal(producers(g).get("m")?.opType, "Mul");
  assert.equal(consumers(g).get("m")?.length, 2);
  assert.equal(consumers(g).get("w")?.[0]?.opType, "Mul");
});

Deno.test("cloneGraph() copies what passes change, leaving the original as it was", () => {
  const g = graph();
  const c = cloneGraph(g);
  c.nodes[0]!.inputs[0] = "z";
  c.nodes.pop();
  c.initializers.delete("w");
  c.inputs[0]!.dims![0] = 5;
  setGraphOpset(c, 21);
  assert.deepEqual(g.nodes[0]!.inputs, ["x", "w"]);
  assert.equal(g.nodes.length, 2);
  assert.ok(g.initializers.has("w"));
  assert.deepEqual(g.inputs[0]!.dims, [2]);
  assert.equal(graphOpset(g), 13);
  assert.equal(graphOpset(c), 21);
});

Deno.test("uniqueName() avoids every name the graph uses", () => {
  const used = usedNames(graph());
  assert.deepEqual([...used].sort(), ["m", "w", "x", "y"]);
  assert.equal(uniqueName(used, "m"), "m_1");
  assert.equal(uniqueName(used, "m"), "m_2");
  assert.equal(uniqueName(used, "q"), "q");
});

Deno.test("topologicalOrder() moves producers first, keeps a valid order, and rejects cycles", () => {
  const node = (name: string, inputs: string[], outputs: string[]) => ({
    name,
    opType: "Op",
    domain: "",
    inputs,
    outputs,
    attributes: {},
  });
  const a = node("a", ["x"], ["p"]), b = node("b", ["p", "q"], ["r"]), c = node("c", ["x"], ["q"]);
  const d = node("d", ["x"], ["s"]);
  assert.deepEqual(topologicalOrder({ nodes: [b, a, d, c] }).map((n) => n.name), [
    "a",
    "d",
    "c",
    "b",
  ]);
  assert.deepEqual(topologicalOrder({ nodes: [a, c, b, d] }).map((n) => n.name), [
    "a",
    "c",
    "b",
    "d",
  ]);
  const e = node("e", ["f_out"], ["e_out"]), f = node("f", ["e_out"], ["f_out"]);
  assert.throws(() => topologicalOrder({ nodes: [e, f] }), /cycle through node 'e'/);
});
