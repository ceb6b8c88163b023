import assert from "node:assert/strict";
import { buildTensor } from "../onnx/build.ts";
import type { OnnxTensor } from "../onnx/tensor.ts";
import { graphFromModel } from "./from_model.ts";
import type { Graph } from "./ir.ts";
import { normalizeOpsets } from "./normalize.ts";
import { inferShapes } from "./shape_inference.ts";
import { extractSubgraph } from "./subgraph.ts";
import { modelFromGraph } from "./to_model.ts";
import { lstmIfModel } from "./testdata/lstm_if.ts";
import { assertClose, type OrtResult, runOrt, seededRandom } from "./testdata/ort.ts";
import { transformerLayerModel } from "./testdata/transformer_layer.ts";

/** Every node output of `graph` computed by onnxruntime. */
async function allValues(graph: Graph, feeds: Record<string, OnnxTensor>) {
  const names = graph.nodes.flatMap((n) => n.outputs.filter((o) => o));
  const exposed = {
    ...graph,
    outputs: names.map((name) => ({ name, dataType: undefined, dims: undefined })),
  };
  return await runOrt(modelFromGraph(exposed), feeds);
}

function asTensor(name: string, r: OrtResult): OnnxTensor {
  return buildTensor(name, r.dataType === "bool" ? "bool" : "float", r.dims, r.data);
}

function randomX(dims: number[], seed: number): OnnxTensor {
  const r = seededRandom(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  return buildTensor("x", "float", dims, Float32Array.from({ length: n }, () => 2 * r() - 1));
}

Deno.test("extractSubgraph() cuts the attention core out of the transformer layer, as onnxruntime agrees", async () => {
  const graph = normalizeOpsets(
    graphFromModel(transformerLayerModel({ sequence: 16, hidden: 32, heads: 2 })),
  );
  const feeds = { x: randomX([2, 16, 32], 1) };
  const full = await allValues(graph, feeds);
  const core = new Set(["scores.raw", "scores", "probs", "context.heads"]);
  const { types } = inferShapes(graph, { inputShapes: { x: [2, 16, 32] } });
  const sub = extractSubgraph(graph, graph.nodes.filter((n) => core.has(n.name)), { types });
  assert.deepEqual(sub.inputs.map((v) => v.name), ["q.heads", "k.headsT", "v.heads"]);
  assert.deepEqual([...sub.initializers.keys()], ["sqrt_d"]);
  assert.deepEqual(sub.outputs.map((v) => [v.name, v.dims]), [["context.heads", [2, 2, 16, 16]]]);
  const subFeeds: Record<string, OnnxTensor> = {};
  for (const v of sub.inputs) subFeeds[v.name] = asTensor(v.name, full[v.name]!);
  const out = await runOrt(modelFromGraph(sub), subFeeds);
  assertClose(out["context.heads"]!.data, full["context.heads"]!.data, "context.heads", 1e-6, 1e-5);
});

Deno.test("extractSubgraph() takes the outer-scope values an If branch reads as inputs", async () => {
  const graph = normalizeOpsets(graphFromModel(lstmIfModel()));
  const feeds = { x: randomX([5, 2, 3], 2) };
  const full = await allValues(graph, feeds);
  const ifNode = graph.nodes.find((n) => n.opType === "If")!;
  const { types } = inferShapes(graph, { inputShapes: { x: [5, 2, 3] } });
  const sub = extractSubgraph(graph, [ifNode], { types });
  assert.deepEqual(sub.inputs.map((v) => v.name), ["positive", "h"]);
  assert.deepEqual(sub.outputs.map((v) => v.name), ["branch_out"]);
  const subFeeds = { positive: asTensor("positive", full.positive!), h: asTensor("h", full.h!) };
  const out = await runOrt(modelFromGraph(sub), subFeeds);
  assert.deepEqual(out.branch_out!.data, full.branch_out!.data);
  // Shape inference knows the LSTM's outputs; the If is left to the fallback.
  const result = inferShapes(graph, { inputShapes: { x: [5, 2, 3] } });
  assert.deepEqual(result.types.get("h")?.dims, [1, 2, 4]);
  assert.deepEqual(result.unknownNodes.map((n) => n.opType), ["If", "Add"]);
});

Deno.test("extractSubgraph() rejects an output the nodes do not produce", () => {
  const graph = graphFromModel(lstmIfModel());
  assert.throws(() => extractSubgraph(graph, [graph.nodes[0]!], { outputs: ["y"] }), RangeError);
});
