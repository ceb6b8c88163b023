import assert from "node:assert/strict";
import { quantile, summarizeTimings } from "./stats.ts";
import { compareToReference } from "./validate.ts";

Deno.test("quantile() interpolates between order statistics", () => {
  assert.equal(quantile([10, 0, 5], 0.5), 5);
  assert.equal(quantile([0, 10], 0.2), 2);
  assert.ok(Number.isNaN(quantile([], 0.5)));
});

Deno.test("summarizeTimings() reports median, p20 and p80", () => {
  const s = summarizeTimings([5, 1, 4, 2, 3]);
  assert.deepEqual([s.medianMs, s.p20Ms, s.p80Ms, s.samples], [3, 1.8, 4.2, 5]);
});

Deno.test("compareToReference() fails on NaN, length mismatch and out-of-tolerance values", () => {
  const tol = { atol: 1e-3, rtol: 1e-3 };
  assert.equal(compareToReference([1, 2], new Float64Array([1, 2]), tol).ok, true);
  assert.equal(compareToReference([1, NaN], new Float64Array([1, 2]), tol).ok, false);
  assert.equal(compareToReference([1], new Float64Array([1, 2]), tol).ok, false);
  const bad = compareToReference([1, 2.1, 3.5], new Float64Array([1, 2, 3]), tol);
  assert.deepEqual([bad.ok, bad.firstBadIndex, bad.badCount], [false, 1, 2]);
});
