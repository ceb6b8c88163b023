import assert from "node:assert/strict";
import { UnsupportedCase } from "../case.ts";
import type { ConformanceCase } from "../case.ts";
import { floatTensor, recordingExecutor } from "../_recording_executor.ts";
import { matmulAdapter } from "./matmul.ts";

function matmulCase(a: number[], b: number[]): ConformanceCase {
  return {
    id: "test",
    source: "onnx-node",
    opType: "MatMul",
    domain: "",
    opset: 13,
    attributes: {},
    inputs: [floatTensor(a), floatTensor(b)],
    outputs: [],
  };
}

Deno.test("matmulAdapter.plan() treats 1-D operands as numpy does", async () => {
  const plan = matmulAdapter.plan(matmulCase([4], [2, 4, 1]));
  assert.deepEqual(plan.shapes, [[2, 1]]);
  const exec = recordingExecutor(() => [7, 8]);
  const [y] = await plan.run(exec);
  assert.deepEqual(Array.from(y!), [7, 8]);
  const [call] = exec.calls;
  assert.deepEqual(call?.problem, { m: 1, n: 1, k: 4, batch: 2, dtype: "f32" });
  assert.deepEqual(call?.inputs.a, [0, 1, 2, 3, 0, 1, 2, 3]); // A broadcast to both batches
  assert.deepEqual(call?.inputs.b, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(matmulAdapter.plan(matmulCase([3], [3])).shapes, [[]]);
  assert.deepEqual(matmulAdapter.plan(matmulCase([1, 2, 4, 3], [3])).shapes, [[1, 2, 4]]);
});

Deno.test("matmulAdapter.plan() expands broadcast batch dims on the host", async () => {
  // A [2, 1, 1, 1] and B [1, 3, 1, 1]: batch [2, 3]; a[b0, b1] = A[b0], b[b0, b1] = B[b1].
  const plan = matmulAdapter.plan(matmulCase([2, 1, 1, 1], [1, 3, 1, 1]));
  assert.deepEqual(plan.shapes, [[2, 3, 1, 1]]);
  const exec = recordingExecutor(() => new Float32Array(6));
  await plan.run(exec);
  assert.equal(exec.calls[0]?.problem.batch, 6);
  assert.deepEqual(exec.calls[0]?.inputs.a, [0, 0, 0, 1, 1, 1]);
  assert.deepEqual(exec.calls[0]?.inputs.b, [0, 1, 2, 0, 1, 2]);
});

Deno.test("matmulAdapter.plan() rejects mismatched K and non-float types", () => {
  assert.throws(() => matmulAdapter.plan(matmulCase([2, 3], [4, 2])), RangeError);
  const c = matmulCase([2, 2], [2, 2]);
  const int8 = { ...c.inputs[0]!, dataType: "int8" as const, data: new Int8Array(4) };
  assert.throws(() => matmulAdapter.plan({ ...c, inputs: [int8, c.inputs[1]] }), UnsupportedCase);
});
