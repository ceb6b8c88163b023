import assert from "node:assert/strict";
import { GPU_AVAILABLE } from "../../tests/gpu_fixture.ts";
import { reduceOps } from "./reduce.ts";
import { checkOp, floatInput, ints, type OpCase } from "./testdata/op_check.ts";
import type { TestInput } from "./testdata/ort_node.ts";

const gen = reduceOps[0]!;
const check = (c: OpCase) => checkOp(gen, c);
const gpuTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: !GPU_AVAILABLE, fn });

const axesInput = (axes: readonly number[]): TestInput => ({
  type: "int64",
  dims: [axes.length],
  data: axes,
  initializer: true,
});

const reduce = (
  op: string,
  x: TestInput,
  axes: readonly number[] | undefined,
  keepdims = 1,
  noop = 0,
): OpCase => ({
  opType: op,
  opset: 18,
  attributes: [{ name: "keepdims", type: "int", value: keepdims }, {
    name: "noop_with_empty_axes",
    type: "int",
    value: noop,
  }],
  inputs: axes ? [x, axesInput(axes)] : [x],
});

const OPS = [
  "ReduceSum",
  "ReduceMean",
  "ReduceMax",
  "ReduceMin",
  "ReduceProd",
  "ReduceSumSquare",
  "ReduceL1",
  "ReduceL2",
  "ReduceLogSum",
  "ReduceLogSumExp",
];

for (const op of OPS) {
  gpuTest(
    `reduceOps ${op} matches onnxruntime, over axis sets with and without keepdims`,
    async () => {
      const x = floatInput([3, 5, 4, 7], 21, op === "ReduceLogSum" ? 0.1 : -2, 2);
      const cases: [number[] | undefined, number][] = [
        [[3], 1],
        [[-1], 0],
        [[0], 1],
        [[1, 3], 0],
        [[0, 2], 1],
        [[2, 1], 1],
        [[0, 1, 2, 3], 0],
        [undefined, 1],
        [[], 0],
      ];
      for (const [axes, keepdims] of cases) {
        await check({ ...reduce(op, x, axes, keepdims), tolerance: { rtol: 2e-5, atol: 2e-6 } });
      }
    },
  );
}

gpuTest(
  "reduceOps Reduce* match onnxruntime, when reducing 100,000 elements in one group",
  async () => {
    const x = floatInput([2, 100_000], 5, -1, 1);
    for (const op of ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceL2", "ReduceLogSumExp"]) {
      await check({ ...reduce(op, x, [1]), tolerance: { rtol: 1e-4, atol: 1e-5 } });
    }
    // Strided reduced axis, spanning the outer dimension.
    const y = floatInput([70_000, 2], 6, -1, 1);
    await check({ ...reduce("ReduceMin", y, [0], 0) });
  },
);

gpuTest(
  "reduceOps Reduce* match onnxruntime, when 70,000 output groups spread over x and y",
  async () => {
    await check(reduce("ReduceSum", floatInput([70_000, 40], 7), [1], 0));
  },
);

gpuTest("reduceOps noop_with_empty_axes copies the input, when axes are empty", async () => {
  const x = floatInput([2, 3], 1);
  await check(reduce("ReduceSum", x, [], 1, 1));
});

gpuTest("reduceOps integer reductions match onnxruntime, on int32 and int64", async () => {
  for (const type of ["int32", "int64"] as const) {
    const x: TestInput = { type, dims: [4, 9, 5], data: ints(4, 180, -20, 20) };
    for (const op of ["ReduceSum", "ReduceMax", "ReduceMin", "ReduceMean"]) {
      if (type === "int64" && op === "ReduceMean") continue;
      await check(reduce(op, x, [1]));
      await check(reduce(op, x, [0, 2], 0));
    }
  }
});

gpuTest("reduceOps ReduceSum matches onnxruntime, on zero-size inputs", async () => {
  await check(reduce("ReduceSum", floatInput([3, 0], 1), [1]));
  await check(reduce("ReduceSum", floatInput([0, 3], 1), [1]));
});

Deno.test("reduceOps plan() rejects an axis out of range, naming it", () => {
  assert.throws(
    () =>
      gen.plan({
        opType: "ReduceSum",
        attributes: {},
        inputs: [{ dims: [2, 3], dtype: "f32" }, { dims: [1], dtype: "i32" }],
        outputs: [{ dims: [2], dtype: "f32" }],
        constants: [undefined, [2]],
      }),
    /'axes' must be in \[-2, 1\]: it is 2/,
  );
});
