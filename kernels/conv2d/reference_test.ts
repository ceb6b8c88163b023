import assert from "node:assert/strict";
import { normalizeConv2dProblem } from "./problem.ts";
import { conv2dReference, conv2dTolerance, makeConv2dInputs } from "./reference.ts";

const tensors = (input: number[], weight: number[], bias?: number[]) => {
  const list = [
    { name: "input", data: new Float32Array(input) },
    { name: "weight", data: new Float32Array(weight) },
  ];
  if (bias) list.push({ name: "bias", data: new Float32Array(bias) });
  return list;
};

Deno.test("conv2dReference() matches a hand-computed 3×3 input, when padded by 1", () => {
  // Input 1..9 (one channel), kernel [[0, 1, 0], [1, 1, 1], [0, 1, 0]] (a "plus" sum).
  const p = normalizeConv2dProblem({
    batch: 1,
    inChannels: 1,
    height: 3,
    width: 3,
    outChannels: 1,
    kernelH: 3,
    kernelW: 3,
    padTop: 1,
    padLeft: 1,
    padBottom: 1,
    padRight: 1,
  });
  const out = conv2dReference(
    p,
    tensors([1, 2, 3, 4, 5, 6, 7, 8, 9], [0, 1, 0, 1, 1, 1, 0, 1, 0]),
  );
  assert.deepEqual([...out], [7, 11, 11, 17, 25, 23, 19, 29, 23]);
});

Deno.test("conv2dReference() applies stride, asymmetric pads and dilation, when combined", () => {
  // 1×5 input [1..5], kernel 1×2 [10, 1] dilated by 2, stride 2, padLeft 1, padRight 0:
  // padded row [0, 1, 2, 3, 4, 5]; outputs at columns 0, 2: 10·0 + 2, 10·2 + 4.
  const p = normalizeConv2dProblem({
    batch: 1,
    inChannels: 1,
    height: 1,
    width: 5,
    outChannels: 1,
    kernelH: 1,
    kernelW: 2,
    strideW: 2,
    dilationW: 2,
    padLeft: 1,
  });
  assert.deepEqual([...conv2dReference(p, tensors([1, 2, 3, 4, 5], [10, 1]))], [2, 24]);
});

Deno.test("conv2dReference() keeps groups apart and adds bias with ReLU6, when grouped", () => {
  // 2 groups: channel 0 → outputs 0, 1; channel 1 → outputs 2, 3. 1×1 image, 1×1 kernel.
  const p = normalizeConv2dProblem({
    batch: 1,
    inChannels: 2,
    height: 1,
    width: 1,
    outChannels: 4,
    kernelH: 1,
    kernelW: 1,
    groups: 2,
    bias: true,
    activation: "relu6",
  });
  const out = conv2dReference(p, tensors([2, 3], [1, -1, 4, 0.5], [0, 0, 0, 1]));
  assert.deepEqual([...out], [2, 0, 6, 2.5]);
});

Deno.test("conv2dReference() reads and writes channels last, when the layout is NHWC", () => {
  // 1×2 image with 2 channels in NHWC: pixel 0 = (1, 10), pixel 1 = (2, 20); one 1×1 output
  // channel summing both input channels, and one taking channel 1 only.
  const p = normalizeConv2dProblem({
    batch: 1,
    inChannels: 2,
    height: 1,
    width: 2,
    outChannels: 2,
    kernelH: 1,
    kernelW: 1,
    layout: "NHWC",
  });
  const out = conv2dReference(p, tensors([1, 10, 2, 20], [1, 1, 0, 1]));
  assert.deepEqual([...out], [11, 10, 22, 20]);
});

Deno.test("conv2dReference() throws a TypeError, when the bias tensor is missing", () => {
  const p = normalizeConv2dProblem({
    batch: 1,
    inChannels: 1,
    height: 1,
    width: 1,
    outChannels: 1,
    kernelH: 1,
    kernelW: 1,
    bias: true,
  });
  assert.throws(() => conv2dReference(p, tensors([1], [1])), /named 'bias'/);
});

Deno.test("makeConv2dInputs() is deterministic and sized by binding, when seeded", () => {
  const p = normalizeConv2dProblem({
    batch: 2,
    inChannels: 4,
    height: 5,
    width: 3,
    outChannels: 6,
    kernelH: 3,
    kernelW: 2,
    groups: 2,
    bias: true,
    dtype: "f16",
  });
  const a = makeConv2dInputs(p, 5);
  const b = makeConv2dInputs(p, 5);
  const c = makeConv2dInputs(p, 6);
  assert.deepEqual(a.map((t) => [t.name, t.data.length]), [
    ["input", 120],
    ["weight", 72],
    ["bias", 6],
  ]);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a[0]!.data, c[0]!.data);
  for (const tensor of a) {
    for (const v of tensor.data) {
      assert.equal(v, Math.f16round(v), "f16 values are already rounded");
      assert.ok(Math.abs(v) <= 1);
    }
  }
});

Deno.test("conv2dTolerance() grows with the reduction length and loosens for f16", () => {
  const shape = {
    batch: 1,
    inChannels: 8,
    height: 8,
    width: 8,
    outChannels: 8,
    kernelH: 3,
    kernelW: 3,
  };
  const small = conv2dTolerance(normalizeConv2dProblem(shape));
  const large = conv2dTolerance(normalizeConv2dProblem({ ...shape, inChannels: 512 }));
  const grouped = conv2dTolerance(
    normalizeConv2dProblem({ ...shape, inChannels: 512, outChannels: 64, groups: 64 }),
  );
  const half = conv2dTolerance(normalizeConv2dProblem({ ...shape, dtype: "f16" }));
  assert.ok(large.atol > small.atol);
  assert.equal(grouped.atol, small.atol, "per-group reduction length decides");
  assert.ok(half.rtol > small.rtol && half.atol > small.atol);
  assert.ok(small.atol < 1e-3 && half.rtol < 2e-3, "still tight enough to catch a missing tap");
});
