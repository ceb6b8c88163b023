import assert from "node:assert/strict";
import { GPU_AVAILABLE } from "../tests/gpu_fixture.ts";
import { conformanceDir } from "../conformance/data_dir.ts";
import { readTensorFile } from "../onnx/tensor.ts";
import { writeModelFile } from "../onnx/model_write.ts";
import { lstmIfModel } from "../graph/testdata/lstm_if.ts";
import { runCli, tempCacheDir } from "./_run.ts";
import { EXIT_USAGE } from "./errors.ts";

const MNIST = new URL("models/mnist-8", conformanceDir()).pathname;
const gpuTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: !GPU_AVAILABLE, fn });

gpuTest("wgtune run writes mnist-8's output as a TensorProto equal to the reference", async () => {
  const { dir, cleanup } = await tempCacheDir();
  try {
    const out = `${dir}/out`;
    const run = await runCli([
      "run",
      `${MNIST}/model.onnx`,
      "--input",
      `Input3=${MNIST}/test_data_set_1/input_0.pb`,
      "--output-dir",
      out,
      "--runs",
      "2",
      "--cache-dir",
      dir,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /output Plus214_Output_0: float \[1, 10\] min .* argmax \d/);
    assert.match(run.stdout, /nodes: 10 webgpu, 1 views, 1 host, 0 cpu/);
    assert.match(run.stdout, /latency: [\d.]+ ms \(median of 2 runs\)/);
    const got = await readTensorFile(`${out}/Plus214_Output_0.pb`);
    const want = await readTensorFile(`${MNIST}/test_data_set_1/output_0.pb`);
    assert.deepEqual(got.dims, want.dims);
    (want.data as Float32Array).forEach((v, i) =>
      assert.ok(Math.abs((got.data as Float32Array)[i]! - v) <= 1e-5 * 6000)
    );
  } finally {
    await cleanup();
  }
});

gpuTest(
  "wgtune run --json --profile reports outputs, memory and one profile row per node",
  async () => {
    const run = await runCli([
      "run",
      `${MNIST}/model.onnx`,
      "--json",
      "--profile",
      "--cache-dir",
      "/nonexistent-wgtune",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout);
    assert.equal(doc.outputs[0].name, "Plus214_Output_0");
    assert.deepEqual(doc.outputs[0].dims, [1, 10]);
    assert.equal(doc.nodes.webgpu, 10);
    assert.ok(doc.memory.plannedIntermediateBytes <= doc.memory.unplannedIntermediateBytes);
    assert.equal(doc.profile.length, 10);
  },
);

gpuTest("wgtune run exits 2 with one line, for bad models, inputs and options", async () => {
  const { dir, cleanup } = await tempCacheDir();
  try {
    await Deno.mkdir(dir, { recursive: true });
    const garbage = `${dir}/garbage.onnx`;
    await Deno.writeFile(garbage, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    const lstm = `${dir}/lstm_if.onnx`;
    await writeModelFile(lstm, lstmIfModel());
    const model = `${MNIST}/model.onnx`;
    const cases: [string[], RegExp][] = [
      [["run", `${dir}/missing.onnx`], /cannot read model/],
      [["run", garbage], /not a valid ONNX model/],
      [["run", model, "--input", "nope=x.pb"], /the model has no input 'nope'/],
      [["run", model, "--input", `Input3=${dir}/missing.pb`], /--input Input3=/],
      [["run", model, "--shape", "Input3=1x1x28"], /input 'Input3' has rank 4/],
      [["run", model, "--shape", "Input3=1xax28x28"], /dims must be non-negative integers/],
      [["run", model, "--runs", "0"], /--runs must be a positive integer/],
      [["run", model, "--fallback", "gpu"], /--fallback must be cpu or error/],
      [
        ["run", lstm, "--fallback", "error", "--shape", "x=2x1x3"],
        /needs onnxruntime's CPU provider for: .*LSTM/,
      ],
    ];
    for (const [args, pattern] of cases) {
      const run = await runCli([...args, "--cache-dir", dir]);
      assert.equal(run.code, EXIT_USAGE, `${args.join(" ")}: ${run.stderr}`);
      const lines = run.stderr.trim().split("\n");
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0]!, /^wgtune: error: /);
      assert.match(lines[0]!, pattern);
    }
  } finally {
    await cleanup();
  }
});
