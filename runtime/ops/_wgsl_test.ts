import assert from "node:assert/strict";
import { GPU_AVAILABLE, testGpu } from "../../tests/gpu_fixture.ts";
import { runOpPlan } from "./execute.ts";
import {
  broadcastDims,
  broadcastIndex,
  gatherIndex,
  linearProgram,
  lit,
  MAX_LOOP,
  spread,
  stridedLoop,
} from "./_wgsl.ts";

Deno.test("broadcastDims() broadcasts numpy-style, when ranks and size-1 dims differ", () => {
  assert.deepEqual(broadcastDims("Add", [[2, 1, 4], [3, 1], []]), [2, 3, 4]);
  assert.deepEqual(broadcastDims("Add", [[0, 3], [1]]), [0, 3]);
  assert.throws(() => broadcastDims("Add", [[2], [3]]), RangeError);
});

Deno.test("broadcastIndex() folds to idx or 0u, when the input is full or a scalar", () => {
  assert.equal(broadcastIndex([2, 3], [2, 3], "i"), "i");
  assert.equal(broadcastIndex([1, 3], [1, 3], "i"), "i");
  assert.equal(broadcastIndex([], [4, 5], "i"), "0u");
  assert.equal(broadcastIndex([1, 1], [4, 5], "i"), "0u");
  assert.equal(broadcastIndex([5], [4, 5], "i"), "(i % 5u)");
  assert.equal(broadcastIndex([4, 1], [4, 5], "i"), "(i / 5u)");
});

Deno.test("gatherIndex() merges dims contiguous in the target, when strides allow", () => {
  assert.equal(gatherIndex("o", [3, 4], [4, 1]), "(o)");
  assert.equal(gatherIndex("o", [3, 4], [1, 3]), "((o % 4u) * 3u + (o / 4u))");
  assert.equal(gatherIndex("o", [1, 1], [7, 1]), "0u");
});

Deno.test("lit() writes WGSL literals, when values are integral or non-finite", () => {
  assert.equal(lit(3, "f32"), "3.0f");
  assert.equal(lit(1e-7, "f32"), "1.0000000116860974e-7f");
  assert.equal(lit(-Infinity, "f32"), "f32_bits(0xff800000u)");
  assert.equal(lit(-7.9, "i32"), "-7i");
});

Deno.test("spread() keeps each dispatch dimension under 65,536", () => {
  assert.deepEqual(spread(10), [10, 1, 1]);
  assert.deepEqual(spread(200_000), [65535, 4, 1]);
  assert.deepEqual(spread(0), [0, 1, 1]);
});

Deno.test("stridedLoop() unrolls under the iteration cap, when a thread has many elements", () => {
  const code = stridedLoop(100_000, 1, "lid", "acc += 1.0;");
  const bounds = [...code.matchAll(/j < (\d+)u;/g)].map((m) => Number(m[1]));
  assert.ok(bounds.length === 1 && bounds.every((b) => b <= MAX_LOOP));
});

Deno.test({
  name: "stridedLoop() sums 300,000 elements on one thread, past llvmpipe's loop cap",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const n = 300_000;
    const x = Array.from({ length: n }, (_, i) => (i % 7) - 3);
    const node = {
      opType: "Sum1",
      attributes: {},
      inputs: [{ dims: [n], dtype: "f32" as const }],
      outputs: [{ dims: [1], dtype: "f32" as const }],
      constants: [],
    };
    const program = linearProgram({
      key: "sum1",
      bindings: [
        { name: "in0", dtype: "f32", elements: n, access: "read" },
        { name: "out0", dtype: "f32", elements: 1, access: "read_write" },
      ],
      groups: 1,
      workgroup: 1,
      body: `  var acc = 0.0;
  ${stridedLoop(n, 1, "lid", "acc += in0[k];")}
  out0[0] = acc;`,
    });
    const [y] = await runOpPlan(await testGpu(), node, { programs: [program], scratch: [] }, [x]);
    assert.equal(y![0], x.reduce((a, b) => a + b, 0));
  },
});
