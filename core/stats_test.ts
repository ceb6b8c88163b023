import assert from "node:assert/strict";
import { median, quantile, summarizeTimings } from "./stats.ts";

Deno.test("quantile() interpolates between order statistics", () => {
  assert.equal(quantile([10, 0, 5], 0.5), 5);
  assert.equal(quantile([0, 10], 0.2), 2);
  assert.ok(Number.isNaN(quantile([], 0.5)));
});

Deno.test("summarizeTimings() reports median, p20 and p80", () => {
  const s = summarizeTimings([5, 1, 4, 2, 3]);
  assert.deepEqual([s.medianMs, s.p20Ms, s.p80Ms, s.samples], [3, 1.8, 4.2, 5]);
});

Deno.test("median() interpolates between the middle two samples, when their count is even", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});
