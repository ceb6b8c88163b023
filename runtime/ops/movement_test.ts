import assert from "node:assert/strict";
import { GPU_AVAILABLE } from "../../tests/gpu_fixture.ts";
import {
  concatOp,
  depthToSpaceOp,
  gatherElementsOp,
  gatherOp,
  padOp,
  sliceOp,
  sliceRanges,
  splitOp,
  tileOp,
  transposeOp,
} from "./movement.ts";
import {
  checkAgainstOrt,
  floatConst,
  floatInput,
  int32Input,
  int64Const,
  randomInts,
} from "./testdata/ort_check.ts";
import type { TestInput } from "./testdata/ort_node.ts";
import { UnsupportedOpError } from "./types.ts";

const exact = { exact: true };
const gpuTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: !GPU_AVAILABLE, fn });

gpuTest(
  "transposeOp.plan() matches onnxruntime, when perm is given, default or on i32",
  async () => {
    await checkAgainstOrt(transposeOp, {
      opType: "Transpose",
      opset: 21,
      attributes: [{ name: "perm", type: "ints", value: [2, 0, 3, 1] }],
      inputs: [floatInput([2, 3, 5, 4], 1)],
    }, exact);
    await checkAgainstOrt(transposeOp, {
      opType: "Transpose",
      opset: 21,
      inputs: [int32Input([3, 1, 7], 2)],
    }, exact);
    await checkAgainstOrt(transposeOp, {
      opType: "Transpose",
      opset: 21,
      attributes: [{ name: "perm", type: "ints", value: [0, 2, 1, 4, 3] }],
      inputs: [floatInput([2, 3, 2, 3, 2], 3)],
    }, exact);
  },
);

gpuTest(
  "concatOp.plan() matches onnxruntime, for 3 inputs on negative and inner axes",
  async () => {
    await checkAgainstOrt(concatOp, {
      opType: "Concat",
      opset: 13,
      attributes: [{ name: "axis", type: "int", value: -2 }],
      inputs: [floatInput([2, 3, 4], 1), floatInput([2, 1, 4], 2), floatInput([2, 5, 4], 3)],
    }, exact);
    await checkAgainstOrt(concatOp, {
      opType: "Concat",
      opset: 13,
      attributes: [{ name: "axis", type: "int", value: 0 }],
      inputs: [int32Input([1, 3], 4), int32Input([0, 3], 5), int32Input([2, 3], 6)],
    }, exact);
  },
);

gpuTest(
  "splitOp.plan() matches onnxruntime, with a split input, num_outputs and odd sizes",
  async () => {
    await checkAgainstOrt(splitOp, {
      opType: "Split",
      opset: 18,
      attributes: [{ name: "axis", type: "int", value: -1 }],
      inputs: [floatInput([2, 3, 7], 1), int64Const([2, 4, 1])],
      outputs: 3,
    }, exact);
    await checkAgainstOrt(splitOp, {
      opType: "Split",
      opset: 18,
      attributes: [
        { name: "axis", type: "int", value: 1 },
        { name: "num_outputs", type: "int", value: 3 },
      ],
      inputs: [int32Input([2, 7, 3], 2)],
      outputs: 3,
    }, exact);
  },
);

Deno.test("sliceRanges() clamps INT64 extremes and walks negative steps backwards", () => {
  const min = -9223372036854775808, max = 9223372036854775807;
  assert.deepEqual(sliceRanges([5], [max], [min], undefined, [-1]), [
    { start: 4, step: -1, extent: 5 },
  ]);
  assert.deepEqual(sliceRanges([5], [min], [max], undefined, undefined), [
    { start: 0, step: 1, extent: 5 },
  ]);
  assert.deepEqual(sliceRanges([5, 3], [4], [1], [0], [2]), [
    { start: 0, step: 2, extent: 0 },
    { start: 0, step: 1, extent: 3 },
  ]);
});

gpuTest(
  "sliceOp.plan() matches onnxruntime, for negative steps, axes and INT64 extremes",
  async () => {
    const min = -9223372036854775808, max = 9223372036854775807;
    await checkAgainstOrt(sliceOp, {
      opType: "Slice",
      opset: 13,
      inputs: [
        floatInput([5, 6, 7], 1),
        int64Const([max, 1, -2]),
        int64Const([min, 100, -7]),
        int64Const([0, -2, 2]),
        int64Const([-1, 2, -2]),
      ],
    }, exact);
    await checkAgainstOrt(sliceOp, {
      opType: "Slice",
      opset: 13,
      inputs: [
        int32Input([4, 9], 2),
        int64Const([-100, 3]),
        int64Const([3, max]),
        undefined,
        undefined,
      ],
    }, exact);
    await checkAgainstOrt(sliceOp, {
      opType: "Slice",
      opset: 13,
      inputs: [
        floatInput([6], 3),
        int64Const([-1]),
        int64Const([-3]),
        int64Const([0]),
        int64Const([-3]),
      ],
    }, exact);
  },
);

Deno.test("sliceOp.plan() throws UnsupportedOpError, when starts are only known at run time", () => {
  assert.throws(
    () =>
      sliceOp.plan({
        opType: "Slice",
        attributes: {},
        inputs: [{ dims: [4], dtype: "f32" }, { dims: [1], dtype: "i32" }, {
          dims: [1],
          dtype: "i32",
        }],
        outputs: [{ dims: [2], dtype: "f32" }],
        constants: [undefined, undefined, [3]],
      }),
    UnsupportedOpError,
  );
});

gpuTest(
  "gatherOp.plan() matches onnxruntime, for run-time and constant negative indices on any axis",
  async () => {
    const runtime: TestInput = { type: "int32", dims: [2, 3], data: [0, -1, 2, -4, 3, 1] };
    await checkAgainstOrt(gatherOp, {
      opType: "Gather",
      opset: 13,
      attributes: [{ name: "axis", type: "int", value: -2 }],
      inputs: [floatInput([2, 4, 3], 1), runtime],
    }, exact);
    await checkAgainstOrt(gatherOp, {
      opType: "Gather",
      opset: 13,
      attributes: [{ name: "axis", type: "int", value: 0 }],
      inputs: [int32Input([5, 3], 2), int64Const([-1], [])],
    }, exact);
    await checkAgainstOrt(gatherOp, {
      opType: "Gather",
      opset: 13,
      attributes: [{ name: "axis", type: "int", value: 2 }],
      inputs: [floatInput([2, 3, 6], 3), int64Const([5, -6, 0, 3], [2, 2])],
    }, exact);
  },
);

gpuTest("gatherElementsOp.plan() matches onnxruntime, for run-time negative indices", async () => {
  const idx = randomInts(2 * 3 * 4, 7, -5, 5);
  await checkAgainstOrt(gatherElementsOp, {
    opType: "GatherElements",
    opset: 13,
    attributes: [{ name: "axis", type: "int", value: -1 }],
    inputs: [floatInput([2, 3, 5], 1), { type: "int32", dims: [2, 3, 4], data: idx }],
  }, exact);
  await checkAgainstOrt(gatherElementsOp, {
    opType: "GatherElements",
    opset: 13,
    attributes: [{ name: "axis", type: "int", value: 0 }],
    inputs: [int32Input([3, 4], 2), int64Const(randomInts(8, 8, -3, 3), [2, 4])],
  }, exact);
});

gpuTest(
  "padOp.plan() matches onnxruntime, in every mode with asymmetric and negative pads",
  async () => {
    for (const mode of ["constant", "reflect", "edge", "wrap"]) {
      await checkAgainstOrt(padOp, {
        opType: "Pad",
        opset: 19,
        attributes: [{ name: "mode", type: "string", value: mode }],
        inputs: [floatInput([2, 3, 4, 5], 1), int64Const([0, 1, 2, 3, 0, 0, 1, 4])],
      }, exact);
    }
    await checkAgainstOrt(padOp, {
      opType: "Pad",
      opset: 19,
      inputs: [floatInput([3, 5], 2), int64Const([1, -1, 2, -2]), floatConst([2.5], [])],
    }, exact);
    await checkAgainstOrt(padOp, {
      opType: "Pad",
      opset: 19,
      attributes: [{ name: "mode", type: "string", value: "reflect" }],
      inputs: [int32Input([2, 3, 4], 3), int64Const([2, 3]), undefined, int64Const([-1])],
    }, exact);
    await checkAgainstOrt(padOp, {
      opType: "Pad",
      opset: 19,
      inputs: [floatInput([3, 4], 4), int64Const([1, 1, 1, 1]), {
        type: "float",
        dims: [],
        data: [7],
      }],
    }, exact);
  },
);

gpuTest("tileOp.plan() matches onnxruntime, for repeated dims on i32", async () => {
  await checkAgainstOrt(tileOp, {
    opType: "Tile",
    opset: 13,
    inputs: [int32Input([2, 3, 1], 2), int64Const([2, 1, 3])],
  }, exact);
});

gpuTest("depthToSpaceOp.plan() matches onnxruntime, for DCR, CRD and SpaceToDepth", async () => {
  for (const mode of ["DCR", "CRD"]) {
    await checkAgainstOrt(depthToSpaceOp, {
      opType: "DepthToSpace",
      opset: 13,
      attributes: [
        { name: "blocksize", type: "int", value: 2 },
        { name: "mode", type: "string", value: mode },
      ],
      inputs: [floatInput([2, 8, 3, 2], 1)],
    }, exact);
  }
  await checkAgainstOrt(depthToSpaceOp, {
    opType: "SpaceToDepth",
    opset: 13,
    attributes: [{ name: "blocksize", type: "int", value: 3 }],
    inputs: [floatInput([1, 2, 6, 3], 2)],
  }, exact);
});

gpuTest(
  "tileOp.plan() matches onnxruntime, for an output needing more than 65,535 workgroups",
  async () => {
    await checkAgainstOrt(tileOp, {
      opType: "Tile",
      opset: 13,
      inputs: [floatInput([1, 7], 9), int64Const([650000, 1])],
    }, exact);
  },
);
