import assert from "node:assert/strict";
import type { OnnxAttribute } from "../../onnx/graph.ts";
import type { OnnxTensor } from "../../onnx/tensor.ts";
import { type ConformanceCase, UnsupportedCase } from "../case.ts";
import { floatTensor, recordingExecutor } from "../_recording_executor.ts";
import { contribAttentionAdapter, multiHeadAttentionAdapter } from "./ort_attention.ts";

const heads = (n: number): OnnxAttribute => ({
  name: "num_heads",
  docString: "",
  type: "int",
  value: n,
});

function contribCase(
  opType: string,
  inputs: (OnnxTensor | undefined)[],
  outputs: (OnnxTensor | undefined)[],
  attributes: OnnxAttribute[],
): ConformanceCase {
  return {
    id: "test",
    source: "ort-web-ops",
    opType,
    domain: "com.microsoft",
    opset: 1,
    attributes: Object.fromEntries(attributes.map((a) => [a.name, a])),
    inputs,
    outputs,
  };
}

Deno.test("contribAttentionAdapter.plan() projects QKV with one matmul and splits the columns", async () => {
  // input [1, 2, 3], weights [3, 3·4]: hidden 4 with 2 heads of size 2.
  const plan = contribAttentionAdapter.plan(
    contribCase("Attention", [floatTensor([1, 2, 3]), floatTensor([3, 12]), floatTensor([12])], [
      floatTensor([1, 2, 4]),
    ], [heads(2)]),
  );
  assert.deepEqual(plan.shapes, [[1, 2, 4]]);
  // The projection answers row r, column c with 100·r + c.
  const exec = recordingExecutor((call) =>
    call.op === "matmul"
      ? Array.from({ length: 24 }, (_, i) => 100 * Math.floor(i / 12) + i % 12)
      : new Float32Array(8)
  );
  await plan.run(exec);
  const [projection, attention] = exec.calls;
  assert.deepEqual(projection?.problem, { m: 2, n: 12, k: 3, batch: 1, dtype: "f32", bias: true });
  assert.deepEqual(projection?.inputs.bias, Array.from({ length: 12 }, (_, i) => i));
  assert.equal(attention?.op, "attention");
  assert.deepEqual(attention?.inputs.q, [0, 1, 100, 101, 2, 3, 102, 103]); // head-major Q columns 0..3
  assert.deepEqual(attention?.inputs.k, [4, 5, 104, 105, 6, 7, 106, 107]);
  assert.deepEqual(attention?.inputs.v, [8, 9, 108, 109, 10, 11, 110, 111]);
  assert.equal(attention?.problem.scale, 1 / Math.sqrt(2));
});

Deno.test("multiHeadAttentionAdapter.plan() adds the bias, concatenates the past and returns presents", async () => {
  const q = floatTensor([1, 1, 2]);
  const k = floatTensor([1, 1, 2], [10, 11]);
  const v = floatTensor([1, 1, 2], [20, 21]);
  const bias = floatTensor([6], [1, 2, 3, 4, 5, 6]);
  const past = floatTensor([1, 1, 1, 2], [-1, -2]);
  const attentionBias = floatTensor([1, 1, 1, 2], [0, -5]);
  const plan = multiHeadAttentionAdapter.plan(
    contribCase("MultiHeadAttention", [q, k, v, bias, undefined, attentionBias, past, past], [
      floatTensor([1, 1, 2]),
      floatTensor([1, 1, 2, 2]),
      floatTensor([1, 1, 2, 2]),
    ], [heads(1)]),
  );
  const exec = recordingExecutor(() => [7, 8]);
  const [y, presentKey, presentValue] = await plan.run(exec);
  const call = exec.calls[0]!;
  assert.deepEqual(call.inputs.q, [1, 3]);
  assert.deepEqual(call.inputs.k, [-1, -2, 13, 15]);
  assert.deepEqual(call.inputs.v, [-1, -2, 25, 27]);
  assert.deepEqual(call.inputs.mask, [0, -5]);
  assert.deepEqual(Array.from(presentKey!), [-1, -2, 13, 15]);
  assert.deepEqual(Array.from(presentValue!), [-1, -2, 25, 27]);
  assert.deepEqual(Array.from(y!), [7, 8]);
});

Deno.test("multiHeadAttentionAdapter.plan() skips the combinations with no defined meaning", () => {
  const t = floatTensor([1, 1, 2]);
  const past = floatTensor([1, 1, 1, 2]);
  const noPresent = contribCase(
    "MultiHeadAttention",
    [t, t, t, undefined, undefined, undefined, past, past],
    [t],
    [
      heads(1),
    ],
  );
  assert.throws(
    () => multiHeadAttentionAdapter.plan(noPresent),
    (e: Error) =>
      e instanceof UnsupportedCase &&
      e.message.startsWith("past_key without the present_key output"),
  );
  const bnsh = contribCase(
    "MultiHeadAttention",
    [t, past, past, undefined, undefined, undefined, past, past],
    [t, floatTensor([1, 1, 2, 2]), floatTensor([1, 1, 2, 2])],
    [heads(1)],
  );
  assert.throws(() => multiHeadAttentionAdapter.plan(bnsh), UnsupportedCase);
  const padding = contribCase("MultiHeadAttention", [t, t, t, undefined, floatTensor([1])], [t], [
    heads(1),
  ]);
  assert.throws(() => multiHeadAttentionAdapter.plan(padding), UnsupportedCase);
});
