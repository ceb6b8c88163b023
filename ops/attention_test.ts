import assert from "node:assert/strict";
import { attentionFamily } from "../kernels/attention/family.ts";
import { GPU_AVAILABLE, testGpu } from "../tests/gpu_fixture.ts";
import { compareToReference } from "../core/compare.ts";
import { attention } from "./attention.ts";

const noCache = { cacheDir: null };

Deno.test({
  name: "attention() matches the reference, when the mask shape is inferred from its length",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const shape = { batch: 2, heads: 4, kvHeads: 2, seqQ: 5, seqKV: 7, headDim: 8, causal: true };
    for (const maskShape of [[5, 7], [2, 4, 5, 7]]) {
      const problem = attentionFamily.normalizeProblem({ ...shape, maskShape });
      const [q, k, v, mask] = attentionFamily.makeInputs(problem, 2).map((t) =>
        t.data as Float32Array
      );
      const out = await attention(gpu, q!, k!, v!, { ...shape, mask: mask! }, noCache);
      assert.equal(out.length, 2 * 4 * 5 * 8);
      const expected = attentionFamily.reference(problem, attentionFamily.makeInputs(problem, 2));
      assert.ok(
        compareToReference(out, expected, attentionFamily.tolerance(problem)).ok,
        `${maskShape}`,
      );
    }
  },
});

Deno.test({
  name: "attention() sees only key 0 from query 0, when causal (the documented example)",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const y = await attention(
      gpu,
      new Float32Array([1, 0, 0, 1]),
      new Float32Array([1, 0, 0, 1, 1, 1]),
      new Float32Array([1, 2, 3, 4, 5, 6]),
      { batch: 1, heads: 1, seqQ: 2, seqKV: 3, headDim: 2, causal: true },
      noCache,
    );
    assert.deepEqual([...y.slice(0, 2)], [1, 2]);
    // Query 1 = [0, 1] sees keys 0 and 1 with scores 0 and 1/sqrt(2).
    const w = Math.exp(Math.SQRT1_2) / (1 + Math.exp(Math.SQRT1_2));
    assert.ok(Math.abs(y[2]! - (1 + 2 * w)) < 1e-5 && Math.abs(y[3]! - (2 + 2 * w)) < 1e-5);
  },
});

Deno.test({
  name: "attention() rejects a mask of unknown shape and a maskShape without a mask",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const shape = { batch: 1, heads: 2, seqQ: 3, seqKV: 4, headDim: 4 };
    const q = new Float32Array(24);
    const kv = new Float32Array(32);
    await assert.rejects(
      attention(gpu, q, kv, kv, { ...shape, mask: new Float32Array(5) }, noCache),
      (e: unknown) =>
        e instanceof RangeError && /'mask' must have .* current length is 5/.test(e.message),
    );
    await assert.rejects(
      attention(gpu, q, kv, kv, { ...shape, maskShape: [3, 4] }, noCache),
      (e: unknown) => e instanceof TypeError && /'maskShape' needs a 'mask'/.test(e.message),
    );
    await assert.rejects(
      attention(gpu, q.subarray(1), kv, kv, shape, noCache),
      (e: unknown) => e instanceof RangeError && /input 'q' must have 24 elements/.test(e.message),
    );
  },
});

Deno.test({
  name: "attention() caps scores, when softcap is given",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const shape = { batch: 1, heads: 2, seqQ: 3, seqKV: 6, headDim: 4, softcap: 0.5 };
    const problem = attentionFamily.normalizeProblem(shape);
    const inputs = attentionFamily.makeInputs(problem, 6);
    const [q, k, v] = inputs.map((t) => (t.data as Float32Array).map((x) => 10 * x));
    const scaled = inputs.map((t) => ({
      name: t.name,
      data: (t.data as Float32Array).map((x) => 10 * x),
    }));
    const out = await attention(gpu, q!, k!, v!, shape, noCache);
    const expected = attentionFamily.reference(problem, scaled);
    assert.ok(compareToReference(out, expected, attentionFamily.tolerance(problem)).ok);
    const uncapped = await attention(gpu, q!, k!, v!, { ...shape, softcap: 0 }, noCache);
    assert.ok(!compareToReference(uncapped, expected, attentionFamily.tolerance(problem)).ok);
  },
});
