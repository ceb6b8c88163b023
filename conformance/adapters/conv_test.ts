import assert from "node:assert/strict";
import { conv2dReference } from "../../kernels/conv2d/reference.ts";
import { normalizeConv2dProblem } from "../../kernels/conv2d/problem.ts";
import type { OnnxAttribute } from "../../onnx/graph.ts";
import { type ConformanceCase, UnsupportedCase } from "../case.ts";
import { floatTensor, type RecordedCall, recordingExecutor } from "../_recording_executor.ts";
import { convAdapter, convPads } from "./conv.ts";

const ints = (name: string, value: number[]): OnnxAttribute => ({
  name,
  docString: "",
  type: "ints",
  value,
});
const str = (name: string, value: string): OnnxAttribute => ({
  name,
  docString: "",
  type: "string",
  value,
});
const floats = (name: string, value: number[]): OnnxAttribute => ({
  name,
  docString: "",
  type: "floats",
  value,
});

function convCase(
  x: number[],
  w: number[],
  attributes: OnnxAttribute[] = [],
  options: { domain?: string; opType?: string; xValues?: number[]; wValues?: number[] } = {},
): ConformanceCase {
  return {
    id: "test",
    source: "ort-web-ops",
    opType: options.opType ?? "Conv",
    domain: options.domain ?? "",
    opset: 11,
    attributes: Object.fromEntries(attributes.map((a) => [a.name, a])),
    inputs: [floatTensor(x, options.xValues), floatTensor(w, options.wValues)],
    outputs: [],
  };
}

/** Answers conv2d calls with the family's own float64 reference. */
const conv2dByReference = (call: RecordedCall) =>
  conv2dReference(
    normalizeConv2dProblem(call.problem),
    Object.entries(call.inputs).map(([name, data]) => ({ name, data: Float32Array.from(data) })),
  );

Deno.test("convPads() pads SAME_UPPER at the end, SAME_LOWER at the start", () => {
  assert.deepEqual(convPads("SAME_UPPER", undefined, [4], [2], [1], [1]), [{ begin: 0, end: 1 }]);
  assert.deepEqual(convPads("SAME_LOWER", undefined, [4], [2], [1], [1]), [{ begin: 1, end: 0 }]);
  // out = ceil(7 / 2) = 4; total = 3·2 + (3 − 1)·2 + 1 − 7 = 4.
  assert.deepEqual(convPads("SAME_UPPER", undefined, [7], [3], [2], [2]), [{ begin: 2, end: 2 }]);
  // Stride larger than the kernel: no padding needed.
  assert.deepEqual(convPads("SAME_UPPER", undefined, [6], [1], [3], [1]), [{ begin: 0, end: 0 }]);
  assert.deepEqual(convPads("VALID", undefined, [5, 5], [3, 3], [1, 1], [1, 1]), [
    { begin: 0, end: 0 },
    { begin: 0, end: 0 },
  ]);
  assert.deepEqual(convPads("NOTSET", [1, 2, 3, 4], [5, 5], [3, 3], [1, 1], [1, 1]), [
    { begin: 1, end: 3 },
    { begin: 2, end: 4 },
  ]);
  assert.throws(() => convPads("NOTSET", [1, 2], [5, 5], [3, 3], [1, 1], [1, 1]), RangeError);
  assert.throws(() => convPads("SAME", undefined, [5], [3], [1], [1]), RangeError);
});

Deno.test("convAdapter.plan() maps a 2-D Conv's attributes onto the conv2d problem", async () => {
  const plan = convAdapter.plan(
    convCase([1, 4, 7, 5], [6, 2, 3, 3], [
      ints("strides", [2, 1]),
      ints("dilations", [1, 2]),
      ints("pads", [1, 0, 2, 3]),
      { name: "group", docString: "", type: "int", value: 2 },
    ]),
  );
  // H: (7 + 3 − 3) / 2 + 1 = 4; W: (5 + 3 − 5) / 1 + 1 = 4.
  assert.deepEqual(plan.shapes, [[1, 6, 4, 4]]);
  const exec = recordingExecutor(() => new Float32Array(96));
  await plan.run(exec);
  assert.deepEqual(exec.calls[0]?.problem, {
    batch: 1,
    inChannels: 4,
    height: 7,
    width: 5,
    outChannels: 6,
    kernelH: 3,
    kernelW: 3,
    strideH: 2,
    strideW: 1,
    padTop: 1,
    padLeft: 0,
    padBottom: 2,
    padRight: 3,
    dilationH: 1,
    dilationW: 2,
    groups: 2,
    layout: "NCHW",
    activation: "none",
    bias: false,
    dtype: "f32",
  });
});

Deno.test("convAdapter.plan() runs 1-D convolutions with height 1", async () => {
  const plan = convAdapter.plan(convCase([1, 2, 5], [3, 2, 2], [str("auto_pad", "SAME_UPPER")]));
  assert.deepEqual(plan.shapes, [[1, 3, 5]]);
  const exec = recordingExecutor(() => new Float32Array(15));
  await plan.run(exec);
  const p = exec.calls[0]!.problem;
  assert.deepEqual([p.height, p.width, p.kernelH, p.kernelW, p.padTop, p.padLeft, p.padRight], [
    1,
    5,
    1,
    2,
    0,
    0,
    1,
  ]);
});

Deno.test("convAdapter.plan() computes 3-D convolutions by unfolding depth into channels", async () => {
  // X [1, 2, 4, 2, 3], W [3, 2, 2, 1, 2], stride 2 in depth, dilation 1, pads 1 in depth.
  const x = Array.from({ length: 48 }, (_, i) => Math.sin(i + 1));
  const w = Array.from({ length: 24 }, (_, i) => Math.cos(i));
  const plan = convAdapter.plan(
    convCase([1, 2, 4, 2, 3], [3, 2, 2, 1, 2], [
      ints("strides", [2, 1, 1]),
      ints("pads", [1, 0, 0, 1, 0, 0]),
    ], {
      xValues: x,
      wValues: w,
    }),
  );
  const outD = Math.floor((4 + 2 - 2) / 2) + 1; // 3
  assert.deepEqual(plan.shapes, [[1, 3, outD, 2, 2]]);
  const [y] = await plan.run(recordingExecutor(conv2dByReference));
  // Direct 3-D convolution, written out.
  const X = (c: number, d: number, h: number, v: number) =>
    d < 0 || d >= 4 ? 0 : Math.fround(x[((c * 4 + d) * 2 + h) * 3 + v]!);
  const expected: number[] = [];
  for (let m = 0; m < 3; m++) {
    for (let od = 0; od < outD; od++) {
      for (let oh = 0; oh < 2; oh++) {
        for (let ow = 0; ow < 2; ow++) {
          let sum = 0;
          for (let c = 0; c < 2; c++) {
            for (let kd = 0; kd < 2; kd++) {
              for (let kw = 0; kw < 2; kw++) {
                sum += X(c, od * 2 - 1 + kd, oh, ow + kw) *
                  Math.fround(w[((m * 2 + c) * 2 + kd) * 2 + kw]!);
              }
            }
          }
          expected.push(sum);
        }
      }
    }
  }
  const got = Array.from(y!);
  assert.equal(got.length, expected.length);
  got.forEach((v, i) =>
    assert.ok(Math.abs(v - expected[i]!) < 1e-5, `y[${i}] = ${v}, expected ${expected[i]}`)
  );
});

Deno.test("convAdapter.plan() maps NHWC Conv and fused activations", async () => {
  const nhwc = convAdapter.plan(
    convCase([1, 3, 3, 2], [4, 2, 2, 2], [str("activation", "Relu")], {
      domain: "com.ms.internal.nhwc",
    }),
  );
  assert.deepEqual(nhwc.shapes, [[1, 2, 2, 4]]);
  const exec = recordingExecutor(() => [-10, 0, 0.5, 10]);
  await nhwc.run(exec);
  assert.equal(exec.calls[0]?.problem.layout, "NHWC");
  assert.equal(exec.calls[0]?.problem.activation, "relu");
  const fused = (activation: string, params: number[]) =>
    convAdapter.plan(
      convCase([1, 1, 2, 3], [1, 1, 1, 2], [
        str("activation", activation),
        floats("activation_params", params),
      ], {
        opType: "FusedConv",
        domain: "com.microsoft",
      }),
    );
  const relu6 = fused("Clip", [0, 6]);
  await relu6.run(exec);
  assert.equal(exec.calls.at(-1)?.problem.activation, "relu6");
  assert.deepEqual(Array.from((await fused("HardSigmoid", [0.1, 0.5]).run(exec))[0]!), [
    0,
    0.5,
    0.55,
    1,
  ]);
  assert.deepEqual(Array.from((await fused("LeakyRelu", [0.5]).run(exec))[0]!), [-5, 0, 0.5, 10]);
  assert.deepEqual(Array.from((await fused("Clip", [0, 1]).run(exec))[0]!), [0, 0, 0.5, 1]);
  assert.equal(exec.calls.at(-1)?.problem.activation, "none");
});

Deno.test("convAdapter.plan() rejects what it cannot map and malformed cases", () => {
  assert.throws(
    () => convAdapter.plan(convCase([1, 1, 2, 2, 2, 2], [1, 1, 1, 1, 1, 1])),
    UnsupportedCase,
  );
  assert.throws(
    () => convAdapter.plan(convCase([1, 1, 4, 4], [1, 1, 3, 3], [ints("kernel_shape", [2, 2])])),
    RangeError,
  );
  assert.throws(() => convAdapter.plan(convCase([1, 3, 4, 4], [1, 2, 3, 3])), RangeError);
  const withZ = convCase([1, 1, 3, 3], [1, 1, 2, 2], [], {
    opType: "FusedConv",
    domain: "com.microsoft",
  });
  assert.throws(
    () =>
      convAdapter.plan({
        ...withZ,
        inputs: [...withZ.inputs, undefined, floatTensor([1, 1, 2, 2])],
      }),
    UnsupportedCase,
  );
});
