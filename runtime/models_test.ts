import assert from "node:assert/strict";
import { GPU_AVAILABLE, testGpu } from "../tests/gpu_fixture.ts";
import { conformanceDir } from "../conformance/data_dir.ts";
import { readTensorFile } from "../onnx/tensor.ts";
import { createSession } from "./session.ts";
import { argmax, assertCloseTensor, ortOutputs, seededFloats } from "./testdata/reference.ts";
import { ignoreWithout, ocrModelsDir } from "./testdata/models.ts";

const OCR: readonly [string, number[], boolean][] = [
  // file, input dims, classifier
  ["ch_ppocr_mobile_v2.0_cls_infer.onnx", [1, 3, 48, 192], true],
  ["ch_PP-OCRv4_rec_infer.onnx", [1, 3, 48, 320], false],
  ["ch_PP-OCRv4_det_infer.onnx", [1, 3, 64, 96], false],
];

for (const [file, dims, classifier] of OCR) {
  const path = `${ocrModelsDir()}${file}`;
  Deno.test({
    name: `Session.run() matches onnxruntime's CPU provider on PaddleOCR ${file}`,
    ignore: !GPU_AVAILABLE || ignoreWithout(path),
    async fn() {
      const gpu = await testGpu();
      const session = await createSession(gpu, path, { cacheDir: null, inputShapes: { x: dims } });
      try {
        const x = { data: seededFloats(11, dims.reduce((a, b) => a * b, 1)), dims };
        const want = await ortOutputs(path, { x });
        const got = await session.run({ x });
        for (const [name, t] of Object.entries(want)) {
          assertCloseTensor(got[name]!, t, 1e-3, `${file} ${name}`);
          if (classifier) assert.equal(argmax(got[name]!), argmax(t));
        }
        const { memory, counts } = session.report;
        assert.ok(memory.plannedIntermediateBytes <= memory.unplannedIntermediateBytes);
        assert.ok(counts.webgpu > 0);
      } finally {
        await session.release();
      }
    },
  });
}

const MOBILENET = new URL("models/mobilenetv2-qdq-int8", conformanceDir()).pathname;
Deno.test({
  name:
    "Session.run() of mobilenetv2-qdq-int8 (Q/DQ in f32) matches its reference output and argmax",
  ignore: !GPU_AVAILABLE || ignoreWithout(`${MOBILENET}/model.onnx`),
  async fn() {
    const gpu = await testGpu();
    const session = await createSession(gpu, `${MOBILENET}/model.onnx`, { cacheDir: null });
    try {
      const x = await readTensorFile(`${MOBILENET}/test_data_set_0/input_0.pb`);
      const y = await readTensorFile(`${MOBILENET}/test_data_set_0/output_0.pb`);
      const got = await session.run({ image: { dataType: "float", dims: x.dims, data: x.data } });
      const want = { dataType: y.dataType, dims: y.dims, data: y.data };
      // The reference comes from integer kernels (QLinearConv): an activation whose f32 value lies
      // within rounding of a quantization step can land one step apart, and the steps add up
      // through 52 layers, so the bound is 5% of the largest score; the class must agree exactly.
      assertCloseTensor(got.scores!, want, 0.05, "mobilenetv2 scores");
      assert.equal(argmax(got.scores!), argmax(want));
      assert.equal(session.report.counts.cpu, 0);
    } finally {
      await session.release();
    }
  },
});
