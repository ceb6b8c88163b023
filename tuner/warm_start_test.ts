import assert from "node:assert/strict";
import type { CacheEntry } from "../cache/mod.ts";
import { nearestPrior, problemDistance } from "./warm_start.ts";

function entry(problemKey: string, problem: unknown, kernelVersion = 1): CacheEntry {
  return {
    kernel: "matmul",
    kernelVersion,
    problemKey,
    problem,
    trials: [
      { config: { t: 1 }, status: "ok", timeMs: 2 },
      { config: { t: 2 }, status: "compile_error", timeMs: null, error: "x" },
    ],
    best: { config: { t: 1 }, timeMs: 2 },
    defaultConfig: null,
    defaultTimeMs: null,
    strategy: "random",
    complete: true,
    updatedAt: "2026-11-22T00:00:00.000Z",
  };
}

Deno.test("problemDistance() sums log2 ratios and refuses different dtypes", () => {
  assert.equal(problemDistance({ m: 256, n: 64 }, { m: 512, n: 16 }), 3);
  assert.equal(problemDistance({ m: 256, dtype: "f32" }, { m: 256, dtype: "f16" }), Infinity);
  assert.equal(problemDistance({ m: 1 }, null), Infinity);
});

Deno.test("nearestPrior() picks the nearest comparable entry and maps failures to Infinity", () => {
  const entries = [
    entry("far", { m: 4096, dtype: "f32" }),
    entry("near", { m: 512, dtype: "f32" }),
    entry("other-dtype", { m: 256, dtype: "f16" }),
    entry("old-version", { m: 256, dtype: "f32" }, 0),
    entry("self", { m: 256, dtype: "f32" }),
  ];
  const prior = nearestPrior("matmul", 1, "self", { m: 256, dtype: "f32" }, entries);
  assert.deepEqual(prior, [
    { config: { t: 1 }, status: "ok", timeMs: 2 },
    { config: { t: 2 }, status: "compile_error", timeMs: Infinity },
  ]);
  assert.deepEqual(nearestPrior("matmul", 1, "self", { m: 256, dtype: "f32" }, entries, 0.5), []);
});
