import assert from "node:assert/strict";
import { conformanceDir, missingConformanceData } from "../conformance/data_dir.ts";
import { buildModel, buildNode, buildTensor, float, floats, valueInfo } from "../onnx/build.ts";
import { readModelFile } from "../onnx/model.ts";
import { modelToMessage, writeModelFile } from "../onnx/model_write.ts";
import { onnxMessageType } from "../onnx/schema.ts";
import { readTensorFile } from "../onnx/tensor.ts";
import { constantTensor, graphFromModel, loadGraph } from "./from_model.ts";
import { modelFromGraph } from "./to_model.ts";
import { runOrt } from "./testdata/ort.ts";

const dir = conformanceDir();
const missing = missingConformanceData(dir);

Deno.test("constantTensor() reads every Constant form", () => {
  const c = (attrs: Parameters<typeof buildNode>[3]) =>
    constantTensor(buildNode("Constant", [], ["c"], attrs));
  const t = buildTensor("ignored", "int32", [2], [3, 4]);
  assert.deepStrictEqual(c({ value: t }), { ...t, name: "c" });
  assert.deepStrictEqual(c({ value_float: float(2) }).data, Float32Array.of(2));
  assert.deepStrictEqual(c({ value_floats: floats([1, 2.5]) }).dims, [2]);
  assert.deepStrictEqual(c({ value_int: 7 }), buildTensor("c", "int64", [], [7]));
  assert.deepStrictEqual(c({ value_ints: [1, -1] }), buildTensor("c", "int64", [2], [1, -1]));
  assert.deepStrictEqual(
    c({ value_ints: [2 ** 63, -(2 ** 63)] }).data,
    BigInt64Array.of(2n ** 63n - 1n, -(2n ** 63n)),
  );
  assert.deepStrictEqual(c({ value_string: "a" }).data, ["a"]);
  assert.deepStrictEqual(c({ value_strings: ["a", "b"] }).dims, [2]);
  const sparse = c({
    sparse_value: {
      type: "sparse_tensor",
      value: {
        values: buildTensor("s", "float", [2], [5, 6]),
        indices: buildTensor("", "int64", [2, 2], [0, 1, 1, 0]),
        dims: [2, 2],
      },
    },
  });
  assert.deepStrictEqual(sparse.data, Float32Array.of(0, 5, 6, 0));
  assert.throws(() => c({}), TypeError);
});

Deno.test("graphFromModel() folds Constant nodes and drops initializers listed as inputs", () => {
  const graph = graphFromModel(buildModel({
    nodes: [
      buildNode("Constant", [], ["two"], { value_float: float(2) }),
      buildNode("Mul", ["x", "two"], ["m"]),
      buildNode("Add", ["m", "w"], ["y"]),
    ],
    inputs: [valueInfo("x", "float", ["N"]), valueInfo("w", "float", [1])],
    outputs: [valueInfo("y", "float", ["N"])],
    initializers: [buildTensor("w", "float", [1], [0.5])],
    valueInfo: [valueInfo("m", "float", ["N"])],
  }));
  assert.deepEqual(graph.nodes.map((n) => n.opType), ["Mul", "Add"]);
  assert.deepEqual([...graph.initializers.keys()], ["w", "two"]);
  assert.deepEqual(graph.inputs, [{ name: "x", dataType: "float", dims: ["N"] }]);
  assert.deepEqual(graph.valueInfo.get("m"), { name: "m", dataType: "float", dims: ["N"] });
});

Deno.test("loadGraph() reads external data from files beside the model", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const w = Float32Array.of(1, 2, 3, 4);
    await Deno.writeFile(`${tmp}/weights.bin`, new Uint8Array(8).fill(0));
    await Deno.writeFile(`${tmp}/weights.bin`, new Uint8Array(w.buffer), { append: true });
    const message = modelToMessage(buildModel({
      nodes: [buildNode("Add", ["x", "w"], ["y"])],
      inputs: [valueInfo("x", "float", [4])],
      outputs: [valueInfo("y", "float", [4])],
      initializers: [buildTensor("w", "float", [4], [0, 0, 0, 0])],
    }));
    const init = (message.graph as { initializer: Record<string, unknown>[] }).initializer[0]!;
    delete init.raw_data;
    init.data_location = 1;
    init.external_data = [{ key: "location", value: "weights.bin" }, { key: "offset", value: "8" }];
    const ModelProto = onnxMessageType("ModelProto");
    await Deno.writeFile(
      `${tmp}/model.onnx`,
      ModelProto.encode(ModelProto.fromObject(message)).finish(),
    );
    const graph = await loadGraph(`${tmp}/model.onnx`);
    assert.deepStrictEqual(graph.initializers.get("w")?.data, w);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

for (const name of ["mnist-8", "mobilenetv2-qdq-int8"]) {
  Deno.test({
    name: `modelFromGraph() writes a graph that onnxruntime runs like the original, for ${name}`,
    ignore: missing !== undefined,
    async fn() {
      const base = new URL(`models/${name}/`, dir);
      const model = await readModelFile(new URL("model.onnx", base));
      const graph = graphFromModel(model);
      const input = await readTensorFile(new URL("test_data_set_0/input_0.pb", base));
      const feeds = { [graph.inputs[0]!.name]: input };
      const expected = await runOrt(model, feeds);
      const actual = await runOrt(modelFromGraph(graph), feeds);
      assert.deepStrictEqual(actual, expected);
    },
  });
}

Deno.test("loadGraph() and onnxruntime read the external data writeModelFile() writes", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const w = Float32Array.from({ length: 512 }, (_, i) => i / 8);
    const model = buildModel({
      nodes: [buildNode("Add", ["x", "w"], ["s"]), buildNode("Mul", ["s", "k"], ["y"])],
      inputs: [valueInfo("x", "float", [512])],
      outputs: [valueInfo("y", "float", [512])],
      initializers: [buildTensor("w", "float", [512], w), buildTensor("k", "float", [], [2])],
    });
    await writeModelFile(`${tmp}/m.onnx`, model, { externalData: "m.bin" });
    const graph = await loadGraph(`${tmp}/m.onnx`);
    assert.deepStrictEqual(graph.initializers.get("w")?.data, w);
    const x = buildTensor("x", "float", [512], Float32Array.from({ length: 512 }, (_, i) => -i));
    const out = await runOrt(`${tmp}/m.onnx`, { x });
    assert.deepEqual(out.y!.data, Array.from(x.data as Float32Array, (v, i) => 2 * (v + w[i]!)));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
