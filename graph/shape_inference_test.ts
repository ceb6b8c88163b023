import assert from "node:assert/strict";
import { conformanceDir, missingConformanceData } from "../conformance/data_dir.ts";
import { buildModel, buildNode, buildTensor, valueInfo } from "../onnx/build.ts";
import { readModelFile } from "../onnx/model.ts";
import { readTensorFile } from "../onnx/tensor.ts";
import type { OnnxTensor } from "../onnx/tensor.ts";
import { graphFromModel } from "./from_model.ts";
import { normalizeOpsets } from "./normalize.ts";
import { bindInputs, inferShapes } from "./shape_inference.ts";
import { checkInference } from "./testdata/infer_check.ts";
import { seededRandom } from "./testdata/ort.ts";
import { resnetBlockModel } from "./testdata/resnet_block.ts";
import { transformerLayerModel } from "./testdata/transformer_layer.ts";

const dir = conformanceDir();
const missing = missingConformanceData(dir);

function modelDirs(): URL[] {
  const out: URL[] = [];
  for (const group of ["onnx-node", "models"]) {
    const base = new URL(`${group}/`, dir);
    for (const entry of Deno.readDirSync(base)) {
      if (entry.isDirectory) out.push(new URL(`${entry.name}/`, base));
    }
  }
  return out.sort((a, b) => a.href.localeCompare(b.href));
}

Deno.test({
  name:
    "inferShapes() gives the dims and types of the reference outputs of every conformance model",
  ignore: missing !== undefined,
  async fn() {
    let outputs = 0;
    for (const folder of modelDirs()) {
      const graph = normalizeOpsets(
        graphFromModel(await readModelFile(new URL("model.onnx", folder))),
      );
      const inputShapes: Record<string, readonly number[]> = {};
      for (const [i, input] of graph.inputs.entries()) {
        inputShapes[input.name] =
          (await readTensorFile(new URL(`test_data_set_0/input_${i}.pb`, folder))).dims;
      }
      const result = inferShapes(graph, { inputShapes });
      for (const [i, output] of graph.outputs.entries()) {
        const expected = await readTensorFile(new URL(`test_data_set_0/output_${i}.pb`, folder));
        const inferred = result.types.get(output.name);
        assert.deepEqual(
          inferred && { dataType: inferred.dataType, dims: [...inferred.dims] },
          { dataType: expected.dataType, dims: expected.dims },
          `${folder.href} ${output.name}`,
        );
        outputs++;
      }
    }
    assert.ok(outputs >= 250, `${outputs} outputs`);
  },
});

Deno.test({
  name: "inferShapes() agrees with onnxruntime on every value of the conformance models",
  ignore: missing !== undefined,
  async fn() {
    let models = 0, compared = 0, hostCompared = 0;
    const failures: string[] = [];
    const unknown = new Map<string, number>();
    const skipped: string[] = [];
    for (const folder of modelDirs()) {
      const graph = normalizeOpsets(
        graphFromModel(await readModelFile(new URL("model.onnx", folder))),
      );
      const feeds: Record<string, OnnxTensor> = {};
      for (const [i, input] of graph.inputs.entries()) {
        feeds[input.name] = await readTensorFile(new URL(`test_data_set_0/input_${i}.pb`, folder));
      }
      let check;
      try {
        check = await checkInference(graph, feeds);
      } catch (e) {
        if (e instanceof RangeError) throw new Error(`${folder.href}: ${e.message}`);
        skipped.push(`${folder.href}: ${(e as Error).message.split("\n")[0]}`);
        continue;
      }
      models++;
      compared += check.compared;
      hostCompared += check.hostCompared;
      for (const m of check.mismatches) failures.push(`${folder.href}: ${m}`);
      for (const n of check.result.unknownNodes) {
        unknown.set(n.opType, (unknown.get(n.opType) ?? 0) + 1);
      }
    }
    console.log(
      `${models} models, ${compared} values, ${hostCompared} host values; skipped ${skipped.length}`,
    );
    for (const s of skipped) console.log(`  skipped ${s}`);
    assert.deepEqual(failures, []);
    assert.deepEqual([...unknown], []);
    assert.ok(models >= 140, `${models} models`);
  },
});

function randomTensor(name: string, dims: number[], seed: number): OnnxTensor {
  const r = seededRandom(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  return buildTensor(name, "float", dims, Float32Array.from({ length: n }, () => 2 * r() - 1));
}

Deno.test("inferShapes() agrees with onnxruntime on the ResNet block and the transformer layer", async () => {
  for (
    const [model, dims] of [
      [resnetBlockModel({ channels: 16, size: 8 }), [2, 16, 8, 8]],
      [transformerLayerModel(), [2, 128, 256]],
    ] as const
  ) {
    const graph = normalizeOpsets(graphFromModel(model));
    const check = await checkInference(graph, { x: randomTensor("x", [...dims], 1) });
    assert.deepEqual(check.mismatches, []);
    assert.deepEqual(check.result.unknownNodes, []);
    assert.equal(check.compared, graph.nodes.length);
  }
  // The transformer's head-split target comes from Shape -> Gather -> Concat on the host.
  const graph = normalizeOpsets(graphFromModel(transformerLayerModel()));
  const result = inferShapes(graph, { inputShapes: { x: [3, 128, 256] } });
  assert.deepEqual(Array.from(result.values.get("split.shape")!.data as Float64Array), [
    3,
    128,
    4,
    64,
  ]);
  assert.deepEqual(result.hostNodes.map((n) => n.opType), ["Shape", "Gather", "Concat"]);
  assert.deepEqual(result.symbols, { batch: 3 });
});

Deno.test("bindInputs() rejects missing, contradicting and unknown input shapes", () => {
  const inputs = [
    { name: "x", dataType: "float" as const, dims: ["N", 3] },
    { name: "y", dataType: "float" as const, dims: ["N", null] },
  ];
  assert.throws(() => bindInputs(inputs, {}), RangeError);
  assert.throws(() => bindInputs(inputs, { x: [2, 4], y: [2, 1] }), RangeError);
  assert.throws(() => bindInputs(inputs, { x: [2, 3], y: [5, 1] }), RangeError);
  assert.throws(() => bindInputs(inputs, { x: [2, 3], z: [1] }), RangeError);
  assert.throws(() => bindInputs(inputs, { x: [2, 3] }), /input 'y'/);
  const { types } = bindInputs(inputs, { y: [2, 7] }, {});
  assert.deepEqual(types.get("x")?.dims, [2, 3]);
  assert.deepEqual(bindInputs([inputs[0]!], {}, { N: 5 }).types.get("x")?.dims, [5, 3]);
});

Deno.test("inferShapes() leaves outputs of unknown ops and their consumers unknown, and goes on elsewhere", () => {
  const graph = graphFromModel(buildModel({
    nodes: [
      buildNode("Relu", ["x"], ["r"]),
      buildNode("Foo", ["r"], ["f"], {}, { domain: "com.example" }),
      buildNode("Add", ["f", "r"], ["y1"]),
      buildNode("Neg", ["r"], ["y2"]),
      buildNode("Shape", ["y2"], ["s"]),
    ],
    inputs: [valueInfo("x", "float", ["N", 3])],
    outputs: [valueInfo("y1", "float", undefined), valueInfo("y2", "float", undefined)],
    opsetImports: [{ domain: "com.example", version: 1 }],
  }));
  const result = inferShapes(graph, { inputShapes: { x: [2, 3] } });
  assert.deepEqual(result.unknownNodes.map((n) => n.opType), ["Foo", "Add"]);
  assert.equal(result.types.get("f"), undefined);
  assert.equal(result.types.get("y1"), undefined);
  assert.deepEqual(result.types.get("y2"), { dataType: "float", dims: [2, 3] });
  assert.deepEqual(Array.from(result.values.get("s")!.data as Float64Array), [2, 3]);
});

Deno.test("inferShapes() names the node whose inputs contradict its op", () => {
  const graph = graphFromModel(buildModel({
    nodes: [buildNode("MatMul", ["a", "b"], ["y"], {}, { name: "mm" })],
    inputs: [valueInfo("a", "float", [2, 3]), valueInfo("b", "float", [4, 5])],
    outputs: [valueInfo("y", "float", undefined)],
  }));
  assert.throws(() => inferShapes(graph), /node 'mm' \(MatMul\)/);
  const lenient = inferShapes(graph, { onError: "unknown" });
  assert.deepEqual(lenient.unknownNodes.map((n) => n.name), ["mm"]);
  assert.match(lenient.errors.get(lenient.unknownNodes[0]!)!, /inner dims differ/);
});

Deno.test("inferShapes() computes a Reshape target sliced to INT64_MAX from a Shape", () => {
  const graph = graphFromModel(buildModel({
    nodes: [
      buildNode("Shape", ["x"], ["s"]),
      buildNode("Slice", ["s", "one", "end"], ["tail"]),
      buildNode("Concat", ["minus_one", "tail"], ["target"], { axis: 0 }),
      buildNode("Reshape", ["x", "target"], ["y"]),
    ],
    inputs: [valueInfo("x", "float", ["B", 3, 4])],
    outputs: [valueInfo("y", "float", undefined)],
    initializers: [
      buildTensor("one", "int64", [1], [1]),
      buildTensor("end", "int64", [1], BigInt64Array.of(2n ** 63n - 1n)),
      buildTensor("minus_one", "int64", [1], [-1]),
    ],
  }));
  const result = inferShapes(graph, { inputShapes: { x: [5, 3, 4] } });
  assert.deepEqual(result.types.get("y")?.dims, [5, 3, 4]);
  assert.deepEqual(result.unknownNodes, []);
});
