import assert from "node:assert/strict";
import type { HostTensor } from "../types.ts";
import { normalizeAttentionProblem } from "./problem.ts";
import { attentionReference, attentionTolerance, makeAttentionInputs } from "./reference.ts";

function tensors(q: number[], k: number[], v: number[], mask?: number[]): HostTensor[] {
  const out: HostTensor[] = [
    { name: "q", data: new Float32Array(q) },
    { name: "k", data: new Float32Array(k) },
    { name: "v", data: new Float32Array(v) },
  ];
  if (mask) out.push({ name: "mask", data: new Float32Array(mask) });
  return out;
}

function close(actual: ArrayLike<number>, expected: number[]): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) < 1e-6, `[${i}] ${actual[i]} vs ${expected[i]}`);
  }
}

Deno.test("attentionReference() matches a hand-computed softmax, when one query sees two keys", () => {
  // headDim 4, default scale 1/2: scores 0.5·(q·k) = [0, ln 3] → weights [1/4, 3/4].
  const p = normalizeAttentionProblem({ batch: 1, heads: 1, seqQ: 1, seqKV: 2, headDim: 4 });
  const ln3 = Math.log(3);
  const out = attentionReference(
    p,
    tensors([1, 1, 0, 0], [0, 0, 5, 5, ln3, ln3, 0, 0], [4, 0, 0, 0, 8, 1, 2, 3]),
  );
  close(out, [7, 0.75, 1.5, 2.25]);
});

Deno.test("attentionReference() masks upper-left causal keys, when seqQ differs from seqKV", () => {
  // Equal scores everywhere (q = 0): causal rows average the first i + 1 values of V.
  const v = [1, 2, 3, 4];
  const wide = normalizeAttentionProblem({
    batch: 1,
    heads: 1,
    seqQ: 2,
    seqKV: 4,
    headDim: 1,
    causal: true,
  });
  close(attentionReference(wide, tensors([0, 0], [1, 2, 3, 4], v)), [1, 1.5]);
  const tall = normalizeAttentionProblem({
    batch: 1,
    heads: 1,
    seqQ: 4,
    seqKV: 2,
    headDim: 1,
    causal: true,
  });
  close(attentionReference(tall, tensors([0, 0, 0, 0], [1, 2], [1, 2])), [1, 1.5, 1.5, 1.5]);
  const shifted = normalizeAttentionProblem({
    batch: 1,
    heads: 1,
    seqQ: 2,
    seqKV: 4,
    headDim: 1,
    causal: true,
    causalOffset: 2,
  });
  close(attentionReference(shifted, tensors([0, 0], [1, 2, 3, 4], v)), [2, 2.5]);
});

Deno.test("attentionReference() gives 0 for a row with no key left, when masked fully or causally", () => {
  const p = normalizeAttentionProblem({
    batch: 1,
    heads: 1,
    seqQ: 2,
    seqKV: 2,
    headDim: 1,
    mask: "2d",
  });
  const out = attentionReference(
    p,
    tensors([1, 1], [1, 2], [5, 7], [-Infinity, -Infinity, 0, -Infinity]),
  );
  close(out, [0, 5]);
  const none = normalizeAttentionProblem({
    batch: 1,
    heads: 1,
    seqQ: 2,
    seqKV: 2,
    headDim: 1,
    causal: true,
    causalOffset: -1,
  });
  close(attentionReference(none, tensors([1, 1], [1, 2], [5, 7])), [0, 5]);
});

Deno.test("attentionReference() maps query heads to kv heads by groups, when kvHeads < heads", () => {
  // q = 0: every head averages its kv head's V rows; kv head 0 has V rows [1, 3], kv head 1 [10, 30].
  const p = normalizeAttentionProblem({
    batch: 1,
    heads: 4,
    kvHeads: 2,
    seqQ: 1,
    seqKV: 2,
    headDim: 1,
  });
  const out = attentionReference(p, tensors([0, 0, 0, 0], [0, 0, 0, 0], [1, 3, 10, 30]));
  close(out, [2, 2, 20, 20]);
});

Deno.test("attentionReference() adds a broadcast mask with its own strides, when the mask is smaller", () => {
  // Mask [1, heads=2, 1, seqKV=2]: head 0 drops key 1, head 1 drops key 0, for every query row.
  const p = normalizeAttentionProblem({
    batch: 1,
    heads: 2,
    seqQ: 2,
    seqKV: 2,
    headDim: 1,
    maskShape: [2, 1, 2],
  });
  const out = attentionReference(
    p,
    tensors([1, 2, 3, 4], [1, 1, 1, 1], [5, 7, 11, 13], [0, -Infinity, -Infinity, 0]),
  );
  close(out, [5, 5, 13, 13]);
  // A finite mask shifts weights: scores [0, ln 3] → [1/4, 3/4].
  const q = normalizeAttentionProblem({
    batch: 1,
    heads: 1,
    seqQ: 1,
    seqKV: 2,
    headDim: 1,
    mask: "2d",
  });
  close(attentionReference(q, tensors([0], [0, 0], [4, 8], [0, Math.log(3)])), [7]);
});

Deno.test("attentionReference() applies a custom scale and a distinct V head size", () => {
  const p = normalizeAttentionProblem({
    batch: 1,
    heads: 1,
    seqQ: 1,
    seqKV: 2,
    headDim: 1,
    headDimV: 2,
    scale: 2,
  });
  // Scores 2·[0, ln 3 / 2] = [0, ln 3].
  close(attentionReference(p, tensors([1], [0, Math.log(3) / 2], [4, 40, 8, 80])), [7, 70]);
});

Deno.test("attentionReference() rejects inputs of the wrong size or name", () => {
  const p = normalizeAttentionProblem({ batch: 1, heads: 1, seqQ: 1, seqKV: 2, headDim: 1 });
  assert.throws(
    () => attentionReference(p, tensors([1], [1], [1, 2])),
    /input 'k' must have 2 elements/,
  );
  assert.throws(
    () => attentionReference(p, tensors([1], [1, 2], [1, 2]).slice(0, 2)),
    /must contain 'v'/,
  );
});

Deno.test("makeAttentionInputs() is deterministic per seed and rounds to the dtype", () => {
  const p = normalizeAttentionProblem({
    batch: 1,
    heads: 2,
    seqQ: 3,
    seqKV: 50,
    headDim: 4,
    mask: "2d",
  });
  const a = makeAttentionInputs(p, 7);
  const b = makeAttentionInputs(p, 7);
  const c = makeAttentionInputs(p, 8);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a[0]!.data, c[0]!.data);
  assert.deepEqual(a.map((t) => [t.name, t.data.length]), [["q", 24], ["k", 400], ["v", 400], [
    "mask",
    150,
  ]]);
  const mask = [...a[3]!.data];
  assert.ok(mask.some((x) => x === -Infinity) && mask.some((x) => Number.isFinite(x)));
  assert.ok([...a[0]!.data].every((x) => x >= -1 && x < 1));
  const f16 = makeAttentionInputs({ ...p, dtype: "f16" }, 7);
  assert.ok([...f16[1]!.data].every((x) => Math.f16round(x) === x));
});

Deno.test("attentionTolerance() is looser for f16 than for f32", () => {
  const p = normalizeAttentionProblem({ batch: 1, heads: 1, seqQ: 1, seqKV: 1, headDim: 8 });
  const f32 = attentionTolerance(p);
  const f16 = attentionTolerance({ ...p, dtype: "f16" });
  assert.ok(f16.atol > f32.atol && f16.rtol > f32.rtol);
});

Deno.test("attentionReference() caps scores with softcap·tanh(s/softcap) before the mask, when softcap is set", () => {
  // scale 1, softcap 1: scores [tanh(0), tanh(3)] = [0, 0.995...]; a -inf mask on key 0 stays -inf.
  const sizes = { batch: 1, heads: 1, seqQ: 1, seqKV: 2, headDim: 1, scale: 1, softcap: 1 };
  const w = 1 / (1 + Math.exp(-Math.tanh(3)));
  const p = normalizeAttentionProblem(sizes);
  close(attentionReference(p, tensors([1], [0, 3], [2, 4])), [2 * (1 - w) + 4 * w]);
  const masked = normalizeAttentionProblem({ ...sizes, mask: "2d" });
  close(attentionReference(masked, tensors([1], [0, 3], [2, 4], [0, -Infinity])), [2]);
});
