import assert from "node:assert/strict";
import { onnxMessageType } from "../onnx/schema.ts";
import { loadOnnxNodeCases } from "./onnx_node_cases.ts";
import { loadOrtWebCases, tensorFromOrtJson } from "./ort_web_cases.ts";

const ModelProto = onnxMessageType("ModelProto");
const TensorProto = onnxMessageType("TensorProto");

function writeNodeTest(
  root: string,
  name: string,
  nodes: Record<string, unknown>[],
  inputs: string[],
  outputs: string[],
) {
  const dir = `${root}/onnx-node/${name}`;
  Deno.mkdirSync(`${dir}/test_data_set_0`, { recursive: true });
  const model = ModelProto.fromObject({
    ir_version: 9,
    opset_import: [{ domain: "", version: 21 }],
    graph: {
      node: nodes,
      input: inputs.map((n) => ({ name: n })),
      output: outputs.map((n) => ({ name: n })),
      initializer: [{ name: "w", dims: [1], data_type: 1, float_data: [42] }],
    },
  });
  Deno.writeFileSync(`${dir}/model.onnx`, ModelProto.encode(model).finish());
  const tensor = (value: number) =>
    TensorProto.encode(TensorProto.fromObject({ dims: [1], data_type: 1, float_data: [value] }))
      .finish();
  inputs.forEach((_, i) => Deno.writeFileSync(`${dir}/test_data_set_0/input_${i}.pb`, tensor(i)));
  outputs.forEach((_, i) =>
    Deno.writeFileSync(`${dir}/test_data_set_0/output_${i}.pb`, tensor(100 + i))
  );
}

Deno.test("loadOnnxNodeCases() loads single-node tests, mapping inputs by graph position", async () => {
  const root = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${root}/ort-web-ops`, { recursive: true });
    // Node inputs in another order than the graph's, an initializer, and an omitted input.
    writeNodeTest(
      root,
      "test_gemm_x",
      [{ op_type: "Gemm", input: ["b", "w", "", "a"], output: ["y"] }],
      ["a", "b"],
      [
        "y",
      ],
    );
    writeNodeTest(
      root,
      "test_two_nodes",
      [
        { op_type: "Gemm", input: ["a", "b"], output: ["t"] },
        { op_type: "Relu", input: ["t"], output: ["y"] },
      ],
      ["a", "b"],
      ["y"],
    );
    writeNodeTest(root, "test_relu", [{ op_type: "Relu", input: ["a"], output: ["y"] }], ["a"], [
      "y",
    ]);
    const cases = await loadOnnxNodeCases(new URL(`file://${root}/`), (op) => op === "Gemm");
    assert.deepEqual(cases.map((c) => c.id), ["onnx-node/test_gemm_x"]);
    const [c] = cases;
    assert.equal(c?.opset, 21);
    assert.deepEqual(c?.inputs.map((t) => t && Array.from(t.data as Float32Array)), [
      [1],
      [42],
      undefined,
      [0],
    ]);
    assert.deepEqual(c?.outputs.map((t) => t && Array.from(t.data as Float32Array)), [[100]]);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("loadOrtWebCases() reads JSONC tests with attributes, domains and omitted inputs", () => {
  const root = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${root}/ort-web-ops`, { recursive: true });
    Deno.writeTextFileSync(
      `${root}/ort-web-ops/ops.jsonc`,
      `[
        // a comment
        { "name": "fused", "operator": "FusedConv", "opset": { "domain": "com.microsoft", "version": 1 },
          "attributes": [{ "name": "activation", "data": "Relu", "type": "string" },
                         { "name": "kernel_shape", "data": [2, 2], "type": "ints" }],
          "cases": [{ "name": "T[0]",
            "inputs": [{ "data": [1, 2], "dims": [2], "type": "float32" }, { "data": null, "dims": [], "type": "float32" }],
            "outputs": [{ "data": [3], "dims": [1], "type": "float16" }] }] },
        { "name": "abs", "operator": "Abs", "cases": [] },
      ]`,
    );
    const cases = loadOrtWebCases(
      new URL(`file://${root}/`),
      (op, domain) => op === "FusedConv" && domain === "com.microsoft",
    );
    assert.equal(cases.length, 1);
    const [c] = cases;
    assert.equal(c?.id, "ort-web-ops/ops.jsonc#0.0 fused / T[0]");
    assert.equal(c?.opset, 1);
    assert.deepEqual(c?.attributes.kernel_shape, {
      name: "kernel_shape",
      docString: "",
      type: "ints",
      value: [2, 2],
    });
    assert.equal(c?.attributes.activation?.type, "string");
    assert.equal(c?.inputs[1], undefined);
    assert.ok(c?.outputs[0]?.data instanceof Float16Array);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("tensorFromOrtJson() converts types and rejects bad lengths and types", () => {
  assert.deepEqual(
    tensorFromOrtJson({ data: [true, false], dims: [2], type: "bool" })?.data,
    Uint8Array.of(1, 0),
  );
  assert.deepEqual(
    tensorFromOrtJson({ data: [-3], dims: [], type: "int64" })?.data,
    Float64Array.of(-3),
  );
  assert.throws(
    () => tensorFromOrtJson({ data: [1, 2, 3], dims: [2], type: "float32" }),
    RangeError,
  );
  assert.throws(() => tensorFromOrtJson({ data: [1], dims: [1], type: "complex64" }), RangeError);
});
