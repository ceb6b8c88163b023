import assert from "node:assert/strict";
import { GPU_AVAILABLE } from "../../tests/gpu_fixture.ts";
import { convTransposeGeometry, convTransposeOp } from "./conv_transpose.ts";
import { checkAgainstOrt, floatInput } from "./testdata/ort_check.ts";
import type { TestAttribute } from "./testdata/ort_node.ts";

const gpuTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: !GPU_AVAILABLE, fn });
const ints = (name: string, value: readonly number[]): TestAttribute => ({
  name,
  type: "ints",
  value,
});

Deno.test("convTransposeGeometry() takes output_shape and splits the padding it implies", () => {
  const g = convTransposeGeometry([3], [3], [2], [1], [0, 0], [0], [8], "NOTSET");
  assert.deepEqual([g.out, g.padsBegin, g.padsEnd], [[8], [0], [0]]);
  const h = convTransposeGeometry([3], [4], [2], [1], [0, 0], [0], undefined, "SAME_UPPER");
  assert.deepEqual([h.out, h.padsBegin, h.padsEnd], [[6], [1], [1]]);
});

const cases: {
  name: string;
  x: number[];
  w: number[];
  bias?: boolean;
  attrs: TestAttribute[];
}[] = [
  { name: "plain", x: [1, 3, 4, 5], w: [3, 2, 3, 3], attrs: [] },
  {
    name: "strides, asymmetric pads, output_padding",
    x: [2, 3, 4, 3],
    w: [3, 4, 3, 2],
    bias: true,
    attrs: [ints("strides", [2, 3]), ints("pads", [1, 0, 0, 1]), ints("output_padding", [1, 2])],
  },
  {
    name: "dilations",
    x: [1, 2, 5, 4],
    w: [2, 3, 2, 3],
    attrs: [ints("dilations", [2, 3]), ints("strides", [2, 1])],
  },
  {
    name: "groups with bias",
    x: [1, 6, 3, 4],
    w: [6, 2, 3, 3],
    bias: true,
    attrs: [
      { name: "group", type: "int", value: 3 },
      ints("strides", [2, 2]),
      ints("pads", [1, 1, 1, 1]),
    ],
  },
  {
    name: "sixteen channels per group (two vec4 pairs), two groups, bias",
    x: [1, 4, 3, 4],
    w: [4, 16, 2, 3],
    bias: true,
    attrs: [
      { name: "group", type: "int", value: 2 },
      ints("strides", [2, 1]),
      ints("pads", [0, 1, 1, 0]),
    ],
  },
  {
    name: "twelve channels (three vec4s)",
    x: [2, 3, 3, 2],
    w: [3, 12, 3, 3],
    bias: true,
    attrs: [ints("strides", [2, 2]), ints("pads", [1, 1, 0, 1])],
  },
  {
    name: "output_shape",
    x: [1, 2, 3, 3],
    w: [2, 2, 3, 3],
    attrs: [ints("strides", [2, 2]), ints("output_shape", [8, 7])],
  },
  {
    name: "SAME_UPPER",
    x: [1, 2, 3, 4],
    w: [2, 1, 4, 3],
    attrs: [ints("strides", [2, 2]), { name: "auto_pad", type: "string", value: "SAME_UPPER" }],
  },
  {
    name: "SAME_LOWER",
    x: [1, 2, 3, 4],
    w: [2, 1, 4, 3],
    attrs: [ints("strides", [2, 2]), { name: "auto_pad", type: "string", value: "SAME_LOWER" }],
  },
  {
    name: "1-D",
    x: [2, 3, 7],
    w: [3, 2, 4],
    bias: true,
    attrs: [ints("strides", [3]), ints("pads", [1, 2])],
  },
  { name: "3-D", x: [1, 2, 3, 2, 3], w: [2, 2, 2, 3, 2], attrs: [ints("strides", [2, 1, 2])] },
];

gpuTest(
  "convTransposeOp.plan() matches onnxruntime, for strides, pads, dilations, groups, output_shape, auto_pad, 1-D and 3-D",
  async () => {
    for (const [k, c] of cases.entries()) {
      const m = c.w[1]! * ((c.attrs.find((a) => a.name === "group")?.value as number) ?? 1);
      await checkAgainstOrt(convTransposeOp, {
        opType: "ConvTranspose",
        opset: 11,
        attributes: c.attrs,
        inputs: [
          floatInput(c.x, 3 * k + 1),
          floatInput(c.w, 3 * k + 2),
          ...(c.bias ? [floatInput([m], 3 * k + 3)] : []),
        ],
      }, { rtol: 1e-5 });
    }
  },
);
