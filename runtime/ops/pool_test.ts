import assert from "node:assert/strict";
import { GPU_AVAILABLE } from "../../tests/gpu_fixture.ts";
import { globalPoolOp, poolGeometry, windowPoolOp } from "./pool.ts";
import { checkAgainstOrt, floatInput, int32Input, opNodeOf } from "./testdata/ort_check.ts";
import { testGpu } from "../../tests/gpu_fixture.ts";
import { runOpPlan } from "./execute.ts";
import type { TestAttribute, TestNode } from "./testdata/ort_node.ts";

const gpuTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: !GPU_AVAILABLE, fn });

const ints = (name: string, value: readonly number[]): TestAttribute => ({
  name,
  type: "ints",
  value,
});
const int = (name: string, value: number): TestAttribute => ({ name, type: "int", value });
const str = (name: string, value: string): TestAttribute => ({ name, type: "string", value });

Deno.test("poolGeometry() drops a ceil_mode window that starts in the end padding", () => {
  const g = poolGeometry([4], {
    kernel: [2],
    strides: [3],
    dilations: [1],
    pads: [0, 1],
    ceilMode: true,
    autoPad: "NOTSET",
  });
  assert.deepEqual(g.out, [2]);
  const same = poolGeometry([5], {
    kernel: [4],
    strides: [2],
    dilations: [1],
    pads: [0, 0],
    ceilMode: false,
    autoPad: "SAME_LOWER",
  });
  assert.deepEqual([same.out, same.padsBegin, same.padsEnd], [[3], [2], [1]]);
});

const cases: { name: string; dims: number[]; attrs: TestAttribute[] }[] = [
  {
    name: "3x3 s2 pads",
    dims: [2, 3, 7, 6],
    attrs: [ints("kernel_shape", [3, 3]), ints("strides", [2, 2]), ints("pads", [1, 0, 1, 2])],
  },
  {
    name: "ceil_mode",
    dims: [1, 2, 7, 8],
    attrs: [
      ints("kernel_shape", [2, 3]),
      ints("strides", [2, 2]),
      int("ceil_mode", 1),
      ints("pads", [0, 1, 1, 0]),
    ],
  },
  {
    name: "ceil_mode past the pads",
    dims: [1, 2, 8, 7],
    attrs: [
      ints("kernel_shape", [3, 2]),
      ints("strides", [2, 2]),
      int("ceil_mode", 1),
      ints("pads", [1, 0, 0, 0]),
    ],
  },
  {
    name: "dilations",
    dims: [1, 2, 9, 8],
    attrs: [ints("kernel_shape", [2, 3]), ints("dilations", [2, 2]), ints("pads", [1, 1, 1, 1])],
  },
  {
    name: "SAME_UPPER",
    dims: [1, 3, 5, 6],
    attrs: [ints("kernel_shape", [3, 2]), ints("strides", [2, 2]), str("auto_pad", "SAME_UPPER")],
  },
  {
    name: "SAME_LOWER",
    dims: [1, 3, 5, 6],
    attrs: [ints("kernel_shape", [4, 3]), ints("strides", [2, 1]), str("auto_pad", "SAME_LOWER")],
  },
  {
    name: "VALID",
    dims: [1, 1, 7, 5],
    attrs: [ints("kernel_shape", [3, 2]), ints("strides", [2, 2]), str("auto_pad", "VALID")],
  },
  {
    name: "1-D",
    dims: [2, 3, 11],
    attrs: [ints("kernel_shape", [3]), ints("strides", [2]), ints("pads", [1, 2])],
  },
  {
    name: "3-D",
    dims: [1, 2, 5, 4, 6],
    attrs: [
      ints("kernel_shape", [2, 2, 3]),
      ints("strides", [1, 2, 2]),
      ints("pads", [1, 0, 1, 0, 1, 1]),
    ],
  },
];

gpuTest(
  "windowPoolOp.plan() matches onnxruntime's MaxPool, for pads, ceil_mode, dilations, auto_pad, 1-D and 3-D",
  async () => {
    for (const [k, c] of cases.entries()) {
      await checkAgainstOrt(windowPoolOp, {
        opType: "MaxPool",
        opset: 12,
        attributes: c.attrs,
        inputs: [floatInput(c.dims, k + 1)],
      }, { exact: true });
    }
  },
);

gpuTest(
  "windowPoolOp.plan() matches onnxruntime's AveragePool, with and without count_include_pad",
  async () => {
    for (const [k, c] of cases.entries()) {
      if (c.name === "dilations") continue; // onnxruntime's CPU AveragePool rejects dilations
      for (const include of [0, 1]) {
        const node: TestNode = {
          opType: "AveragePool",
          opset: 19,
          attributes: [...c.attrs, int("count_include_pad", include)],
          inputs: [floatInput(c.dims, k + 10)],
        };
        // onnxruntime 1.23 counts the end padding of every spatial dim but the last with the wrong
        // pad (the next dim's begin pad), so those cases go to the float64 reference below.
        if (include && c.dims.length > 3 && c.name !== "ceil_mode past the pads") continue;
        await checkAgainstOrt(windowPoolOp, node);
      }
    }
  },
);

/** ONNX AveragePool in float64: taps inside the padded extent count when `includePad`. */
function averagePoolReference(
  x: ArrayLike<number>,
  dims: readonly number[],
  g: ReturnType<typeof poolGeometry>,
  includePad: boolean,
): number[] {
  const spatial = dims.slice(2);
  const out: number[] = [];
  const outSpatial = g.out.reduce((a, b) => a * b, 1);
  const inSpatial = spatial.reduce((a, b) => a * b, 1);
  for (let nc = 0; nc < dims[0]! * dims[1]!; nc++) {
    for (let o = 0; o < outSpatial; o++) {
      // Enumerate taps as an odometer over the kernel.
      let sum = 0, valid = 0, padded = 0;
      const taps = g.kernel.reduce((a, b) => a * b, 1);
      for (let t = 0; t < taps; t++) {
        let rem = t, orem = o, offset = 0, inside = true, inPad = true;
        for (let d = spatial.length - 1; d >= 0; d--) {
          const kd = rem % g.kernel[d]!, od = orem % g.out[d]!;
          rem = Math.floor(rem / g.kernel[d]!);
          orem = Math.floor(orem / g.out[d]!);
          const xd = od * g.strides[d]! - g.padsBegin[d]! + kd * g.dilations[d]!;
          if (xd < 0 || xd >= spatial[d]!) inside = false;
          if (xd < -g.padsBegin[d]! || xd >= spatial[d]! + g.padsEnd[d]!) inPad = false;
          offset += xd * spatial.slice(d + 1).reduce((a, b) => a * b, 1);
        }
        if (inside) {
          sum += x[nc * inSpatial + offset]!;
          valid++;
        }
        if (inPad) padded++;
      }
      out.push(sum / Math.max(1, includePad ? padded : valid));
    }
  }
  return out;
}

gpuTest(
  "windowPoolOp.plan() matches a float64 ONNX AveragePool, for end pads and dilations in 2-D and 3-D",
  async () => {
    const gpu = await testGpu();
    for (const [k, c] of cases.entries()) {
      for (const include of [0, 1]) {
        if (c.dims.length < 4) continue;
        const x = floatInput(c.dims, k + 30);
        const attrs = [...c.attrs, int("count_include_pad", include)];
        const get = (name: string) => attrs.find((a) => a.name === name)?.value;
        const s = c.dims.length - 2;
        const g = poolGeometry(c.dims.slice(2), {
          kernel: get("kernel_shape") as number[],
          strides: (get("strides") as number[] | undefined) ?? new Array(s).fill(1),
          dilations: (get("dilations") as number[] | undefined) ?? new Array(s).fill(1),
          pads: (get("pads") as number[] | undefined) ?? new Array(2 * s).fill(0),
          ceilMode: get("ceil_mode") === 1,
          autoPad: (get("auto_pad") as string | undefined) ?? "NOTSET",
        });
        const node = opNodeOf(
          { opType: "AveragePool", opset: 19, attributes: attrs, inputs: [x] },
          [[c.dims[0]!, c.dims[1]!, ...g.out]],
        );
        const [got] = await runOpPlan(gpu, node, windowPoolOp.plan(node), [x.data]);
        const want = averagePoolReference(x.data, c.dims, g, include === 1);
        assert.equal(got!.length, want.length);
        want.forEach((w, j) =>
          assert.ok(Math.abs(got![j]! - w) < 1e-5, `${c.name}[${j}]: ${got![j]} vs ${w}`)
        );
      }
    }
  },
);

gpuTest(
  "windowPoolOp.plan() matches onnxruntime's MaxPool Indices, in both storage orders",
  async () => {
    for (const order of [0, 1]) {
      await checkAgainstOrt(windowPoolOp, {
        opType: "MaxPool",
        opset: 12,
        attributes: [
          ints("kernel_shape", [3, 2]),
          ints("strides", [2, 1]),
          ints("pads", [1, 0, 1, 1]),
          int("storage_order", order),
        ],
        inputs: [floatInput([2, 2, 5, 4], 3)],
        outputs: 2,
      }, { exact: true });
    }
  },
);

gpuTest(
  "windowPoolOp.plan() matches onnxruntime's MaxPool on int8 values stored as i32",
  async () => {
    // onnxruntime's MaxPool takes int8 but not int32; the values are int8-sized.
    const x = int32Input([1, 2, 5, 5], 4);
    const data = Array.from(x.data, (v) => Math.max(-128, Math.min(127, v)));
    await checkAgainstOrt(windowPoolOp, {
      opType: "MaxPool",
      opset: 12,
      attributes: [ints("kernel_shape", [2, 2]), ints("pads", [1, 1, 0, 0])],
      inputs: [{ type: "int8", dims: x.dims, data }],
    }, { exact: true });
  },
);

gpuTest(
  "globalPoolOp.plan() matches onnxruntime, for average and max over odd and large spatial sizes",
  async () => {
    for (const opType of ["GlobalAveragePool", "GlobalMaxPool"]) {
      for (const [k, dims] of [[2, 3, 5, 7], [1, 2, 300, 250], [3, 5, 9]].entries()) {
        await checkAgainstOrt(globalPoolOp, {
          opType,
          opset: 7,
          inputs: [floatInput(dims, k + 20)],
        }, {
          exact: opType === "GlobalMaxPool",
        });
      }
    }
  },
);

gpuTest(
  "windowPoolOp.plan() matches onnxruntime, for a window split into chunked loops (70,000 taps)",
  async () => {
    for (const opType of ["MaxPool", "AveragePool"]) {
      await checkAgainstOrt(windowPoolOp, {
        opType,
        opset: 19,
        attributes: [ints("kernel_shape", [70000]), ints("strides", [3])],
        inputs: [floatInput([1, 1, 70005], 5)],
        // f32 sums of 70,000 values in [-1, 1) in different orders differ by ~sqrt(n) * eps each.
      }, { exact: opType === "MaxPool", atol: 1e-4 });
    }
  },
);
