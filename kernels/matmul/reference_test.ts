import assert from "node:assert/strict";
import { compareToReference } from "../../core/compare.ts";
import { normalizeMatmulProblem } from "./problem.ts";
import { makeMatmulInputs, matmulReference, matmulTolerance } from "./reference.ts";

Deno.test("matmulReference() computes a hand-checked batched product with bias and ReLU", () => {
  const problem = normalizeMatmulProblem({
    m: 2,
    n: 2,
    k: 3,
    batch: 2,
    bias: true,
    activation: "relu",
  });
  const a = new Float32Array([
    // batch 0: [[1, 2, 3], [4, 5, 6]]
    1,
    2,
    3,
    4,
    5,
    6,
    // batch 1: [[1, 0, -1], [0, 0, 0]]
    1,
    0,
    -1,
    0,
    0,
    0,
  ]);
  const b = new Float32Array([
    // batch 0: [[1, 0], [0, 1], [1, -1]]
    1,
    0,
    0,
    1,
    1,
    -1,
    // batch 1: [[2, 3], [4, 5], [6, 7]]
    2,
    3,
    4,
    5,
    6,
    7,
  ]);
  const bias = new Float32Array([0.5, -1]);
  const out = matmulReference(problem, [{ name: "a", data: a }, { name: "b", data: b }, {
    name: "bias",
    data: bias,
  }]);
  // batch 0: [[4, -1], [10, -1]] + bias = [[4.5, -2], [10.5, -2]] -> relu [[4.5, 0], [10.5, 0]]
  // batch 1: [[-4, -4], [0, 0]] + bias = [[-3.5, -5], [0.5, -1]] -> relu [[0, 0], [0.5, 0]]
  assert.deepEqual([...out], [4.5, 0, 10.5, 0, 0, 0, 0.5, 0]);
  const plain = matmulReference({ ...problem, bias: false, activation: "none" }, [
    { name: "a", data: a },
    { name: "b", data: b },
  ]);
  assert.deepEqual([...plain], [4, -1, 10, -1, -4, -4, 0, 0]);
});

Deno.test("matmulReference() throws naming the input, when one is missing or has the wrong size", () => {
  const problem = normalizeMatmulProblem({ m: 2, n: 2, k: 2, bias: true });
  const a = { name: "a", data: new Float32Array(4) };
  const b = { name: "b", data: new Float32Array(4) };
  assert.throws(() => matmulReference(problem, [a, b]), /'bias'/);
  assert.throws(
    () => matmulReference(problem, [a, { name: "b", data: new Float32Array(3) }]),
    (e: unknown) => e instanceof RangeError && /'b' must have 4 elements: it has 3/.test(e.message),
  );
});

Deno.test("makeMatmulInputs() is deterministic per seed, in [-1, 1), with one tensor per input binding", () => {
  const problem = normalizeMatmulProblem({ m: 5, n: 7, k: 3, batch: 2, bias: true });
  const first = makeMatmulInputs(problem, 42);
  assert.deepEqual(first.map((t) => [t.name, t.data.length]), [["a", 30], ["b", 42], ["bias", 7]]);
  assert.deepEqual(makeMatmulInputs(problem, 42), first);
  assert.notDeepEqual(makeMatmulInputs(problem, 43)[0]!.data, first[0]!.data);
  for (const tensor of first) {
    for (const v of tensor.data) assert.ok(v >= -1 && v < 1, `${v}`);
  }
  assert.throws(() => makeMatmulInputs(problem, 1.5), /'seed'.*1\.5/);
});

Deno.test("makeMatmulInputs() rounds f16 problems' values to f16", () => {
  const problem = normalizeMatmulProblem({ m: 8, n: 8, k: 8, dtype: "f16" });
  const inputs = makeMatmulInputs(problem, 3);
  let changed = 0;
  for (const tensor of inputs) {
    for (const v of tensor.data) assert.equal(Math.f16round(v), v);
  }
  // The same seed in f32 gives values that f16 cannot hold exactly.
  for (const v of makeMatmulInputs({ ...problem, dtype: "f32" }, 3)[0]!.data) {
    if (Math.f16round(v) !== v) changed++;
  }
  assert.ok(changed > 0);
});

Deno.test("matmulTolerance() grows with k, is looser for f16, and still rejects a missing term", () => {
  const small = matmulTolerance(normalizeMatmulProblem({ m: 1, n: 1, k: 16 }));
  const large = matmulTolerance(normalizeMatmulProblem({ m: 1, n: 1, k: 4096 }));
  const half = matmulTolerance(normalizeMatmulProblem({ m: 1, n: 1, k: 16, dtype: "f16" }));
  assert.ok(large.atol > small.atol);
  assert.ok(half.rtol > small.rtol);
  // An output that drops one k term differs by |a·b| ~ 0.25, far beyond the tolerance.
  for (const dtype of ["f32", "f16"] as const) {
    const problem = normalizeMatmulProblem({ m: 16, n: 16, k: 257, dtype });
    const inputs = makeMatmulInputs(problem, 9);
    const expected = matmulReference(problem, inputs);
    const truncated = matmulReference({ ...problem, k: 256 }, [
      { name: "a", data: stripLastColumn(inputs[0]!.data, 16, 257) },
      { name: "b", data: inputs[1]!.data.slice(0, 256 * 16) },
    ]);
    const result = compareToReference(Float32Array.from(truncated), expected, {
      ...matmulTolerance(problem),
    });
    assert.equal(result.ok, false);
    assert.ok(result.badCount > 128, `${result.badCount} of 256 flagged`);
    // Rounding the exact result to the storage type stays within tolerance.
    const round = dtype === "f16" ? Math.f16round : Math.fround;
    const stored = Float32Array.from(expected, (v) => round(v));
    assert.ok(compareToReference(stored, expected, matmulTolerance(problem)).ok);
  }
});

function stripLastColumn(data: ArrayLike<number>, rows: number, columns: number): Float32Array {
  const out = new Float32Array(rows * (columns - 1));
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns - 1; c++) out[r * (columns - 1) + c] = data[r * columns + c]!;
  }
  return out;
}
