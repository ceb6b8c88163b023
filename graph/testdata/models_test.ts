import assert from "node:assert/strict";
import { buildTensor } from "../../onnx/build.ts";
import { decodeModel } from "../../onnx/model.ts";
import { encodeModel } from "../../onnx/model_write.ts";
import { runOrt, seededRandom } from "./ort.ts";
import { resnetBlockModel } from "./resnet_block.ts";
import { transformerLayerModel } from "./transformer_layer.ts";

function randomInput(dims: number[], seed: number) {
  const r = seededRandom(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  return buildTensor("x", "float", dims, Float32Array.from({ length: n }, () => 2 * r() - 1));
}

Deno.test("resnetBlockModel() loads and runs on onnxruntime, when written by encodeModel()", async () => {
  const model = resnetBlockModel({ channels: 16, size: 8 });
  const bytes = encodeModel(model);
  assert.deepStrictEqual(decodeModel(bytes), model);
  const x = randomInput([2, 16, 8, 8], 3);
  const { y } = await runOrt(bytes, { x });
  assert.deepEqual(y!.dims, [2, 16, 8, 8]);
  assert.ok(y!.data.every((v) => Number.isFinite(v) && v >= 0), "Relu output");
  assert.ok(y!.data.some((v) => v > 0));
});

Deno.test("transformerLayerModel() loads and runs on onnxruntime at sequence 128, hidden 256", async () => {
  const model = transformerLayerModel();
  const x = randomInput([1, 128, 256], 4);
  const { y } = await runOrt(encodeModel(model), { x });
  assert.deepEqual(y!.dims, [1, 128, 256]);
  // Post-norm output: every row has mean ~beta mean and variance ~gamma^2 (about 0 and 1).
  for (let row = 0; row < 128; row += 31) {
    const v = y!.data.slice(row * 256, row * 256 + 256);
    const mean = v.reduce((a, b) => a + b, 0) / 256;
    const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / 256;
    assert.ok(
      Math.abs(mean) < 0.1 && Math.abs(variance - 1) < 0.2,
      `row ${row}: ${mean} ${variance}`,
    );
  }
});
