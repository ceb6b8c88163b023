import assert from "node:assert/strict";
import { GPU_AVAILABLE } from "../../tests/gpu_fixture.ts";
import { normalizationOps } from "./normalization.ts";
import { checkOp, floatInput, type OpCase } from "./testdata/op_check.ts";
import type { TestInput } from "./testdata/ort_node.ts";

function check(c: OpCase) {
  const g = normalizationOps.find((x) => x.opTypes.includes(c.opType))!;
  return checkOp(g, c);
}
const gpuTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: !GPU_AVAILABLE, fn });
const axisAttr = (value: number) => [{ name: "axis", type: "int" as const, value }];
const initializer = (x: TestInput): TestInput => ({ ...x, initializer: true });

for (const op of ["Softmax", "LogSoftmax"]) {
  gpuTest(`normalizationOps ${op} matches onnxruntime, on every axis incl. negative`, async () => {
    const x = floatInput([3, 5, 7], 1, -10, 10);
    for (const axis of [-1, 0, 1, 2, -2]) {
      await check({ opType: op, opset: 13, attributes: axisAttr(axis), inputs: [x] });
    }
    // Rows of 200: one workgroup per row, strided (axis 1) and contiguous (axis 2).
    const wide = floatInput([2, 200, 3], 3, -10, 10);
    for (const axis of [1, -1]) {
      await check({ opType: op, opset: 13, attributes: axisAttr(axis), inputs: [wide] });
    }
    await check({ opType: op, opset: 13, inputs: [floatInput([3, 200], 4, -10, 10)] });
    await check({ opType: op, opset: 13, inputs: [floatInput([1], 2)] });
    await check({ opType: op, opset: 13, inputs: [floatInput([4, 0], 2)] });
  });
}

gpuTest("normalizationOps Softmax gives masked (-inf) entries zero weight", async () => {
  const data = [-Infinity, 1, 2, -Infinity, 0.5, -Infinity, -Infinity, 3];
  for (const dims of [[2, 4], [2, 4 * 20]]) {
    const n = dims[0]! * dims[1]!;
    await check({
      opType: "Softmax",
      opset: 13,
      inputs: [{ type: "float", dims, data: Array.from({ length: n }, (_, i) => data[i % 8]!) }],
    });
  }
});

gpuTest(
  "normalizationOps Softmax matches onnxruntime, on long rows (100,000 elements)",
  async () => {
    await check({
      opType: "Softmax",
      opset: 13,
      inputs: [floatInput([2, 100_000], 3, -20, 20)],
      tolerance: { rtol: 1e-4, atol: 1e-6 },
    });
    await check({
      opType: "Softmax",
      opset: 13,
      attributes: axisAttr(0),
      inputs: [floatInput([70_000, 2], 4, -5, 5)],
      tolerance: { rtol: 1e-4, atol: 1e-6 },
    });
  },
);

gpuTest(
  "normalizationOps LayerNormalization matches onnxruntime, with stash outputs and bias",
  async () => {
    const x = floatInput([2, 3, 10], 5, -4, 6);
    for (const axis of [-1, 1, 0]) {
      const rowDims = x.dims.slice(axis < 0 ? axis + 3 : axis);
      await check({
        opType: "LayerNormalization",
        opset: 17,
        attributes: [...axisAttr(axis), { name: "epsilon", type: "float", value: 1e-3 }],
        inputs: [x, initializer(floatInput(rowDims, 6)), initializer(floatInput(rowDims, 7))],
        outputs: 3,
        tolerance: { rtol: 1e-4, atol: 1e-5 },
      });
    }
    // No bias, one output, scale broadcast over the row.
    await check({
      opType: "LayerNormalization",
      opset: 17,
      inputs: [x, floatInput([10], 8)],
      tolerance: { rtol: 1e-4, atol: 1e-5 },
    });
    // Long rows.
    await check({
      opType: "LayerNormalization",
      opset: 17,
      inputs: [floatInput([2, 70_000], 9), floatInput([70_000], 10)],
      outputs: 3,
      tolerance: { rtol: 1e-3, atol: 1e-4 },
    });
  },
);

gpuTest("normalizationOps InstanceNormalization matches onnxruntime", async () => {
  await check({
    opType: "InstanceNormalization",
    opset: 6,
    inputs: [floatInput([2, 3, 4, 5], 1), floatInput([3], 2), floatInput([3], 3)],
    tolerance: { rtol: 1e-4, atol: 1e-5 },
  });
});

gpuTest(
  "normalizationOps GroupNormalization matches onnxruntime, per channel (opset 21) and per group (18)",
  async () => {
    await check({
      opType: "GroupNormalization",
      opset: 21,
      attributes: [{ name: "num_groups", type: "int", value: 2 }, {
        name: "epsilon",
        type: "float",
        value: 1e-3,
      }],
      inputs: [floatInput([2, 6, 3, 5], 1), floatInput([6], 2), floatInput([6], 3)],
      tolerance: { rtol: 1e-4, atol: 1e-5 },
    });
    // Opset 18: scale and bias per group.
    await check({
      opType: "GroupNormalization",
      opset: 18,
      attributes: [{ name: "num_groups", type: "int", value: 3 }],
      inputs: [floatInput([1, 6, 7], 4), floatInput([3], 5), floatInput([3], 6)],
      tolerance: { rtol: 1e-4, atol: 1e-5 },
    });
  },
);

gpuTest("normalizationOps BatchNormalization matches onnxruntime, in inference mode", async () => {
  for (const dims of [[2, 3, 4, 5], [4, 3], [1, 3, 7]]) {
    await check({
      opType: "BatchNormalization",
      opset: 15,
      attributes: [{ name: "epsilon", type: "float", value: 1e-3 }],
      inputs: [
        floatInput(dims, 1),
        floatInput([3], 2),
        floatInput([3], 3),
        floatInput([3], 4),
        floatInput([3], 5, 0.1, 2),
      ],
      tolerance: { rtol: 1e-5, atol: 1e-5 },
    });
  }
});

Deno.test("normalizationOps Softmax plan() rejects an axis out of range, naming it", () => {
  assert.throws(
    () =>
      normalizationOps[0]!.plan({
        opType: "Softmax",
        attributes: { axis: { name: "axis", docString: "", type: "int", value: 3 } },
        inputs: [{ dims: [2, 3], dtype: "f32" }],
        outputs: [{ dims: [2, 3], dtype: "f32" }],
        constants: [],
      }),
    /'axis' must be in \[-2, 1\]: it is 3/,
  );
});
