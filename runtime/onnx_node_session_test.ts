/**
 * Every ONNX backend node test of the conformance data (`onnx-node/`, 188 models) through a
 * session: the model's own inputs in, every output compared with its reference `output_N.pb`.
 * Nodes without a WebGPU kernel run on onnxruntime's CPU provider, so every model onnxruntime can
 * load must run and match; the few that neither side can run are skipped with the reason. Every
 * `Attention` case runs on the attention family (also those onnxruntime 1.23 gets wrong or cannot
 * load: grouped-query heads, fully masked rows, opset 24's `nonpad_kv_seqlen`).
 */
import assert from "node:assert/strict";
import { GPU_AVAILABLE, testGpu } from "../tests/gpu_fixture.ts";
import { conformanceDir, missingConformanceData } from "../conformance/data_dir.ts";
import { readTensorFile } from "../onnx/tensor.ts";
import { loadGraph } from "../graph/from_model.ts";
import { createSession } from "./session.ts";
import { assertOutputClose } from "./testdata/compare.ts";

const FLOAT8 =
  "float8 tensors: onnxruntime-node 1.23 has no QuantizeLinear-23 kernel for them and no float8 " +
  "tensor type in its Node binding";
const FLOAT4 = "float4e2m1 tensors: onnxruntime 1.23 has no such type";
const INT2 = "int2/uint2 tensors (IR 13): onnxruntime 1.23 does not know the type";
const INT4 =
  "int4/uint4 tensors: onnxruntime-node's binding has no int4/uint4 tensors and its CPU provider " +
  "no QuantizeLinear-23 for them";

/**
 * Node tests that neither the WebGPU kernels nor onnxruntime-node 1.23's CPU provider (the
 * fallback) can reproduce, by folder, with the reason.
 */
const CANNOT: Readonly<Record<string, string>> = {
  test_convinteger_with_padding:
    "onnxruntime's CPU ConvInteger refuses a per-channel weight zero point",
  test_dequantizelinear_e4m3fn: FLOAT8,
  test_dequantizelinear_e4m3fn_float16: FLOAT8,
  test_dequantizelinear_e4m3fn_zero_point: FLOAT8,
  test_dequantizelinear_e5m2: FLOAT8,
  test_quantizelinear_e4m3fn: FLOAT8,
  test_quantizelinear_e5m2: FLOAT8,
  test_dequantizelinear_float4e2m1: FLOAT4,
  test_quantizelinear_float4e2m1: FLOAT4,
  test_dequantizelinear_int2: INT2,
  test_dequantizelinear_uint2: INT2,
  test_quantizelinear_int2: INT2,
  test_quantizelinear_uint2: INT2,
  test_dequantizelinear_int4: INT4,
  test_dequantizelinear_uint4: INT4,
  test_quantizelinear_int4: INT4,
  test_quantizelinear_uint4: INT4,
};

const DIR = new URL("onnx-node/", conformanceDir());
const MISSING = missingConformanceData(conformanceDir());
const folders = MISSING ? [] : [...Deno.readDirSync(DIR)]
  .filter((e) => e.isDirectory && e.name.startsWith("test_"))
  .map((e) => e.name)
  .sort();

/** The tensors `test_data_set_0/<prefix>_N.pb`, in order. */
async function readSet(folder: string, prefix: "input" | "output") {
  const out = [];
  for (let i = 0;; i++) {
    const path = new URL(`${folder}/test_data_set_0/${prefix}_${i}.pb`, DIR);
    try {
      out.push(await readTensorFile(path));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return out;
      throw error;
    }
  }
}

/** Runs one node-test folder through a session and compares every output. */
async function checkNodeTest(folder: string): Promise<void> {
  const gpu = await testGpu();
  const model = new URL(`${folder}/model.onnx`, DIR).pathname;
  const inputs = await readSet(folder, "input");
  const outputs = await readSet(folder, "output");
  const session = await createSession(gpu, model, { cacheDir: null });
  try {
    const names = session.inputs.map((v) => v.name);
    const feeds = Object.fromEntries(
      inputs.map((t, i) => [
        names.includes(t.name) ? t.name : names[i]!,
        { dataType: t.dataType, dims: t.dims, data: t.data },
      ]),
    );
    const got = await session.run(feeds);
    // Attention nodes the family computes must run on it, not on the fallback.
    for (const n of session.report.nodes.filter((n) => n.opType === "Attention")) {
      const node = (await loadGraph(model)).nodes.find((g) => g.opType === "Attention")!;
      const precision = node.attributes.softmax_precision;
      const familyForm = !precision ||
        (precision.type === "int" && [1, 11].includes(precision.value));
      if (familyForm) assert.equal(n.family, "attention", `${folder}: ${n.where} (${n.reason})`);
    }
    session.outputs.forEach((o, i) => {
      const want = outputs.find((t) => t.name === o.name) ?? outputs[i];
      assert.ok(want, `${folder}: no reference for output '${o.name}'`);
      assertOutputClose(got[o.name]!, want, `${folder} ${o.name}`);
    });
  } finally {
    await session.release();
  }
}

for (const folder of folders) {
  const reason = CANNOT[folder];
  Deno.test({
    name: `Session.run() matches the ONNX node test ${folder}` + (reason ? ` (${reason})` : ""),
    ignore: !GPU_AVAILABLE || reason !== undefined,
    fn: () => checkNodeTest(folder),
  });
}
