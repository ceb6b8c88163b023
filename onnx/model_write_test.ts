import assert from "node:assert/strict";
import { conformanceDir, missingConformanceData } from "../conformance/data_dir.ts";
import { buildModel, buildNode, buildTensor, float, graphAttr, valueInfo } from "./build.ts";
import { decodeModel, type OnnxModel, readModelFile } from "./model.ts";
import { encodeModel, writeModelFile } from "./model_write.ts";
import { onnxMessageType } from "./schema.ts";

const dir = conformanceDir();
const missing = missingConformanceData(dir);

function modelFiles(): URL[] {
  const out: URL[] = [];
  for (const group of ["onnx-node", "models"]) {
    const base = new URL(`${group}/`, dir);
    for (const entry of Deno.readDirSync(base)) {
      if (entry.isDirectory) out.push(new URL(`${entry.name}/model.onnx`, base));
    }
  }
  return out.sort((a, b) => a.href.localeCompare(b.href));
}

Deno.test({
  name: "encodeModel() round-trips every conformance model, when decoded again",
  ignore: missing !== undefined,
  fn() {
    const files = modelFiles();
    assert.ok(files.length >= 190);
    for (const file of files) {
      const model = decodeModel(Deno.readFileSync(file));
      const again = decodeModel(encodeModel(model));
      assert.deepStrictEqual(again, model, file.href);
    }
  },
});

Deno.test("encodeModel() round-trips every attribute type, symbolic dims and functions", () => {
  const t = buildTensor("t", "int32", [2], [7, -8]);
  const sub = buildModel({
    nodes: [buildNode("Identity", ["w"], ["y"])],
    inputs: [],
    outputs: [valueInfo("y", "float", [2])],
  }).graph;
  const model: OnnxModel = {
    ...buildModel({
      nodes: [
        buildNode("If", ["flag"], ["y"], {
          then_branch: graphAttr(sub),
          f: float(1),
          i: -3,
          big: 2 ** 60,
          s: "SAME_UPPER",
          t,
          fs: [1.5, -2],
          is: [1, 2, 3],
          ss: ["a", "b"],
          ts: { type: "tensors", value: [t, t] },
          gs: { type: "graphs", value: [sub, sub] },
          tp: { type: "type_proto", value: valueInfo("q", "float16", ["N", null]).type! },
          tps: {
            type: "type_protos",
            value: [{ kind: "sequence", elemType: valueInfo("q", "int8", [1]).type! }],
          },
          sp: {
            type: "sparse_tensor",
            value: {
              values: buildTensor("s", "float", [2], [1, 2]),
              indices: buildTensor("", "int64", [2], [0, 3]),
              dims: [2, 2],
            },
          },
        }, { name: "if0" }),
      ],
      inputs: [valueInfo("flag", "bool", []), valueInfo("x", "float", ["N", 3, null]), {
        name: "u",
        type: undefined,
        docString: "doc",
        metadata: { k: "v" },
      }],
      outputs: [valueInfo("y", "float", undefined)],
      initializers: [
        buildTensor("w", "float", [2], [0.5, 2]),
        buildTensor("h", "float16", [3], [1, -0, 65504]),
        buildTensor("b16", "bfloat16", [2], [1.5, -2]),
        buildTensor("f8", "float8e4m3fn", [3], [448, -0.5, NaN]),
        buildTensor("f8b", "float8e5m2", [2], [Infinity, -57344]),
        buildTensor("f4", "float4e2m1", [3], [6, -0.5, 0]),
        buildTensor("i4", "int4", [3], [-8, 7, 1]),
        buildTensor("u2", "uint2", [5], [3, 2, 1, 0, 3]),
        buildTensor("i64", "int64", [2], BigInt64Array.of(2n ** 62n, -1n)),
        buildTensor("u64", "uint64", [1], BigUint64Array.of(2n ** 64n - 1n)),
        buildTensor("c", "complex64", [1], [1, -1]),
        buildTensor("str", "string", [2], ["x", "üñ"]),
        buildTensor("b", "bool", [2], [1, 0]),
        buildTensor("e", "float", [0, 3], []),
        buildTensor("scalar", "double", [], [Math.PI]),
        buildTensor("u32", "uint32", [1], [4294967295]),
      ],
      opset: 19,
      opsetImports: [{ domain: "local", version: 1 }],
    }),
    metadata: { author: "me" },
    functions: [{
      name: "Scale",
      domain: "local",
      overload: "",
      inputs: ["X"],
      outputs: ["Y"],
      attributeNames: ["alpha"],
      attributeDefaults: {},
      nodes: [{
        ...buildNode("Constant", [], ["a"]),
        attributes: {
          value_float: {
            name: "value_float",
            docString: "",
            type: "ref",
            refAttrName: "alpha",
            refType: "float",
          },
        },
      }, buildNode("Mul", ["X", "a"], ["Y"])],
      opsetImports: [{ domain: "", version: 19 }],
      valueInfo: [],
      docString: "",
      metadata: {},
    }],
  };
  const again = decodeModel(encodeModel(model));
  assert.deepStrictEqual(again, model);
});

Deno.test("writeModelFile() moves large initializers to an external file that readModelFile() reads back", async () => {
  const w = Float32Array.from({ length: 512 }, (_, i) => i / 8);
  const model = buildModel({
    nodes: [buildNode("Add", ["x", "w"], ["s"]), buildNode("Mul", ["s", "k"], ["y"])],
    inputs: [valueInfo("x", "float", [512])],
    outputs: [valueInfo("y", "float", [512])],
    initializers: [buildTensor("w", "float", [512], w), buildTensor("k", "float", [], [2])],
  });
  const tmp = await Deno.makeTempDir();
  try {
    await writeModelFile(`${tmp}/m.onnx`, model, { externalData: "m.bin" });
    assert.equal(Deno.statSync(`${tmp}/m.bin`).size, 2048); // w only: k is under the threshold
    assert.ok(Deno.statSync(`${tmp}/m.onnx`).size < 400);
    assert.deepStrictEqual(await readModelFile(`${tmp}/m.onnx`), decodeModel(encodeModel(model)));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
  await assert.rejects(
    () => writeModelFile("x.onnx", model, { externalData: "../w.bin" }),
    RangeError,
  );
});

Deno.test("decodeModel() reads a value info whose TypeProto has no variant as untyped", () => {
  const ModelProto = onnxMessageType("ModelProto");
  const bytes = ModelProto.encode(ModelProto.fromObject({
    ir_version: 8,
    opset_import: [{ domain: "", version: 16 }],
    graph: {
      name: "g",
      node: [{ op_type: "Relu", input: ["x"], output: ["y"] }],
      input: [{ name: "x", type: { tensor_type: { elem_type: 1 } } }],
      output: [{ name: "y", type: { denotation: "" } }],
    },
  })).finish();
  const model = decodeModel(bytes);
  assert.equal(model.graph.outputs[0]?.type, undefined);
  assert.deepStrictEqual(decodeModel(encodeModel(model)), model);
});
