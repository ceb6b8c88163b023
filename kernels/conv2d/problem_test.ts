import assert from "node:assert/strict";
import {
  conv2dDims,
  conv2dFlops,
  conv2dOutputHeight,
  conv2dOutputWidth,
  conv2dProblemKey,
  conv2dTensorSizes,
  normalizeConv2dProblem,
} from "./problem.ts";

const BASE = {
  batch: 2,
  inChannels: 6,
  height: 10,
  width: 9,
  outChannels: 4,
  kernelH: 3,
  kernelW: 3,
};

Deno.test("normalizeConv2dProblem() fills ONNX defaults, when only sizes are given", () => {
  assert.deepEqual({ ...normalizeConv2dProblem(BASE) }, {
    ...BASE,
    strideH: 1,
    strideW: 1,
    dilationH: 1,
    dilationW: 1,
    groups: 1,
    padTop: 0,
    padLeft: 0,
    padBottom: 0,
    padRight: 0,
    layout: "NCHW",
    activation: "none",
    bias: false,
    dtype: "f32",
  });
});

Deno.test("normalizeConv2dProblem() throws errors naming the field, when a field is bad", () => {
  const cases: Array<[Record<string, unknown>, ErrorConstructor, RegExp]> = [
    [{ ...BASE, batch: 0 }, RangeError, /'batch' must be a positive integer: current value is 0/],
    [{ ...BASE, kernelW: 2.5 }, RangeError, /'kernelW' .* 2\.5/],
    [{ ...BASE, height: "10" }, TypeError, /'height' .* '10'/],
    [{ ...BASE, inChannels: undefined }, TypeError, /'inChannels'/],
    [{ ...BASE, strideH: 0 }, RangeError, /'strideH' .* 0/],
    [{ ...BASE, padLeft: -1 }, RangeError, /'padLeft' must be a non-negative integer.* -1/],
    [
      { ...BASE, groups: 4 },
      RangeError,
      /'groups' must divide inChannels \(6\): current value is 4/,
    ],
    [
      { ...BASE, groups: 3 },
      RangeError,
      /'groups' must divide outChannels \(4\): current value is 3/,
    ],
    [{ ...BASE, layout: "NCWH" }, RangeError, /'layout' .* 'NCWH'/],
    [{ ...BASE, activation: "gelu" }, RangeError, /'activation' .* 'gelu'/],
    [{ ...BASE, dtype: "f64" }, RangeError, /'dtype' .* 'f64'/],
    [{ ...BASE, bias: 1 }, TypeError, /'bias' must be a boolean: current value is 1/],
    [{ ...BASE, kernelH: 11 }, RangeError, /output height .* 'height' 10/],
    [{ ...BASE, kernelW: 4, dilationW: 3 }, RangeError, /output width .* 'width' 9/],
    [{ ...BASE, stride: 2 }, RangeError, /unknown field 'stride'/],
  ];
  for (const [problem, type, message] of cases) {
    assert.throws(() => normalizeConv2dProblem(problem), (error: Error) => {
      assert.ok(error instanceof type, `${JSON.stringify(problem)}: ${error}`);
      assert.match(error.message, message);
      return true;
    });
  }
  assert.throws(() => normalizeConv2dProblem(null), TypeError);
  assert.throws(() => normalizeConv2dProblem([1, 2]), TypeError);
});

Deno.test("conv2dOutputHeight() and conv2dOutputWidth() follow ONNX, when strided, padded and dilated", () => {
  // (10 + 2 + 1 − 2·(3 − 1) − 1) / 2 + 1 = 5; (9 + 0 + 3 − 1·(3 − 1) − 1) / 3 + 1 = 4.
  const p = normalizeConv2dProblem({
    ...BASE,
    strideH: 2,
    strideW: 3,
    padTop: 2,
    padBottom: 1,
    padRight: 3,
    dilationH: 2,
  });
  assert.equal(conv2dOutputHeight(p), 5);
  assert.equal(conv2dOutputWidth(p), 4);
  // A kernel larger than the image still fits with enough padding.
  const wide = normalizeConv2dProblem({ ...BASE, kernelW: 11, padLeft: 1, padRight: 1 });
  assert.equal(conv2dOutputWidth(wide), 1);
});

Deno.test("conv2dDims() and conv2dTensorSizes() give per-group GEMM sizes, when grouped", () => {
  const p = normalizeConv2dProblem({ ...BASE, groups: 2, bias: true, padTop: 1, padBottom: 1 });
  const dims = conv2dDims(p);
  assert.deepEqual({ ...dims }, { outH: 10, outW: 7, cg: 3, ng: 2, k: 27, m: 140 });
  assert.deepEqual(conv2dTensorSizes(p), { input: 1080, weight: 108, bias: 4, output: 560 });
  assert.equal(conv2dTensorSizes(normalizeConv2dProblem(BASE)).bias, 0);
});

Deno.test("conv2dFlops() counts 2·N·K·OH·OW·(C/groups)·kH·kW, when depthwise", () => {
  const p = normalizeConv2dProblem({
    batch: 1,
    inChannels: 32,
    height: 8,
    width: 8,
    outChannels: 32,
    kernelH: 3,
    kernelW: 3,
    padTop: 1,
    padLeft: 1,
    padBottom: 1,
    padRight: 1,
    groups: 32,
  });
  assert.equal(conv2dFlops(p), 2 * 32 * 8 * 8 * 1 * 9);
});

Deno.test("conv2dProblemKey() is stable and tells apart every field that changes the kernel", () => {
  const p = normalizeConv2dProblem(BASE);
  assert.equal(conv2dProblemKey(p), "f32_nchw_n2_c6_h10_w9_k4_r3_s3_str1x1_pad0x0x0x0_dil1x1_g1");
  assert.equal(conv2dProblemKey(normalizeConv2dProblem({ ...BASE })), conv2dProblemKey(p));
  const variants: Record<string, unknown>[] = [
    { strideW: 2 },
    { padRight: 1 },
    { padBottom: 1 },
    { dilationH: 2 },
    { groups: 2 },
    { layout: "NHWC" },
    { activation: "relu" },
    { activation: "relu6" },
    { bias: true },
    { dtype: "f16" },
    { kernelW: 1 },
  ];
  const keys = new Set([conv2dProblemKey(p)]);
  for (const variant of variants) {
    const key = conv2dProblemKey(normalizeConv2dProblem({ ...BASE, ...variant }));
    assert.match(key, /^[a-z0-9_]+$/);
    keys.add(key);
  }
  assert.equal(keys.size, variants.length + 1);
});
