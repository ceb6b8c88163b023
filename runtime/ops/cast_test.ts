import assert from "node:assert/strict";
import { GPU_AVAILABLE, testGpu } from "../../tests/gpu_fixture.ts";
import { castOps } from "./cast.ts";
import { runOpPlan } from "./execute.ts";
import { checkOp, floatInput, ints, type OpCase, uniform } from "./testdata/op_check.ts";
import type { TestElementType, TestInput } from "./testdata/ort_node.ts";

const CODES = { float: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10 } as const;

const gpuTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: !GPU_AVAILABLE, fn });

const cast = (x: TestInput, to: TestElementType): OpCase => ({
  opType: "Cast",
  opset: 19,
  attributes: [{ name: "to", type: "int", value: CODES[to] }],
  inputs: [x],
  outputTypes: [to],
  tolerance: { rtol: 0, atol: 0 },
});

gpuTest(
  "castOps Cast from float truncates toward zero, when the target is an integer",
  async () => {
    const data = [-2.7, -2.5, -1.5, -0.5, -0.2, 0, 0.2, 0.5, 1.5, 2.5, 2.7, 99.9, -99.9, 1e6];
    const x: TestInput = { type: "float", dims: [data.length], data };
    await checkOp(castOps[0]!, cast(x, "int32"));
    await checkOp(castOps[0]!, cast(x, "int64"));
    await checkOp(castOps[0]!, cast(x, "bool"));
    const small: TestInput = { type: "float", dims: [6], data: [-100.7, -1.5, 0, 3.9, 100, 127] };
    await checkOp(castOps[0]!, cast(small, "int8"));
    const positive: TestInput = { type: "float", dims: [5], data: [0, 1.9, 100.5, 200, 255.9] };
    await checkOp(castOps[0]!, cast(positive, "uint8"));
  },
);

gpuTest("castOps Cast from integers and bools matches onnxruntime", async () => {
  const i64: TestInput = { type: "int64", dims: [2, 5], data: ints(3, 10, -1000, 1000) };
  await checkOp(castOps[0]!, cast(i64, "float"));
  await checkOp(castOps[0]!, cast(i64, "bool"));
  await checkOp(castOps[0]!, cast(i64, "int32"));
  const i32: TestInput = { type: "int32", dims: [6], data: [-300, -129, -1, 0, 200, 300] };
  await checkOp(castOps[0]!, cast(i32, "int8"));
  await checkOp(castOps[0]!, cast(i32, "uint8"));
  const b: TestInput = { type: "bool", dims: [4], data: [1, 0, 0, 1] };
  await checkOp(castOps[0]!, cast(b, "float"));
  await checkOp(castOps[0]!, cast(b, "int64"));
  await checkOp(castOps[0]!, cast(floatInput([0], 1), "int32"));
});

gpuTest("castOps CastLike takes the target type from input 1", async () => {
  await checkOp(castOps[1]!, {
    opType: "CastLike",
    opset: 19,
    inputs: [floatInput([7], 2, -9, 9), { type: "int64", dims: [1], data: [0] }],
    outputTypes: ["int64"],
    tolerance: { rtol: 0, atol: 0 },
  });
});

async function castOnGpu(data: number[], to: number): Promise<number[]> {
  const node = {
    opType: "Cast",
    attributes: { to: { name: "to", docString: "", type: "int" as const, value: to } },
    inputs: [{ dims: [data.length], dtype: "f32" as const }],
    outputs: [{ dims: [data.length], dtype: "f32" as const }],
    constants: [],
  };
  const [y] = await runOpPlan(await testGpu(), node, castOps[0]!.plan(node), [data]);
  return [...y!];
}

function bf16round(v: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, v);
  const b = view.getUint32(0);
  view.setUint32(0, ((b + 0x7fff + ((b >>> 16) & 1)) & 0xffff0000) >>> 0);
  return view.getFloat32(0);
}

gpuTest(
  "castOps Cast rounds to half precision, when the target is float16 or bfloat16",
  async () => {
    const data = uniform(4, 64, -70000, 70000).concat(uniform(5, 64, -1, 1), [1 + 2 ** -11, 65520]);
    assert.deepEqual(await castOnGpu(data, 10), data.map((v) => Math.f16round(v)));
    assert.deepEqual(await castOnGpu(data, 16), data.map(bf16round));
  },
);
