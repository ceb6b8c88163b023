import assert from "node:assert/strict";
import { conformanceDir, missingConformanceData } from "../conformance/data_dir.ts";
import { getAttribute } from "./attribute.ts";
import { decodeModel, opsetVersion, readModelFile } from "./model.ts";
import { onnxMessageType } from "./schema.ts";
import { readTensorFile, tensorToFloat64 } from "./tensor.ts";

const ModelProto = onnxMessageType("ModelProto");

function encodeModel(fields: Record<string, unknown>): Uint8Array {
  return ModelProto.encode(ModelProto.fromObject(fields)).finish();
}

const tensorType = (elem_type: number, dims: (number | string | null)[]) => ({
  tensor_type: {
    elem_type,
    shape: {
      dim: dims.map((d) =>
        typeof d === "number" ? { dim_value: d } : typeof d === "string" ? { dim_param: d } : {}
      ),
    },
  },
});

Deno.test("decodeModel() decodes every attribute type, with a subgraph and typed values", () => {
  const bytes = encodeModel({
    ir_version: 10,
    opset_import: [{ domain: "", version: 21 }, { domain: "com.microsoft", version: 1 }],
    producer_name: "test",
    metadata_props: [{ key: "author", value: "me" }],
    graph: {
      name: "main",
      input: [{ name: "x", type: tensorType(1, ["N", 3, null]) }, {
        name: "flag",
        type: tensorType(9, []),
      }],
      output: [{ name: "y", type: { sequence_type: { elem_type: tensorType(7, [2]) } } }],
      value_info: [
        { name: "m", type: { map_type: { key_type: 8, value_type: tensorType(1, [1]) } } },
        { name: "o", type: { optional_type: { elem_type: tensorType(10, [4]) } } },
        { name: "unknown_rank", type: { tensor_type: { elem_type: 1 } } },
      ],
      initializer: [{ name: "w", dims: [2], data_type: 1, float_data: [0.5, 2] }],
      sparse_initializer: [{
        dims: [3, 3],
        values: { name: "s", dims: [2], data_type: 1, float_data: [1, 2] },
        indices: { dims: [2, 2], data_type: 7, int64_data: [0, 1, 2, 2] },
      }],
      node: [{
        op_type: "If",
        name: "if0",
        input: ["flag"],
        output: ["y"],
        attribute: [
          {
            name: "then_branch",
            type: 5,
            g: { name: "then", node: [{ op_type: "Identity", input: ["w"], output: ["y"] }] },
          },
          { name: "f", type: 1, f: 0.25 },
          { name: "i", type: 2, i: -3 },
          { name: "s", type: 3, s: new TextEncoder().encode("SAME_UPPER") },
          { name: "t", type: 4, t: { dims: [], data_type: 6, int32_data: [9] } },
          { name: "fs", type: 6, floats: [1.5, -2] },
          { name: "is", type: 7, ints: [1, 2, "9007199254740993"] },
          {
            name: "ss",
            type: 8,
            strings: [new TextEncoder().encode("a"), new TextEncoder().encode("b")],
          },
          { name: "ts", type: 9, tensors: [{ dims: [1], data_type: 3, int32_data: [-1] }] },
          { name: "gs", type: 10, graphs: [{ name: "g1" }, { name: "g2" }] },
          { name: "tp", type: 13, tp: tensorType(1, [1]) },
          { name: "legacy", i: 4 }, // IR version 1: no type field
        ],
      }],
    },
  });
  const model = decodeModel(bytes);
  assert.equal(model.irVersion, 10);
  assert.equal(model.producerName, "test");
  assert.deepEqual(model.metadata, { author: "me" });
  assert.equal(opsetVersion(model), 21);
  assert.equal(opsetVersion(model, "com.microsoft"), 1);
  assert.equal(opsetVersion(model, "ai.onnx.ml"), undefined);
  const { graph } = model;
  assert.deepEqual(graph.inputs[0]?.type, {
    kind: "tensor",
    elemType: "float",
    shape: ["N", 3, null],
  });
  assert.deepEqual(graph.inputs[1]?.type, { kind: "tensor", elemType: "bool", shape: [] });
  assert.deepEqual(graph.outputs[0]?.type, {
    kind: "sequence",
    elemType: { kind: "tensor", elemType: "int64", shape: [2] },
  });
  assert.deepEqual(graph.valueInfo.map((v) => v.type), [
    {
      kind: "map",
      keyType: "string",
      valueType: { kind: "tensor", elemType: "float", shape: [1] },
    },
    { kind: "optional", elemType: { kind: "tensor", elemType: "float16", shape: [4] } },
    { kind: "tensor", elemType: "float", shape: undefined },
  ]);
  assert.deepEqual([...graph.initializers[0]!.data as Float32Array], [0.5, 2]);
  const sparse = graph.sparseInitializers[0]!;
  assert.deepEqual(sparse.dims, [3, 3]);
  assert.equal(sparse.values.name, "s");
  assert.deepEqual([...sparse.indices.data as Float64Array], [0, 1, 2, 2]);
  const node = graph.nodes[0]!;
  assert.equal(node.opType, "If");
  assert.equal(node.domain, "");
  const a = node.attributes;
  assert.equal(getAttribute(a, "then_branch", "graph")?.nodes[0]?.opType, "Identity");
  assert.equal(getAttribute(a, "f", "float"), 0.25);
  assert.equal(getAttribute(a, "i", "int"), -3);
  assert.equal(getAttribute(a, "s", "string"), "SAME_UPPER");
  assert.deepEqual([...getAttribute(a, "t", "tensor")!.data as Int32Array], [9]);
  assert.deepEqual(getAttribute(a, "fs", "floats"), [1.5, -2]);
  assert.deepEqual(getAttribute(a, "is", "ints"), [1, 2, 2 ** 53]);
  assert.deepEqual(getAttribute(a, "ss", "strings"), ["a", "b"]);
  assert.deepEqual([...getAttribute(a, "ts", "tensors")![0]!.data as Int8Array], [-1]);
  assert.deepEqual(getAttribute(a, "gs", "graphs")?.map((g) => g.name), ["g1", "g2"]);
  assert.deepEqual(getAttribute(a, "tp", "type_proto"), {
    kind: "tensor",
    elemType: "float",
    shape: [1],
  });
  assert.equal(getAttribute(a, "legacy", "int"), 4);
  assert.equal(getAttribute(a, "absent", "int"), undefined);
  assert.throws(() => getAttribute(a, "f", "int"), TypeError);
});

Deno.test("decodeModel() decodes model-local functions with attribute references", () => {
  const model = decodeModel(encodeModel({
    ir_version: 9,
    opset_import: [{ domain: "", version: 19 }, { domain: "local", version: 1 }],
    graph: {
      name: "g",
      node: [{ op_type: "Scale", domain: "local", input: ["x"], output: ["y"] }],
    },
    functions: [{
      name: "Scale",
      domain: "local",
      input: ["X"],
      output: ["Y"],
      attribute: ["alpha"],
      attribute_proto: [{ name: "beta", type: 1, f: 2 }],
      opset_import: [{ domain: "", version: 19 }],
      node: [{
        op_type: "Constant",
        output: ["a"],
        attribute: [{ name: "value_float", type: 1, ref_attr_name: "alpha" }],
      }, { op_type: "Mul", input: ["X", "a"], output: ["Y"] }],
    }],
  }));
  const fn = model.functions[0]!;
  assert.equal(fn.name, "Scale");
  assert.deepEqual(fn.attributeNames, ["alpha"]);
  assert.equal(getAttribute(fn.attributeDefaults, "beta", "float"), 2);
  assert.deepEqual(fn.nodes[0]?.attributes.value_float, {
    name: "value_float",
    docString: "",
    type: "ref",
    refAttrName: "alpha",
    refType: "float",
  });
  assert.throws(() => getAttribute(fn.nodes[0]!.attributes, "value_float", "float"), TypeError);
});

Deno.test("decodeModel() rejects a model without a graph and repeated attributes", () => {
  assert.throws(() => decodeModel(encodeModel({ ir_version: 8 })), TypeError);
  assert.throws(
    () =>
      decodeModel(encodeModel({
        ir_version: 8,
        graph: {
          node: [{
            op_type: "Relu",
            attribute: [{ name: "a", type: 2, i: 1 }, { name: "a", type: 2, i: 2 }],
          }],
        },
      })),
    (e: Error) => e instanceof TypeError && e.message.includes("'a'"),
  );
  assert.throws(() => decodeModel(new Uint8Array([0x0a, 0xff])));
});

const dataDir = conformanceDir();
const missing = missingConformanceData(dataDir);

Deno.test({
  name: "readModelFile() reads the Gemm and Conv backend tests' nodes and shapes",
  ignore: missing !== undefined,
  async fn() {
    const gemm = await readModelFile(
      new URL("onnx-node/test_gemm_all_attributes/model.onnx", dataDir),
    );
    assert.equal(opsetVersion(gemm), 13);
    const node = gemm.graph.nodes[0]!;
    assert.equal(node.opType, "Gemm");
    assert.deepEqual(node.inputs, ["a", "b", "c"]);
    assert.equal(getAttribute(node.attributes, "alpha", "float"), 0.25);
    assert.equal(getAttribute(node.attributes, "beta", "float"), Math.fround(0.35));
    assert.equal(getAttribute(node.attributes, "transA", "int"), 1);
    assert.deepEqual(gemm.graph.inputs.map((i) => i.type), [
      { kind: "tensor", elemType: "float", shape: [4, 3] },
      { kind: "tensor", elemType: "float", shape: [5, 4] },
      { kind: "tensor", elemType: "float", shape: [1, 5] },
    ]);
    const conv = await readModelFile(
      new URL("onnx-node/test_conv_with_strides_and_asymmetric_padding/model.onnx", dataDir),
    );
    const c = conv.graph.nodes[0]!.attributes;
    assert.deepEqual(getAttribute(c, "pads", "ints"), [1, 0, 1, 0]);
    assert.deepEqual(getAttribute(c, "strides", "ints"), [2, 2]);
    assert.deepEqual(getAttribute(c, "kernel_shape", "ints"), [3, 3]);
  },
});

Deno.test({
  name: "readModelFile() and readTensorFile() agree with MatMul's expected output",
  ignore: missing !== undefined,
  async fn() {
    const base = new URL("onnx-node/test_matmul_2d/", dataDir);
    const model = await readModelFile(new URL("model.onnx", base));
    assert.equal(model.graph.nodes[0]?.opType, "MatMul");
    const [a, b, y] = await Promise.all(
      ["input_0", "input_1", "output_0"].map((n) =>
        readTensorFile(new URL(`test_data_set_0/${n}.pb`, base))
      ),
    );
    assert.deepEqual([a!.dims, b!.dims, y!.dims], [[3, 4], [4, 3], [3, 3]]);
    const av = tensorToFloat64(a!), bv = tensorToFloat64(b!), yv = tensorToFloat64(y!);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let sum = 0;
        for (let k = 0; k < 4; k++) sum += av[i * 4 + k]! * bv[k * 3 + j]!;
        assert.ok(Math.abs(sum - yv[i * 3 + j]!) < 1e-5, `y[${i}, ${j}]`);
      }
    }
  },
});

Deno.test({
  name: "readModelFile() reads real models: mnist-8 and the QDQ MobileNetV2 op counts",
  ignore: missing !== undefined,
  async fn() {
    const mnist = await readModelFile(new URL("models/mnist-8/model.onnx", dataDir));
    assert.equal(mnist.irVersion, 3);
    assert.equal(opsetVersion(mnist), 8);
    assert.deepEqual(mnist.graph.inputs.find((i) => i.name === "Input3")?.type, {
      kind: "tensor",
      elemType: "float",
      shape: [1, 1, 28, 28],
    });
    const count = (ops: readonly { opType: string }[]) => {
      const out: Record<string, number> = {};
      for (const { opType } of ops) out[opType] = (out[opType] ?? 0) + 1;
      return out;
    };
    assert.deepEqual(count(mnist.graph.nodes), {
      Conv: 2,
      Add: 3,
      Relu: 2,
      MaxPool: 2,
      Reshape: 2,
      MatMul: 1,
    });
    const conv = mnist.graph.nodes.find((n) => n.opType === "Conv")!;
    const weight = mnist.graph.initializers.find((t) => t.name === conv.inputs[1]);
    assert.equal(weight?.dataType, "float");
    assert.equal(weight?.dims.length, 4);
    assert.equal(weight?.data.length, weight!.dims.reduce((x, y) => x * y, 1));

    const mobilenet = await readModelFile(
      new URL("models/mobilenetv2-qdq-int8/model.onnx", dataDir),
    );
    assert.equal(mobilenet.irVersion, 6);
    assert.equal(opsetVersion(mobilenet), 11);
    const ops = count(mobilenet.graph.nodes);
    assert.deepEqual(
      [
        ops.QuantizeLinear,
        ops.DequantizeLinear,
        ops.Conv,
        ops.Relu,
        ops.Add,
        ops.Cast,
        ops.Identity,
      ],
      [66, 182, 52, 35, 10, 76, 300],
    );
    const int8 = mobilenet.graph.initializers.filter((t) => t.dataType === "int8");
    assert.ok(int8.length > 0 && int8.every((t) => t.data instanceof Int8Array));
  },
});
