import assert from "node:assert/strict";
import { GPU_AVAILABLE } from "../../tests/gpu_fixture.ts";
import { elementwiseOps } from "./elementwise.ts";
import { checkOp, count, floatInput, ints, type OpCase, uniform } from "./testdata/op_check.ts";
import type { TestInput } from "./testdata/ort_node.ts";
import { type OpGenerator, UnsupportedOpError } from "./types.ts";

function gen(op: string): OpGenerator {
  const g = elementwiseOps.find((x) => x.opTypes.includes(op));
  if (!g) throw new Error(`no generator for ${op}`);
  return g;
}

const check = (c: OpCase) => checkOp(gen(c.opType), c);
const gpuTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: !GPU_AVAILABLE, fn });

const UNARY: readonly [string, number, number, number][] = [
  // op, opset, lo, hi
  ["Relu", 14, -3, 3],
  ["LeakyRelu", 16, -3, 3],
  ["Elu", 13, -3, 3],
  ["Selu", 13, -3, 3],
  ["Sigmoid", 13, -20, 20],
  ["HardSigmoid", 13, -5, 5],
  ["HardSwish", 14, -5, 5],
  ["Tanh", 13, -20, 20],
  ["Erf", 13, -5, 5],
  ["Softplus", 13, -30, 30],
  ["Softsign", 13, -5, 5],
  ["Sqrt", 13, 0, 100],
  ["Exp", 13, -10, 10],
  ["Log", 13, 0.001, 100],
  ["Sin", 7, -6, 6],
  ["Cos", 7, -6, 6],
  ["Tan", 7, -1.5, 1.5],
  ["Asin", 7, -1, 1],
  ["Acos", 7, -1, 1],
  ["Atan", 7, -10, 10],
  ["Sinh", 9, -5, 5],
  ["Cosh", 9, -5, 5],
  ["Asinh", 9, -10, 10],
  ["Acosh", 9, 1, 10],
  ["Atanh", 9, -0.99, 0.99],
  ["Celu", 12, -5, 5],
  ["ThresholdedRelu", 10, -3, 3],
  ["Mish", 18, -10, 10],
  ["Floor", 13, -5, 5],
  ["Ceil", 13, -5, 5],
  ["Reciprocal", 13, 0.5, 5],
  ["Neg", 13, -5, 5],
  ["Abs", 13, -5, 5],
  ["Sign", 13, -5, 5],
];

for (const [op, opset, lo, hi] of UNARY) {
  gpuTest(`elementwiseOps ${op} matches onnxruntime, on random floats of odd shape`, async () => {
    await check({ opType: op, opset, inputs: [floatInput([3, 7, 5], 11, lo, hi)] });
  });
}

gpuTest(
  "elementwiseOps unary ops match onnxruntime, on scalars and zero-size tensors",
  async () => {
    await check({ opType: "Sigmoid", opset: 13, inputs: [floatInput([], 3)] });
    const out = await check({ opType: "Exp", opset: 13, inputs: [floatInput([2, 0, 3], 3)] });
    assert.equal(out[0]!.length, 0);
  },
);

gpuTest("elementwiseOps LeakyRelu/HardSigmoid use their attributes", async () => {
  await check({
    opType: "LeakyRelu",
    opset: 16,
    attributes: [{ name: "alpha", type: "float", value: 0.3 }],
    inputs: [floatInput([17], 5)],
  });
  await check({
    opType: "HardSigmoid",
    opset: 13,
    attributes: [{ name: "alpha", type: "float", value: 0.5 }, {
      name: "beta",
      type: "float",
      value: 0.1,
    }],
    inputs: [floatInput([17], 6)],
  });
});

gpuTest(
  "elementwiseOps Erf and Tanh are accurate to 1e-6, near zero and in the tails",
  async () => {
    const xs = [
      0,
      1e-7,
      -1e-5,
      1e-3,
      0.1,
      0.29,
      0.3,
      0.31,
      0.49,
      0.5,
      0.51,
      -0.75,
      1,
      1.5,
      -2,
      3,
      4,
      6,
      -9.5,
      30,
      ...uniform(8, 200, -4, 4),
    ];
    const input: TestInput = { type: "float", dims: [xs.length], data: xs };
    const tolerance = { rtol: 1e-6, atol: 1e-6 };
    await check({ opType: "Erf", opset: 13, inputs: [input], tolerance });
    await check({ opType: "Tanh", opset: 13, inputs: [input], tolerance });
    // Relative accuracy near zero.
    const small = { type: "float", dims: [4], data: [1e-6, -3e-5, 2e-4, 0.01] } as const;
    await check({ opType: "Erf", opset: 13, inputs: [small], tolerance: { rtol: 1e-5, atol: 0 } });
    await check({ opType: "Tanh", opset: 13, inputs: [small], tolerance: { rtol: 1e-5, atol: 0 } });
  },
);

gpuTest("elementwiseOps Gelu matches onnxruntime, for approximate 'none' and 'tanh'", async () => {
  for (const approximate of ["none", "tanh"]) {
    await check({
      opType: "Gelu",
      opset: 20,
      attributes: [{ name: "approximate", type: "string", value: approximate }],
      inputs: [floatInput([5, 41], 9, -8, 8)],
    });
  }
});

gpuTest("elementwiseOps IsNaN/IsInf detect non-finite values", async () => {
  const data = [0, NaN, Infinity, -Infinity, 3.4e38, -3.4e38, 1];
  const x: TestInput = { type: "float", dims: [data.length], data };
  await check({ opType: "IsNaN", opset: 13, inputs: [x], outputTypes: ["bool"] });
  for (const [pos, neg] of [[1, 1], [1, 0], [0, 1]]) {
    await check({
      opType: "IsInf",
      opset: 10,
      attributes: [{ name: "detect_positive", type: "int", value: pos! }, {
        name: "detect_negative",
        type: "int",
        value: neg!,
      }],
      inputs: [x],
      outputTypes: ["bool"],
    });
  }
});

gpuTest("elementwiseOps Round rounds half to even", async () => {
  const data = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 0.4999, 1.2, -1.7];
  await check({ opType: "Round", opset: 11, inputs: [{ type: "float", dims: [10], data }] });
});

/** Pairs of shapes that broadcast: scalars, size-1 dims, rank mismatch, zero-size. */
const BROADCASTS: readonly [number[], number[]][] = [
  [[2, 3, 4], [2, 3, 4]],
  [[2, 3, 4], [4]],
  [[2, 3, 4], [3, 1]],
  [[2, 1, 4], [1, 3, 1]],
  [[], [5]],
  [[5], []],
  [[], []],
  [[1], [2, 3]],
  [[3, 1, 5, 1], [1, 4, 1, 2]],
  [[0, 3], [3]],
  [[2, 0], [1, 1]],
  [[7, 1], [1, 9]],
];

for (const op of ["Add", "Sub", "Mul", "Div", "Pow", "Max", "Min"]) {
  gpuTest(`elementwiseOps ${op} matches onnxruntime, on broadcast float shapes`, async () => {
    for (const [i, [a, b]] of BROADCASTS.entries()) {
      const lo = op === "Pow" ? 0.1 : op === "Div" ? 0.5 : -3;
      await check({
        opType: op,
        opset: op === "Max" || op === "Min" ? 13 : 14,
        inputs: [floatInput(a, 100 + i, lo), floatInput(b, 200 + i, lo)],
      });
    }
  });
}

gpuTest("elementwiseOps Pow follows C pow for negative bases and zero", async () => {
  const x = [-2, -2, -2, -0.5, 0, 0, 0, 3, -3, 2];
  const y = [2, 3, -1, 4, 0, 2, -1, 0.5, 0.5, -2];
  await check({
    opType: "Pow",
    opset: 15,
    inputs: [{ type: "float", dims: [10], data: x }, { type: "float", dims: [10], data: y }],
  });
  // Float base, int64 exponent.
  await check({
    opType: "Pow",
    opset: 15,
    inputs: [floatInput([2, 3], 4), { type: "int64", dims: [3], data: [0, 2, 3] }],
  });
});

for (const type of ["int32", "int64"] as const) {
  gpuTest(`elementwiseOps integer ops match onnxruntime, on ${type} tensors`, async () => {
    const a: TestInput = { type, dims: [3, 4], data: ints(1, 12, -50, 50) };
    const b: TestInput = { type, dims: [4], data: [3, -7, 5, 11] };
    for (const op of ["Add", "Sub", "Mul", "Div", "Max", "Min"]) {
      await check({ opType: op, opset: 14, inputs: [a, b] });
    }
    const unary = type === "int32" ? ["Neg", "Abs", "Relu"] : ["Neg", "Abs"];
    for (const op of unary) await check({ opType: op, opset: 14, inputs: [a] });
    for (const fmod of [0, 1]) {
      await check({
        opType: "Mod",
        opset: 13,
        attributes: [{ name: "fmod", type: "int", value: fmod }],
        inputs: [a, b],
      });
    }
  });
}

gpuTest("elementwiseOps Mod with fmod=1 matches onnxruntime, on floats", async () => {
  await check({
    opType: "Mod",
    opset: 13,
    attributes: [{ name: "fmod", type: "int", value: 1 }],
    inputs: [floatInput([4, 5], 3, -10, 10), floatInput([5], 4, 0.5, 3)],
  });
});

gpuTest("elementwiseOps Max/Min/Sum/Mean take N broadcast inputs", async () => {
  for (const op of ["Max", "Min", "Sum", "Mean"]) {
    await check({
      opType: op,
      opset: 13,
      inputs: [floatInput([2, 1, 4], 1), floatInput([3, 1], 2), floatInput([], 3)],
    });
    await check({ opType: op, opset: 13, inputs: [floatInput([2, 3], 4)] });
  }
  await check({
    opType: "Max",
    opset: 13,
    inputs: [
      { type: "int32", dims: [3], data: [1, -5, 9] },
      { type: "int32", dims: [2, 1], data: [4, -2] },
      { type: "int32", dims: [1], data: [0] },
      { type: "int32", dims: [3], data: [2, 2, 2] },
    ],
  });
});

gpuTest("elementwiseOps Clip matches onnxruntime, with and without each bound", async () => {
  const x = floatInput([3, 5], 7, -5, 5);
  const lo: TestInput = { type: "float", dims: [], data: [-1.5] };
  const hi: TestInput = { type: "float", dims: [], data: [2.25], initializer: true };
  await check({ opType: "Clip", opset: 13, inputs: [x, lo, hi] });
  await check({ opType: "Clip", opset: 13, inputs: [x, lo] });
  await check({ opType: "Clip", opset: 13, inputs: [x, undefined, hi] });
  await check({ opType: "Clip", opset: 13, inputs: [x] });
  await check({
    opType: "Clip",
    opset: 13,
    inputs: [{ type: "int32", dims: [6], data: [-9, -2, 0, 3, 8, 20] }, {
      type: "int32",
      dims: [],
      data: [-3],
    }, { type: "int32", dims: [], data: [5] }],
  });
});

gpuTest("elementwiseOps Clip reads opset-6 bounds from attributes", async () => {
  await check({
    opType: "Clip",
    opset: 6,
    attributes: [{ name: "min", type: "float", value: -0.5 }, {
      name: "max",
      type: "float",
      value: 1,
    }],
    inputs: [floatInput([9], 1)],
  });
});

gpuTest("elementwiseOps PRelu broadcasts its slope, and Sign works on integers", async () => {
  await check({
    opType: "PRelu",
    opset: 16,
    inputs: [floatInput([2, 3, 4, 5], 1), floatInput([3, 1, 1], 2, 0, 1)],
  });
  await check({
    opType: "Sign",
    opset: 13,
    inputs: [{ type: "int32", dims: [5], data: [-7, 0, 3, -1, 100] }],
  });
});

gpuTest("elementwiseOps comparisons, logic and Where match onnxruntime", async () => {
  const a = floatInput([3, 4], 1);
  const b: TestInput = { type: "float", dims: [4], data: [0, a.data[1]!, -1, 2] };
  for (const op of ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"]) {
    await check({ opType: op, opset: 16, inputs: [a, b], outputTypes: ["bool"] });
  }
  await check({
    opType: "Equal",
    opset: 13,
    inputs: [{ type: "int64", dims: [4], data: [1, 2, 3, 4] }, {
      type: "int64",
      dims: [],
      data: [3],
    }],
    outputTypes: ["bool"],
  });
  const p: TestInput = { type: "bool", dims: [2, 3], data: [1, 0, 1, 0, 0, 1] };
  const q: TestInput = { type: "bool", dims: [3], data: [1, 1, 0] };
  for (const op of ["And", "Or", "Xor"]) await check({ opType: op, opset: 7, inputs: [p, q] });
  await check({ opType: "Not", opset: 13, inputs: [p] });
  await check({
    opType: "Where",
    opset: 16,
    inputs: [q, floatInput([2, 3], 5), floatInput([], 6)],
    outputTypes: ["float"],
  });
  await check({
    opType: "Where",
    opset: 16,
    inputs: [p, { type: "int64", dims: [1], data: [7] }, {
      type: "int64",
      dims: [3],
      data: [-1, -2, -3],
    }],
    outputTypes: ["int64"],
  });
});

gpuTest("elementwiseOps Expand broadcasts to the shape input, in both directions", async () => {
  const shapes: [number[], number[]][] = [[[3, 1], [2, 3, 4]], [[4], [3, 1]], [[], [2, 2]], [[
    2,
    1,
    3,
  ], [0, 3]]];
  for (const [x, shape] of shapes) {
    await check({
      opType: "Expand",
      opset: 13,
      inputs: [floatInput(x, 3), {
        type: "int64",
        dims: [shape.length],
        data: shape,
        initializer: true,
      }],
    });
  }
  await check({
    opType: "Expand",
    opset: 13,
    inputs: [{ type: "int64", dims: [2], data: [5, -6] }, {
      type: "int64",
      dims: [2],
      data: [3, 2],
    }],
  });
});

Deno.test("elementwiseOps plan() rejects shapes that do not broadcast, naming them", () => {
  assert.throws(
    () =>
      gen("Add").plan({
        opType: "Add",
        attributes: {},
        inputs: [{ dims: [2, 3], dtype: "f32" }, { dims: [4], dtype: "f32" }],
        outputs: [{ dims: [2, 3], dtype: "f32" }],
        constants: [],
      }),
    /\[2,3\] and \[4\] do not broadcast/,
  );
});

Deno.test("elementwiseOps plan() spreads large dispatches over x and y", () => {
  const dims = [4096, 8192];
  const plan = gen("Relu").plan({
    opType: "Relu",
    attributes: {},
    inputs: [{ dims, dtype: "f32" }],
    outputs: [{ dims, dtype: "f32" }],
    constants: [],
  });
  const [x, y] = plan.programs[0]!.dispatch;
  assert.ok(x <= 65535 && y > 1 && x * y * 256 >= count(dims));
});

Deno.test("elementwiseOps plan() declines float-only ops on integers, for the fallback", () => {
  const node = {
    opType: "Sqrt",
    attributes: {},
    inputs: [{ dims: [3], dtype: "i32" as const }],
    outputs: [{ dims: [3], dtype: "i32" as const }],
    constants: [],
  };
  assert.throws(() => gen("Sqrt").plan(node), UnsupportedOpError);
  assert.throws(
    () =>
      gen("Gelu").plan({
        ...node,
        opType: "Gelu",
        attributes: {
          approximate: { name: "approximate", docString: "", type: "string", value: "fast" },
        },
        inputs: [{ dims: [3], dtype: "f32" }],
      }),
    /'approximate' must be 'none' or 'tanh': it is 'fast'/,
  );
});
