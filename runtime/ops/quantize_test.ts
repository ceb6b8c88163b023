import assert from "node:assert/strict";
import { GPU_AVAILABLE } from "../../tests/gpu_fixture.ts";
import { quantizeOps } from "./quantize.ts";
import { checkOp, floatInput, ints, type OpCase } from "./testdata/op_check.ts";
import type { TestInput } from "./testdata/ort_node.ts";
import { UnsupportedOpError } from "./types.ts";

const [quantize, dequantize] = quantizeOps as [typeof quantizeOps[0], typeof quantizeOps[0]];
const gpuTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: !GPU_AVAILABLE, fn });
const exact = { rtol: 0, atol: 0 };
const axisAttr = (value: number) => [{ name: "axis", type: "int" as const, value }];

gpuTest("quantizeOps QuantizeLinear rounds half to even and saturates, per tensor", async () => {
  // x / 0.5 lands exactly on .5 for many of these.
  const data = [-300, -64.25, -1.25, -0.75, -0.25, 0, 0.25, 0.75, 1.25, 2.25, 63.75, 64.25, 300];
  const x: TestInput = { type: "float", dims: [data.length], data };
  const scale: TestInput = { type: "float", dims: [], data: [0.5] };
  for (const type of ["uint8", "int8"] as const) {
    const zp: TestInput = { type, dims: [], data: [type === "uint8" ? 128 : -3] };
    const c: OpCase = {
      opType: "QuantizeLinear",
      opset: 19,
      inputs: [x, scale, zp],
      outputTypes: [type],
      tolerance: exact,
    };
    await checkOp(quantize, c);
  }
  // No zero point: uint8.
  await checkOp(quantize, {
    opType: "QuantizeLinear",
    opset: 19,
    inputs: [x, scale],
    outputTypes: ["uint8"],
    tolerance: exact,
  });
  // Random values with an odd scale.
  await checkOp(quantize, {
    opType: "QuantizeLinear",
    opset: 19,
    inputs: [floatInput([5, 7], 3, -10, 10), { type: "float", dims: [], data: [0.0731] }, {
      type: "int8",
      dims: [],
      data: [5],
    }],
    outputTypes: ["int8"],
    tolerance: exact,
  });
});

gpuTest(
  "quantizeOps QuantizeLinear matches onnxruntime, per axis incl. negative axes",
  async () => {
    const x = floatInput([2, 3, 4], 7, -20, 20);
    for (const [axis, n] of [[1, 3], [-1, 4], [0, 2]] as const) {
      await checkOp(quantize, {
        opType: "QuantizeLinear",
        opset: 19,
        attributes: axisAttr(axis),
        inputs: [x, floatInput([n], 8, 0.05, 0.3), {
          type: "uint8",
          dims: [n],
          data: ints(9, n, 0, 255),
        }],
        outputTypes: ["uint8"],
        tolerance: exact,
      });
    }
  },
);

gpuTest("quantizeOps DequantizeLinear matches onnxruntime, per tensor and per axis", async () => {
  const q: TestInput = { type: "int8", dims: [2, 3, 4], data: ints(1, 24, -128, 127) };
  await checkOp(dequantize, {
    opType: "DequantizeLinear",
    opset: 19,
    inputs: [q, { type: "float", dims: [], data: [0.02] }, { type: "int8", dims: [], data: [-4] }],
    outputTypes: ["float"],
  });
  const u: TestInput = { type: "uint8", dims: [2, 3, 4], data: ints(2, 24, 0, 255) };
  await checkOp(dequantize, {
    opType: "DequantizeLinear",
    opset: 19,
    inputs: [u, { type: "float", dims: [], data: [0.1] }],
    outputTypes: ["float"],
  });
  for (const [axis, n] of [[1, 3], [-1, 4]] as const) {
    await checkOp(dequantize, {
      opType: "DequantizeLinear",
      opset: 19,
      attributes: axisAttr(axis),
      inputs: [u, floatInput([n], 3, 0.01, 0.5), {
        type: "uint8",
        dims: [n],
        data: ints(4, n, 0, 255),
      }],
      outputTypes: ["float"],
    });
  }
  const i32: TestInput = { type: "int32", dims: [5], data: [-100000, -1, 0, 7, 123456] };
  await checkOp(dequantize, {
    opType: "DequantizeLinear",
    opset: 19,
    inputs: [i32, { type: "float", dims: [], data: [0.003] }],
    outputTypes: ["float"],
  });
});

gpuTest("quantizeOps blocked Q/DQ match onnxruntime, when the last block is partial", async () => {
  const x = floatInput([5, 3], 11, -4, 4);
  for (const axis of [0, 1]) {
    const blocks = axis === 0 ? [3, 3] : [5, 2];
    const attributes = [...axisAttr(axis), { name: "block_size", type: "int" as const, value: 2 }];
    const scale = floatInput(blocks, 12, 0.02, 0.1);
    const zp: TestInput = {
      type: "int8",
      dims: blocks,
      data: ints(13, blocks[0]! * blocks[1]!, -9, 9),
    };
    await checkOp(quantize, {
      opType: "QuantizeLinear",
      opset: 21,
      attributes,
      inputs: [x, scale, zp],
      outputTypes: ["int8"],
      tolerance: exact,
    });
    await checkOp(dequantize, {
      opType: "DequantizeLinear",
      opset: 21,
      attributes,
      inputs: [{ type: "int8", dims: [5, 3], data: ints(14, 15, -128, 127) }, scale, zp],
      outputTypes: ["float"],
    });
  }
});

Deno.test("quantizeOps plan() rejects a scale that fits no axis, naming its dims", () => {
  assert.throws(
    () =>
      quantize.plan({
        opType: "QuantizeLinear",
        attributes: {},
        inputs: [{ dims: [4, 4], dtype: "f32" }, { dims: [3], dtype: "f32" }],
        outputs: [{ dims: [4, 4], dtype: "i32", elemType: "int8" }],
        constants: [],
      }),
    /scale dims \[3\] must be \[\] or \[4\]/,
  );
});

Deno.test("quantizeOps plan() leaves float8 outputs to the fallback", () => {
  assert.throws(
    () =>
      quantize.plan({
        opType: "QuantizeLinear",
        attributes: {},
        inputs: [{ dims: [4], dtype: "f32" }, { dims: [], dtype: "f32" }],
        outputs: [{ dims: [4], dtype: "f32", elemType: "float8e4m3fn" }],
        constants: [],
      }),
    UnsupportedOpError,
  );
});
