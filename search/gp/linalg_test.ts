import assert from "node:assert/strict";
import {
  cholesky,
  choleskyInPlace,
  choleskySolve,
  logDeterminant,
  solveLower,
  solveLowerTransposed,
} from "./linalg.ts";

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-12): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i]! - expected[i]!) <= tolerance,
      `entry ${i}: ${actual[i]} vs ${expected[i]}`,
    );
  }
}

// A = L Lᵀ with L = [[2,0,0],[6,1,0],[-8,5,3]] (the classic textbook example)
const A = new Float64Array([4, 12, -16, 12, 37, -43, -16, -43, 98]);
const L = new Float64Array([2, 0, 0, 6, 1, 0, -8, 5, 3]);

Deno.test("cholesky() returns the known factor, when given a textbook 3 × 3 matrix", () => {
  close(cholesky(A, 3)!, L);
});

Deno.test("cholesky() reads only the lower triangle, when the upper one holds garbage", () => {
  const garbage = A.slice();
  garbage[1] = 1e9;
  garbage[2] = -7;
  garbage[5] = Number.NaN;
  close(cholesky(garbage, 3)!, L);
});

Deno.test("cholesky() returns undefined, when the matrix is not positive definite", () => {
  assert.equal(cholesky(new Float64Array([1, 2, 2, 1]), 2), undefined);
  assert.equal(cholesky(new Float64Array([0]), 1), undefined);
});

Deno.test("cholesky() reproduces A = L Lᵀ, when given a random SPD 20 × 20 matrix", () => {
  const n = 20;
  let state = 7;
  const next = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  const b = Float64Array.from({ length: n * n }, next);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = i === j ? 1 : 0;
      for (let k = 0; k < n; k++) sum += b[i * n + k]! * b[j * n + k]!;
      a[i * n + j] = sum;
    }
  }
  const l = cholesky(a, n)!;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += l[i * n + k]! * l[j * n + k]!;
      assert.ok(Math.abs(sum - a[i * n + j]!) < 1e-10, `(${i}, ${j})`);
      if (j > i) assert.equal(l[i * n + j], 0);
    }
  }
});

Deno.test("choleskyInPlace() overwrites the lower triangle only, when it succeeds", () => {
  const a = A.slice();
  a[1] = 99;
  assert.equal(choleskyInPlace(a, 3), true);
  close([a[0]!, a[3]!, a[4]!, a[6]!, a[7]!, a[8]!], [2, 6, 1, -8, 5, 3]);
  assert.equal(a[1], 99);
});

Deno.test("cholesky() throws a RangeError naming the argument, when sizes disagree", () => {
  assert.throws(() => cholesky(new Float64Array(5), 2), /'a' must hold n \* n = 4 entries/);
  assert.throws(() => cholesky(new Float64Array(4), -2), /'n' must be a non-negative integer/);
});

Deno.test("solveLower() and solveLowerTransposed() invert L and Lᵀ, when given a known factor", () => {
  const x = new Float64Array([1, -2, 3]);
  const lx = new Float64Array([2 * 1, 6 * 1 + 1 * -2, -8 * 1 + 5 * -2 + 3 * 3]);
  close(solveLower(L, 3, lx), x);
  const ltx = new Float64Array([2 * 1 + 6 * -2 + -8 * 3, 1 * -2 + 5 * 3, 3 * 3]);
  close(solveLowerTransposed(L, 3, ltx), x);
  assert.throws(() => solveLower(L, 3, new Float64Array(2)), /'b' must hold n = 3 entries/);
});

Deno.test("choleskySolve() solves A x = b, when given the factor of A", () => {
  const x = new Float64Array([0.5, -1, 2]);
  const b = new Float64Array(3);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) b[i]! += A[i * 3 + j]! * x[j]!;
  close(choleskySolve(L, 3, b), x, 1e-10);
});

Deno.test("logDeterminant() equals log det A, when given the factor of A", () => {
  // det A = (2 · 1 · 3)² = 36
  assert.ok(Math.abs(logDeterminant(L, 3) - Math.log(36)) < 1e-12);
});
