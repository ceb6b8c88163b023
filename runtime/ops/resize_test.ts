import assert from "node:assert/strict";
import { GPU_AVAILABLE } from "../../tests/gpu_fixture.ts";
import { nearestIndex, originalCoordinate, resizeOp } from "./resize.ts";
import { testGpu } from "../../tests/gpu_fixture.ts";
import { runOpPlan } from "./execute.ts";
import { runOrtNode } from "./testdata/ort_node.ts";
import {
  checkAgainstOrt,
  floatConst,
  floatInput,
  int32Input,
  int64Const,
  opNodeOf,
} from "./testdata/ort_check.ts";
import type { TestAttribute, TestInput } from "./testdata/ort_node.ts";
import { UnsupportedOpError } from "./types.ts";

const gpuTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: !GPU_AVAILABLE, fn });
const str = (name: string, value: string): TestAttribute => ({ name, type: "string", value });

const CTMS = [
  "half_pixel",
  "half_pixel_symmetric",
  "pytorch_half_pixel",
  "align_corners",
  "asymmetric",
  "tf_half_pixel_for_nearest",
];

Deno.test("nearestIndex() breaks ties by nearest_mode and rounds other values to nearest", () => {
  assert.deepEqual(
    ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"].map((m) => [
      nearestIndex(m, 1.5),
      nearestIndex(m, 1.6),
      nearestIndex(m, -0.5),
    ]),
    [[1, 2, -1], [2, 2, -1], [1, 1, -1], [2, 2, -0]],
  );
  assert.equal(originalCoordinate("align_corners", 3, 0, 4, 7, 0, 1), 6);
  // No onnxruntime reference for this mode (1.23 rejects it): (x + 0.5) / scale.
  assert.equal(originalCoordinate("tf_half_pixel_for_nearest", 1, 2, 8, 4, 0, 1), 0.75);
});

function resizeNode(
  x: TestInput,
  attrs: TestAttribute[],
  scales: readonly number[] | undefined,
  sizes?: readonly number[],
  roi?: readonly number[],
) {
  return {
    opType: "Resize",
    opset: 19,
    attributes: attrs,
    inputs: [
      x,
      roi ? floatConst(roi) : undefined,
      scales ? floatConst(scales) : undefined,
      sizes ? int64Const(sizes) : undefined,
    ],
  };
}

gpuTest(
  "resizeOp.plan() matches onnxruntime's nearest, for every nearest_mode and coordinate mode",
  async () => {
    let seed = 1;
    // onnxruntime 1.23 rejects tf_half_pixel_for_nearest in every opset.
    for (const ctm of CTMS.filter((c) => c !== "tf_half_pixel_for_nearest")) {
      for (const nm of ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]) {
        for (const scales of [[1, 1, 2, 1.5], [1, 1, 0.5, 0.6]]) {
          // onnxruntime 1.23 maps one coordinate of half_pixel_symmetric at scale 0.6 (5 -> 3) to
          // the other side of an integer than the f32 ONNX formula does.
          if (ctm === "half_pixel_symmetric" && scales[3] === 0.6) continue;
          await checkAgainstOrt(
            resizeOp,
            resizeNode(floatInput([1, 2, 6, 5], seed++), [
              str("mode", "nearest"),
              str("coordinate_transformation_mode", ctm),
              str("nearest_mode", nm),
            ], scales),
            { exact: true },
          );
        }
      }
    }
  },
);

gpuTest(
  "resizeOp.plan() matches onnxruntime's bilinear, for every coordinate mode up and down",
  async () => {
    let seed = 100;
    for (const ctm of CTMS.filter((c) => c !== "tf_half_pixel_for_nearest")) {
      for (const scales of [[1, 1, 2, 1.7], [1, 1, 0.5, 0.75]]) {
        await checkAgainstOrt(
          resizeOp,
          resizeNode(floatInput([2, 3, 4, 5], seed++), [
            str("mode", "linear"),
            str("coordinate_transformation_mode", ctm),
          ], scales),
        );
      }
    }
  },
);

gpuTest(
  "resizeOp.plan() matches onnxruntime, with sizes, axes, 2-D and 5-D inputs and i32 tensors",
  async () => {
    await checkAgainstOrt(
      resizeOp,
      resizeNode(floatInput([1, 2, 5, 7], 1), [str("mode", "linear")], undefined, [1, 2, 9, 3]),
    );
    await checkAgainstOrt(
      resizeOp,
      resizeNode(floatInput([5, 7], 2), [str("mode", "linear")], [2.5, 0.5]),
    );
    await checkAgainstOrt(
      resizeOp,
      resizeNode(floatInput([1, 1, 3, 4, 5], 3), [str("mode", "linear")], [1, 1, 2, 1.5, 0.8]),
    );
    await checkAgainstOrt(
      resizeOp,
      resizeNode(floatInput([1, 2, 5, 7], 4), [
        str("mode", "nearest"),
        { name: "axes", type: "ints", value: [3, 2] },
      ], [3, 2]),
      { exact: true },
    );
    await checkAgainstOrt(
      resizeOp,
      resizeNode(int32Input([1, 2, 5, 7], 5), [str("mode", "nearest")], undefined, [1, 2, 8, 4]),
      { exact: true },
    );
    for (const policy of ["not_larger", "not_smaller"]) {
      await checkAgainstOrt(
        resizeOp,
        resizeNode(
          floatInput([1, 1, 4, 6], 6),
          [
            str("mode", "linear"),
            str("keep_aspect_ratio_policy", policy),
            { name: "axes", type: "ints", value: [2, 3] },
          ],
          undefined,
          [7, 9],
        ),
      );
    }
  },
);

gpuTest(
  "resizeOp.plan() matches onnxruntime's tf_crop_and_resize, with extrapolated points",
  async () => {
    for (const mode of ["nearest", "linear"]) {
      await checkAgainstOrt(
        resizeOp,
        resizeNode(
          floatInput([1, 1, 5, 6], 7),
          [
            str("mode", mode),
            str("coordinate_transformation_mode", "tf_crop_and_resize"),
            { name: "extrapolation_value", type: "float", value: 9 },
          ],
          undefined,
          [1, 1, 4, 7],
          [0, 0, -0.2, 0.3, 1, 1, 0.8, 1.3],
        ),
        { exact: mode === "nearest" },
      );
    }
  },
);

Deno.test("resizeOp.plan() throws UnsupportedOpError, for cubic mode, antialias and run-time scales", () => {
  const base = {
    opType: "Resize",
    inputs: [{ dims: [1, 1, 2, 2], dtype: "f32" as const }, undefined, {
      dims: [4],
      dtype: "f32" as const,
    }],
    outputs: [{ dims: [1, 1, 4, 4], dtype: "f32" as const }],
    constants: [undefined, undefined, [1, 1, 2, 2]],
  };
  const attr = (name: string, type: "string" | "int", value: string | number) => ({
    [name]: { name, docString: "", type, value } as never,
  });
  assert.throws(
    () => resizeOp.plan({ ...base, attributes: attr("mode", "string", "cubic") }),
    UnsupportedOpError,
  );
  assert.throws(
    () => resizeOp.plan({ ...base, attributes: attr("antialias", "int", 1) }),
    UnsupportedOpError,
  );
  assert.throws(
    () => resizeOp.plan({ ...base, attributes: {}, constants: [undefined, undefined, undefined] }),
    UnsupportedOpError,
  );
});

gpuTest("resizeOp.plan() matches onnxruntime's Upsample, nearest and linear", async () => {
  for (const mode of ["nearest", "linear"]) {
    await checkAgainstOrt(resizeOp, {
      opType: "Upsample",
      opset: 9,
      attributes: [str("mode", mode)],
      inputs: [floatInput([1, 2, 3, 4], 8), floatConst([1, 1, 2, 3])],
    }, { exact: mode === "nearest" });
  }
});

gpuTest(
  "resizeOp.plan() of an Upsample matches onnxruntime's Resize-10, when axes shrink and grow",
  async () => {
    for (const mode of ["nearest", "linear"]) {
      const node = {
        opType: "Resize",
        opset: 10,
        attributes: [str("mode", mode)],
        inputs: [floatInput([1, 2, 5, 7], 9), floatConst([1, 1, 0.6, 1.7])],
      };
      const [want] = await runOrtNode(node);
      const opNode = { ...opNodeOf(node, [want!.dims]), opType: "Upsample" };
      const [got] = await runOpPlan(
        await testGpu(),
        opNode,
        resizeOp.plan(opNode),
        node.inputs.map((t) => t.data),
      );
      want!.data.forEach((w, j) => assert.ok(Math.abs(got![j]! - w) < 1e-5, `${mode}[${j}]`));
    }
  },
);
