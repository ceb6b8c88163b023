/**
 * Sessions on models that stress the edges of the planner rather than its kernels: every ONNX
 * element type at the graph's boundary, outputs that are graph inputs or weights, scalar and empty
 * tensors, values whose shape only exists at run time (computed on the CPU provider and read on
 * after), omitted optional outputs, a newer opset than onnxruntime 1.23 knows, and float16 models.
 * Each is compared with onnxruntime's CPU provider on the same model (or with a float16 reference
 * computed here where onnxruntime-node cannot take float16 feeds in Deno).
 */
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { GPU_AVAILABLE, testGpu } from "../tests/gpu_fixture.ts";
import { buildModel, buildNode, buildTensor, valueInfo } from "../onnx/build.ts";
import type { OnnxModel } from "../onnx/model.ts";
import type { OnnxDataType } from "../onnx/data_type.ts";
import { encodeModel } from "../onnx/model_write.ts";
import type { HostTensor } from "./host_tensor.ts";
import { createSession } from "./session.ts";
import { assertOutputClose } from "./testdata/compare.ts";

const gpuTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: !GPU_AVAILABLE, fn });

const ORT_TYPE: Partial<Record<OnnxDataType, ort.Tensor.Type>> = {
  float: "float32",
  double: "float64",
  int64: "int64",
  int32: "int32",
  uint8: "uint8",
  int8: "int8",
  bool: "bool",
  string: "string",
};

/** The model on onnxruntime's CPU provider, feeds and outputs as host tensors. */
async function reference(
  model: OnnxModel,
  feeds: Readonly<Record<string, HostTensor>>,
): Promise<Record<string, HostTensor>> {
  const session = await ort.InferenceSession.create(encodeModel(model), {
    executionProviders: ["cpu"],
  });
  try {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      const type = ORT_TYPE[t.dataType]!;
      const data = t.dataType === "int64"
        ? BigInt64Array.from(t.data as ArrayLike<number>, (v) => BigInt(v))
        : t.data;
      // deno-lint-ignore no-explicit-any
      ortFeeds[name] = new ort.Tensor(type, data as any, [...t.dims]);
    }
    const result = await session.run(ortFeeds);
    const out: Record<string, HostTensor> = {};
    for (const name of session.outputNames) {
      const t = result[name]!;
      const dataType = Object.entries(ORT_TYPE).find(([, v]) => v === t.type)![0] as OnnxDataType;
      out[name] = { dataType, dims: [...t.dims], data: t.data as HostTensor["data"] };
    }
    return out;
  } finally {
    await session.release();
  }
}

async function checkModel(
  model: OnnxModel,
  feeds: Record<string, HostTensor>,
  label: string,
): Promise<Record<string, HostTensor>> {
  const want = await reference(model, feeds);
  const gpu = await testGpu();
  const session = await createSession(gpu, encodeModel(model), { cacheDir: null });
  try {
    for (let run = 0; run < 2; run++) {
      const got = await session.run(feeds);
      assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), `${label}: outputs`);
      for (const [name, t] of Object.entries(want)) {
        assertOutputClose(got[name], t, `${label} ${name} (run ${run})`, 1e-5);
      }
    }
    return want;
  } finally {
    await session.release();
  }
}

const t = (dataType: OnnxDataType, dims: number[], data: ArrayLike<number>): HostTensor => ({
  dataType,
  dims,
  data: buildTensor("", dataType, dims, Array.from(data)).data,
});

gpuTest(
  "Session.run() matches onnxruntime with int64, bool, uint8, double, string inputs and outputs",
  async () => {
    const model = buildModel({
      nodes: [
        buildNode("Cast", ["i"], ["i_f"], { to: 1 }),
        buildNode("Add", ["x", "i_f"], ["sum"]),
        buildNode("Where", ["b", "x", "zero"], ["picked"]),
        buildNode("Mul", ["d", "d"], ["d2"]),
        buildNode("Cast", ["u"], ["u64"], { to: 7 }),
        buildNode("Add", ["u64", "i"], ["ints"]),
        buildNode("Not", ["b"], ["nb"]),
        buildNode("ReduceSum", ["x"], ["total"], { keepdims: 0 }),
        buildNode("Identity", ["s"], ["s2"]),
        buildNode("Cast", ["d2"], ["d2f"], { to: 1 }),
        buildNode("Relu", ["d2f"], ["r"]),
        // A weight beyond 32 bits: the GPU stores int64 as i32, so this must not run there.
        buildNode("Min", ["i", "big"], ["imin"]),
        buildNode("Sub", ["big", "i"], ["ibig"]),
      ],
      inputs: [
        valueInfo("x", "float", [2, 3]),
        valueInfo("i", "int64", [2, 3]),
        valueInfo("b", "bool", [2, 3]),
        valueInfo("d", "double", [2, 3]),
        valueInfo("u", "uint8", [2, 3]),
        valueInfo("s", "string", [2]),
      ],
      initializers: [
        buildTensor("zero", "float", [], [0]),
        buildTensor("w", "int64", [2], [4, 5]),
        buildTensor("big", "int64", [1], [2 ** 40]),
      ],
      outputs: [
        valueInfo("sum", "float", [2, 3]),
        valueInfo("picked", "float", [2, 3]),
        valueInfo("d2", "double", [2, 3]),
        valueInfo("ints", "int64", [2, 3]),
        valueInfo("nb", "bool", [2, 3]),
        valueInfo("total", "float", []),
        valueInfo("s2", "string", [2]),
        valueInfo("r", "float", [2, 3]),
        valueInfo("imin", "int64", [2, 3]),
        valueInfo("ibig", "int64", [2, 3]),
        valueInfo("x", "float", [2, 3]), // a graph input
        valueInfo("w", "int64", [2]), // a weight
      ],
    });
    await checkModel(model, {
      x: t("float", [2, 3], [1.5, -2, 3, 0.25, -7, 8]),
      i: t("int64", [2, 3], [1, 2, -3, 4, 5, -6]),
      b: t("bool", [2, 3], [1, 0, 1, 1, 0, 0]),
      d: t("double", [2, 3], [1e-3, 2.5, -3, 1e10, 5, 6]),
      u: t("uint8", [2, 3], [0, 255, 7, 8, 9, 10]),
      s: { dataType: "string", dims: [2], data: ["a", "bc"] },
    }, "mixed");
  },
);

gpuTest(
  "Session.run() matches onnxruntime on empty tensors, and on values shaped only at run time",
  async () => {
    const model = buildModel({
      nodes: [
        buildNode("Relu", ["e"], ["e2"]),
        buildNode("Concat", ["e", "x"], ["cat"], { axis: 0 }),
        // NonZero's output length depends on the data: shape inference cannot know it.
        buildNode("Greater", ["x", "zero"], ["pos"]),
        buildNode("NonZero", ["pos"], ["nz"]),
        buildNode("Cast", ["nz"], ["nzf"], { to: 1 }),
        buildNode("Mul", ["nzf", "two"], ["nz2"]),
        buildNode("Transpose", ["nz2"], ["nzt"]),
        buildNode("ReduceSum", ["nzt"], ["nzs"], { keepdims: 1 }),
        buildNode("Add", ["nzs", "x"], ["mixed"]),
      ],
      inputs: [valueInfo("e", "float", [0, 3]), valueInfo("x", "float", [2, 3])],
      initializers: [buildTensor("zero", "float", [], [0]), buildTensor("two", "float", [], [2])],
      outputs: [
        valueInfo("e2", "float", [0, 3]),
        valueInfo("cat", "float", [2, 3]),
        valueInfo("nzt", "float", undefined),
        valueInfo("mixed", "float", undefined),
      ],
    });
    await checkModel(model, {
      e: t("float", [0, 3], []),
      x: t("float", [2, 3], [1, -2, 3, -4, 5, 6]),
    }, "empty/unknown");
  },
);

gpuTest(
  "Session.run() matches onnxruntime on omitted optional outputs and an opset-25 model",
  async () => {
    const hidden = 3;
    const w = buildTensor(
      "W",
      "float",
      [1, 4 * hidden, 2],
      Array.from({ length: 24 }, (_, i) => Math.sin(i)),
    );
    const r = buildTensor(
      "R",
      "float",
      [1, 4 * hidden, hidden],
      Array.from({ length: 36 }, (_, i) => Math.cos(i) / 2),
    );
    const model = buildModel({
      opset: 25,
      irVersion: 12,
      nodes: [
        // Y omitted, Y_h kept, Y_c omitted: a middle output is absent.
        buildNode("LSTM", ["x", "W", "R"], ["", "yh"], { hidden_size: hidden }),
        buildNode("Relu", ["x"], ["rx"]),
        buildNode("Dropout", ["rx"], ["dx", ""]),
        buildNode("Sigmoid", ["dx"], ["y"]),
      ],
      inputs: [valueInfo("x", "float", [4, 1, 2])],
      initializers: [w, r],
      outputs: [valueInfo("yh", "float", [1, 1, hidden]), valueInfo("y", "float", [4, 1, 2])],
    });
    const x = t("float", [4, 1, 2], [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8]);
    // onnxruntime 1.23 refuses opset 25 itself: the reference is the same graph at opset 23.
    const want = await reference({
      ...model,
      irVersion: 11,
      opsetImports: [{ domain: "", version: 23 }],
    }, { x });
    const gpu = await testGpu();
    const session = await createSession(gpu, encodeModel(model), { cacheDir: null });
    try {
      const got = await session.run({ x });
      for (const [name, tensor] of Object.entries(want)) {
        assertOutputClose(got[name], tensor, `opset 25 ${name}`, 1e-5);
      }
      const where = Object.fromEntries(session.report.nodes.map((n) => [n.opType, n.where]));
      assert.equal(where.LSTM, "cpu");
      assert.equal(where.Sigmoid, "webgpu");
    } finally {
      await session.release();
    }
  },
);

gpuTest("Session.run() takes and returns float16 tensors, computing in f32", async () => {
  const model = buildModel({
    nodes: [
      buildNode("Add", ["x", "c"], ["a"]),
      buildNode("Relu", ["a"], ["y"]),
      buildNode("Cast", ["y"], ["y32"], { to: 1 }),
    ],
    inputs: [valueInfo("x", "float16", [2, 2])],
    initializers: [buildTensor("c", "float16", [2], [0.5, -1])],
    outputs: [valueInfo("y", "float16", [2, 2]), valueInfo("y32", "float", [2, 2])],
  });
  const gpu = await testGpu();
  const session = await createSession(gpu, encodeModel(model), { cacheDir: null });
  try {
    const x = Float16Array.from([1.25, 0.5, -3, 2.75]);
    for (
      const feed of [{ dataType: "float16" as const, dims: [2, 2], data: x }, {
        data: x,
        dims: [2, 2],
      }]
    ) {
      const got = await session.run({ x: feed as never });
      const want = [1.75, 0, 0, 1.75];
      assert.equal(got.y!.dataType, "float16");
      assert.ok(got.y!.data instanceof Float16Array);
      assert.deepEqual([...got.y!.data as Float16Array], want);
      assert.deepEqual([...got.y32!.data as Float32Array], want);
    }
    assert.equal(session.report.counts.cpu, 0);
  } finally {
    await session.release();
  }
});

gpuTest(
  "Session runs a Slice with INT64_MAX-like ends on WebGPU, but a Min with such a weight on the CPU",
  async () => {
    const model = buildModel({
      nodes: [
        buildNode("Slice", ["x", "starts", "ends", "axes"], ["y"]),
        buildNode("Min", ["i", "big"], ["m"]),
      ],
      inputs: [valueInfo("x", "float", [2, 3]), valueInfo("i", "int64", [2])],
      initializers: [
        buildTensor("starts", "int64", [1], [1]),
        buildTensor("ends", "int64", [1], [2 ** 40]),
        buildTensor("axes", "int64", [1], [1]),
        buildTensor("big", "int64", [1], [2 ** 40]),
      ],
      outputs: [valueInfo("y", "float", [2, 2]), valueInfo("m", "int64", [2])],
    });
    await checkModel(model, {
      x: t("float", [2, 3], [1, 2, 3, 4, 5, 6]),
      i: t("int64", [2], [-5, 7]),
    }, "wide ints");
    const gpu = await testGpu();
    const session = await createSession(gpu, encodeModel(model), { cacheDir: null });
    try {
      const where = Object.fromEntries(session.report.nodes.map((n) => [n.opType, n]));
      assert.equal(where.Slice!.where, "webgpu");
      assert.equal(where.Min!.where, "cpu");
      assert.match(where.Min!.reason!, /'big' holds integers beyond 32 bits/);
    } finally {
      await session.release();
    }
  },
);

gpuTest(
  "Session.run() takes onnxruntime's own tensors as feeds, strings and bools included",
  async () => {
    const model = buildModel({
      nodes: [buildNode("Not", ["b"], ["nb"]), buildNode("Identity", ["s"], ["s2"])],
      inputs: [valueInfo("b", "bool", [3]), valueInfo("s", "string", [2])],
      outputs: [valueInfo("nb", "bool", [3]), valueInfo("s2", "string", [2])],
    });
    const gpu = await testGpu();
    const session = await createSession(gpu, encodeModel(model), { cacheDir: null });
    try {
      const got = await session.run({
        b: new ort.Tensor("bool", Uint8Array.from([1, 0, 1]), [3]),
        s: new ort.Tensor("string", ["x", "yz"], [2]),
      } as never);
      assert.equal(got.nb!.dataType, "bool");
      assert.deepEqual([...got.nb!.data as Uint8Array], [0, 1, 0]);
      assert.deepEqual(got.s2!.data, ["x", "yz"]);
    } finally {
      await session.release();
    }
  },
);

gpuTest(
  "Session.run() matches onnxruntime when a CPU segment reads a value of unknown type from another",
  async () => {
    // com.microsoft's Gelu: onnxruntime runs it, shape inference here does not know its output.
    const model = buildModel({
      opsetImports: [{ domain: "com.microsoft", version: 1 }],
      nodes: [
        // One CPU segment: u of unknown type, h (Hardmax has no WebGPU kernel) of a known one.
        buildNode("Gelu", ["x"], ["u"], {}, { domain: "com.microsoft" }),
        buildNode("Hardmax", ["x"], ["h"]),
        buildNode("Add", ["u", "x"], ["u2"]),
        // A GPU node between the segments, reading h.
        buildNode("Relu", ["h"], ["g"]),
        // A second CPU segment reads u2 (unknown type) and g.
        buildNode("Add", ["u2", "g"], ["y"]),
        buildNode("Gelu", ["y"], ["z"], {}, { domain: "com.microsoft" }),
      ],
      inputs: [valueInfo("x", "float", [2, 3])],
      outputs: [valueInfo("z", "float", [2, 3]), valueInfo("u", "float", undefined)],
    });
    await checkModel(model, { x: t("float", [2, 3], [-1, 0.5, 2, -0.25, 3, 0]) }, "unknown type");
  },
);

gpuTest(
  "Session.run() matches onnxruntime on a model without nodes and on outputs computed at plan time",
  async () => {
    const empty = buildModel({
      nodes: [],
      inputs: [valueInfo("x", "float", [2])],
      outputs: [valueInfo("x", "float", [2])],
    });
    await checkModel(empty, { x: t("float", [2], [1, -1]) }, "no nodes");
    const folded = buildModel({
      nodes: [
        buildNode("Shape", ["x"], ["shape"]),
        buildNode("Cast", ["shape"], ["shapef"], { to: 1 }),
        buildNode("Mul", ["x", "x"], ["sq"]),
      ],
      inputs: [valueInfo("x", "float", ["N", 3])],
      outputs: [
        valueInfo("shape", "int64", [2]),
        valueInfo("shapef", "float", [2]),
        valueInfo("sq", "float", ["N", 3]),
      ],
    });
    await checkModel(folded, { x: t("float", [2, 3], [1, 2, 3, 4, 5, 6]) }, "folded");
  },
);

gpuTest(
  "Session runs nodes whose trailing optional outputs are omitted on WebGPU, matching onnxruntime",
  async () => {
    const model = buildModel({
      nodes: [
        buildNode("LayerNormalization", ["x", "scale", "bias"], ["y", "", ""]),
        buildNode("MaxPool", ["x4"], ["p", ""], { kernel_shape: [2, 2] }),
      ],
      inputs: [valueInfo("x", "float", [2, 4]), valueInfo("x4", "float", [1, 1, 3, 3])],
      initializers: [
        buildTensor("scale", "float", [4], [1, 2, 0.5, -1]),
        buildTensor("bias", "float", [4], [0, 0.25, -0.5, 1]),
      ],
      outputs: [valueInfo("y", "float", [2, 4]), valueInfo("p", "float", [1, 1, 2, 2])],
    });
    await checkModel(model, {
      x: t("float", [2, 4], [1, 2, 3, 4, -1, 0.5, 2, 8]),
      x4: t("float", [1, 1, 3, 3], [1, 5, 2, -3, 4, 0, 7, 8, -9]),
    }, "trailing omitted");
    const gpu = await testGpu();
    const session = await createSession(gpu, encodeModel(model), { cacheDir: null });
    try {
      assert.deepEqual(session.report.counts, { webgpu: 2, view: 0, host: 0, cpu: 0 });
    } finally {
      await session.release();
    }
  },
);
