import assert from "node:assert/strict";
import { compareToReference } from "./compare.ts";

Deno.test("compareToReference() fails on NaN, length mismatch and out-of-tolerance values", () => {
  const tol = { atol: 1e-3, rtol: 1e-3 };
  assert.equal(compareToReference([1, 2], new Float64Array([1, 2]), tol).ok, true);
  assert.equal(compareToReference([1, NaN], new Float64Array([1, 2]), tol).ok, false);
  assert.equal(compareToReference([1], new Float64Array([1, 2]), tol).ok, false);
  const bad = compareToReference([1, 2.1, 3.5], new Float64Array([1, 2, 3]), tol);
  assert.deepEqual([bad.ok, bad.firstBadIndex, bad.badCount], [false, 1, 2]);
});
