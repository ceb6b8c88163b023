import assert from "node:assert/strict";
import { GPU_AVAILABLE, testGpu } from "../tests/gpu_fixture.ts";
import { readTensorFile } from "../onnx/tensor.ts";
import { encodeModel } from "../onnx/model_write.ts";
import { buildModel, buildNode, valueInfo } from "../onnx/build.ts";
import { resnetBlockModel } from "../graph/testdata/resnet_block.ts";
import { transformerLayerModel } from "../graph/testdata/transformer_layer.ts";
import { lstmIfModel } from "../graph/testdata/lstm_if.ts";
import { conformanceDir } from "../conformance/data_dir.ts";
import { UnsupportedModelError } from "./plan.ts";
import { createSession } from "./session.ts";
import { tune } from "../tuner/tune.ts";
import { assertCloseTensor, ortOutputs, seededFloats } from "./testdata/reference.ts";

const gpuTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: !GPU_AVAILABLE, fn });

gpuTest(
  "Session.run() matches mnist-8's three reference outputs, all nodes on WebGPU",
  async () => {
    const gpu = await testGpu();
    const dir = new URL("models/mnist-8", conformanceDir()).pathname;
    const session = await createSession(gpu, `${dir}/model.onnx`, { cacheDir: null });
    try {
      assert.equal(session.report.counts.cpu, 0);
      for (const set of [0, 1, 2]) {
        const x = await readTensorFile(`${dir}/test_data_set_${set}/input_0.pb`);
        const y = await readTensorFile(`${dir}/test_data_set_${set}/output_0.pb`);
        const out = await session.run({
          Input3: { dataType: "float", dims: x.dims, data: x.data },
        });
        assertCloseTensor(out.Plus214_Output_0!, { ...y, dims: y.dims }, 1e-5, `mnist set ${set}`);
      }
    } finally {
      await session.release();
    }
  },
);

gpuTest(
  "Session.run() matches onnxruntime on a ResNet basic block, replanning for a new batch",
  async () => {
    const gpu = await testGpu();
    const model = resnetBlockModel({ channels: 8, size: 10, batch: "N" });
    const session = await createSession(gpu, encodeModel(model), { cacheDir: null });
    try {
      for (const batch of [1, 3]) {
        const dims = [batch, 8, 10, 10];
        const x = { data: seededFloats(batch, 800 * batch), dims };
        const want = await ortOutputs(model, { x });
        const got = await session.run({ x });
        assertCloseTensor(got.y!, want.y!, 1e-4, `resnet block batch ${batch}`);
        assert.deepEqual(session.report.counts, { webgpu: 7, view: 0, host: 0, cpu: 0 });
        const conv = session.report.nodes.filter((n) => n.opType === "Conv");
        assert.ok(conv.every((n) => n.family === "conv2d" && n.configSource === "default"));
      }
    } finally {
      await session.release();
    }
  },
);

gpuTest(
  "Session.run() matches onnxruntime on a transformer encoder layer (seq 128, hidden 256)",
  async () => {
    const gpu = await testGpu();
    const model = transformerLayerModel();
    const input = model.graph.inputs[0]!;
    const dims = (input.type?.kind === "tensor" ? input.type.shape ?? [] : []).map((d) =>
      typeof d === "number" ? d : 1
    );
    const session = await createSession(gpu, encodeModel(model), {
      cacheDir: null,
      inputShapes: { [input.name]: dims },
    });
    try {
      const x = { data: seededFloats(3, dims.reduce((a, b) => a * b, 1)), dims };
      const want = await ortOutputs(model, { [input.name]: x });
      const got = await session.run({ [input.name]: x });
      for (const [name, t] of Object.entries(want)) {
        assertCloseTensor(got[name]!, t, 1e-4, `transformer ${name}`);
      }
      assert.equal(session.report.counts.cpu, 0);
      assert.ok(session.report.nodes.some((n) => n.family === "matmul"));
    } finally {
      await session.release();
    }
  },
);

gpuTest(
  "Session runs LSTM and If nodes on onnxruntime's CPU provider, and 'fallback: error' refuses them",
  async () => {
    const gpu = await testGpu();
    const model = lstmIfModel();
    const bytes = encodeModel(model);
    const input = model.graph.inputs[0]!;
    const dims = (input.type?.kind === "tensor" ? input.type.shape ?? [] : []).map((d) =>
      typeof d === "number" ? d : 2
    );
    const session = await createSession(gpu, bytes, {
      cacheDir: null,
      inputShapes: { [input.name]: dims },
    });
    try {
      for (const seed of [1, 2, 3]) {
        const x = { data: seededFloats(seed, dims.reduce((a, b) => a * b, 1), -2, 2), dims };
        const want = await ortOutputs(model, { [input.name]: x });
        const got = await session.run({ [input.name]: x });
        for (const [name, t] of Object.entries(want)) {
          assertCloseTensor(got[name]!, t, 1e-5, `lstm/if ${name}`);
        }
      }
      const cpu = session.report.nodes.filter((n) => n.where === "cpu").map((n) => n.opType);
      assert.ok(cpu.includes("LSTM") && cpu.includes("If"), cpu.join(","));
      assert.ok(session.report.counts.webgpu > 0);
    } finally {
      await session.release();
    }
    await assert.rejects(
      () =>
        createSession(gpu, bytes, {
          cacheDir: null,
          fallback: "error",
          inputShapes: { [input.name]: dims },
        }),
      (error: Error) => {
        assert.ok(error instanceof UnsupportedModelError);
        assert.match(error.message, /^the model needs onnxruntime's CPU provider for: .*LSTM.*If/);
        return true;
      },
    );
  },
);

gpuTest("Session.runGpu() leaves outputs on the GPU, equal to run()'s", async () => {
  const gpu = await testGpu();
  const model = buildModel({
    nodes: [buildNode("Relu", ["x"], ["a"]), buildNode("Mul", ["a", "a"], ["y"])],
    inputs: [valueInfo("x", "float", [2, 3])],
    outputs: [valueInfo("y", "float", [2, 3])],
  });
  const session = await createSession(gpu, encodeModel(model), { cacheDir: null });
  try {
    const data = Float32Array.from([-2, -1, 0, 1, 2, 3]);
    const host = await session.run({ x: { data, dims: [2, 3] } });
    const input = gpu.device.createBuffer({
      size: 32,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
    });
    gpu.device.queue.writeBuffer(input, 0, data);
    const { y } = await session.runGpu({ x: input });
    const staging = gpu.device.createBuffer({
      size: 24,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const encoder = gpu.device.createCommandEncoder();
    encoder.copyBufferToBuffer(y!, 0, staging, 0, 24);
    gpu.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    assert.deepEqual([...new Float32Array(staging.getMappedRange().slice(0))], [
      ...(host.y!.data as Float32Array),
    ]);
    assert.deepEqual([...(host.y!.data as Float32Array)], [0, 0, 0, 1, 4, 9]);
    staging.destroy();
    input.destroy();
  } finally {
    await session.release();
  }
});

gpuTest("Session with profile returns one row per GPU node with shares summing to 1", async () => {
  const gpu = await testGpu();
  const model = resnetBlockModel({ channels: 4, size: 6, batch: 1 });
  const session = await createSession(gpu, encodeModel(model), { cacheDir: null, profile: true });
  try {
    await session.run({ x: { data: seededFloats(1, 144), dims: [1, 4, 6, 6] } });
    const rows = session.lastProfile!;
    assert.equal(rows.length, session.report.counts.webgpu + session.report.counts.cpu);
    assert.ok(Math.abs(rows.reduce((a, r) => a + r.share, 0) - 1) < 1e-9);
    assert.ok(rows.every((r) => r.timeMs >= 0));
    assert.ok(rows.some((r) => r.family === "conv2d" && r.configSource === "default"));
  } finally {
    await session.release();
  }
});

gpuTest("createSession() and run() reject bad input in one line naming it", async () => {
  const gpu = await testGpu();
  const model = buildModel({
    nodes: [buildNode("Relu", ["x"], ["y"])],
    inputs: [valueInfo("x", "float", ["N", 3])],
    outputs: [valueInfo("y", "float", ["N", 3])],
  });
  const bytes = encodeModel(model);
  const session = await createSession(gpu, bytes, { cacheDir: null });
  try {
    const cases: [unknown, RegExp][] = [
      [{}, /^missing input 'x'/],
      [
        { x: { data: new Float32Array(6), dims: [2, 4] } },
        /^input 'x' has dims \[N, 3\]: got \[2, 4\]/,
      ],
      [
        { x: { data: new Float32Array(5), dims: [2, 3] } },
        /^input 'x' has 5 values for dims \[2, 3\]/,
      ],
      [{ x: { data: new Int32Array(6), dims: [2, 3] } }, /^input 'x' must be float: it is int32/],
      [{
        x: { data: new Float32Array(6), dims: [2, 3] },
        z: { data: new Float32Array(1), dims: [1] },
      }, /^'z' is not an input of the model/],
      [null, /^'feeds' must be an object/],
    ];
    for (const [feeds, pattern] of cases) {
      await assert.rejects(() => session.run(feeds as never), (e: Error) => {
        assert.match(e.message, pattern);
        return true;
      });
    }
  } finally {
    await session.release();
  }
  const rejects = (fn: () => Promise<unknown>, pattern: RegExp) =>
    assert.rejects(fn, (e: Error) => {
      assert.match(e.message, pattern);
      return true;
    });
  await rejects(
    () => createSession(gpu, bytes, { inputShapes: { x: [2] } }),
    /^input 'x' has rank 2/,
  );
  await rejects(
    () => createSession(gpu, bytes, { inputShapes: { y: [2] } }),
    /^'y' is not an input/,
  );
  await rejects(
    () => createSession(gpu, bytes, { fallback: "gpu" as never }),
    /^'fallback' must be/,
  );
  await rejects(() => createSession(gpu, bytes, { cacheDir: 5 as never }), /^'cacheDir' must be a/);
});

gpuTest(
  "Session runs element-wise chains in place: one buffer for the chain, values unchanged",
  async () => {
    const gpu = await testGpu();
    const model = buildModel({
      nodes: [
        buildNode("Relu", ["x"], ["a"]),
        buildNode("Sigmoid", ["a"], ["b"]),
        buildNode("Mul", ["b", "s"], ["c"]),
        buildNode("Tanh", ["c"], ["y"]),
      ],
      inputs: [valueInfo("x", "float", [4, 16]), valueInfo("s", "float", [16])],
      outputs: [valueInfo("y", "float", [4, 16])],
    });
    const session = await createSession(gpu, encodeModel(model), { cacheDir: null });
    try {
      const x = { data: seededFloats(5, 64, -3, 3), dims: [4, 16] };
      const s = { data: seededFloats(6, 16, -2, 2), dims: [16] };
      const got = await session.run({ x, s });
      const want = await ortOutputs(model, { x, s });
      assertCloseTensor(got.y!, want.y!, 1e-6, "in-place chain");
      const { plannedIntermediateBytes, unplannedIntermediateBytes } = session.report.memory;
      assert.equal(unplannedIntermediateBytes, 4 * 64 * 4);
      assert.equal(plannedIntermediateBytes, 64 * 4, "a, b, c and y share one buffer");
    } finally {
      await session.release();
    }
  },
);

gpuTest(
  "Session sends a program past llvmpipe's loop budget to the CPU provider, never a wrong number",
  async () => {
    const gpu = await testGpu();
    // An 80,000-wide reduction window: 1-D LpPool-free MaxPool over one long row, and a ReduceSum.
    const n = 80_000;
    const model = buildModel({
      nodes: [
        buildNode("MaxPool", ["x"], ["m"], { kernel_shape: [n] }),
        buildNode("ReduceSum", ["x"], ["s"], { keepdims: 1 }),
      ],
      inputs: [valueInfo("x", "float", [1, 1, n])],
      outputs: [valueInfo("m", "float", [1, 1, 1]), valueInfo("s", "float", [1, 1, 1])],
      opset: 11,
    });
    const session = await createSession(gpu, encodeModel(model), { cacheDir: null });
    try {
      const x = { data: seededFloats(9, n, -1, 1), dims: [1, 1, n] };
      x.data[71_234] = 5; // past the first 65,535 elements: a truncated loop would miss it
      const got = await session.run({ x });
      const want = await ortOutputs(model, { x });
      assertCloseTensor(got.m!, want.m!, 0, "max over 80,000");
      assertCloseTensor(got.s!, want.s!, 1e-4, "sum over 80,000");
      const where = Object.fromEntries(session.report.nodes.map((r) => [r.opType, r.where]));
      assert.deepEqual(where, { MaxPool: "cpu", ReduceSum: "webgpu" });
    } finally {
      await session.release();
    }
  },
);

gpuTest(
  "Session.kernelProblems() lists each tuned-family problem once, and tuning them makes every node 'tuned'",
  async () => {
    const gpu = await testGpu();
    const bytes = encodeModel(resnetBlockModel({ channels: 4, size: 6, batch: 1 }));
    const cacheDir = await Deno.makeTempDir({ prefix: "wgtune-session-problems-" });
    try {
      const untuned = await createSession(gpu, bytes, { cacheDir });
      const problems = untuned.kernelProblems();
      await untuned.release();
      // Both 3x3 convolutions of the block are the same problem.
      assert.equal(problems.length, 1);
      assert.equal(problems[0]!.op, "conv2d");
      assert.equal(problems[0]!.nodes, 2);
      for (const { op, problem } of problems) {
        await tune(gpu, { op, problem }, { maxEvals: 1, cacheDir, measureMs: 5 });
      }
      const tuned = await createSession(gpu, bytes, { cacheDir });
      try {
        const conv = tuned.report.nodes.filter((n) => n.opType === "Conv");
        assert.equal(conv.length, 2);
        assert.ok(conv.every((n) => n.configSource === "tuned"), JSON.stringify(conv));
      } finally {
        await tuned.release();
      }
    } finally {
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
);
