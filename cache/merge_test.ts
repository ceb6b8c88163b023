import assert from "node:assert/strict";
import { bestOf, entryKey, mergeEntries, mergeTrials } from "./merge.ts";
import type { CacheEntry } from "./types.ts";
import { MATMUL_KEY, trial } from "./testdata/fixtures.ts";

Deno.test("entryKey() joins kernel, version and problem key", () => {
  assert.equal(entryKey("conv2d", 0, "f16/nhwc/3x3"), "conv2d@v0/f16/nhwc/3x3");
});

Deno.test("entryKey() throws RangeError naming the argument, when an argument is bad", () => {
  assert.throws(() => entryKey("", 1, "p"), /'kernel'.*""/);
  assert.throws(() => entryKey("a/b", 1, "p"), RangeError);
  assert.throws(() => entryKey("a b", 1, "p"), RangeError);
  assert.throws(() => entryKey("a", -1, "p"), /'kernelVersion'.*-1/);
  assert.throws(() => entryKey("a", Number.NaN, "p"), /'kernelVersion'.*NaN/);
  assert.throws(() => entryKey("a", 1, ""), /'problemKey'/);
});

Deno.test("mergeTrials() replaces trials of the same config in place and appends new ones, when few arrive", () => {
  const merged = mergeTrials(
    [trial(1, 5), trial(2, 4), { config: { tile: 3, vec: true }, status: "ok", timeMs: 3 }],
    [trial(2, null), { config: { vec: true, tile: 3 }, status: "ok", timeMs: 1 }, trial(4, 2)],
  );
  assert.deepEqual(merged.map((t) => [t.config.tile, t.timeMs]), [[1, 5], [2, null], [3, 1], [
    4,
    2,
  ]]);
});

Deno.test("mergeTrials() dedupes by configKey, when many trials arrive at once", () => {
  const existing = Array.from({ length: 50 }, (_, i) => trial(i, 10));
  const incoming = Array.from({ length: 30 }, (_, i) => trial(i * 2, 1));
  const merged = mergeTrials(existing, incoming);
  assert.equal(merged.length, 50 + 5); // tiles 50..58 (even) are new
  assert.deepEqual(merged[2], trial(2, 1));
  assert.deepEqual(merged[3], trial(3, 10));
  assert.deepEqual(merged.at(-1), trial(58, 1));
});

Deno.test("mergeTrials() keeps configs with different parameter sets apart", () => {
  const merged = mergeTrials([{ config: { a: 1 }, status: "ok", timeMs: 1 }], [
    { config: { a: 1, b: 2 }, status: "ok", timeMs: 2 },
    { config: {}, status: "ok", timeMs: 3 },
  ]);
  assert.equal(merged.length, 3);
});

Deno.test("bestOf() picks the fastest ok trial, the first on ties, and null when none is ok", () => {
  assert.deepEqual(bestOf([trial(1, 2), trial(2, 1), trial(3, 1), trial(4, null)]), {
    config: { tile: 2 },
    timeMs: 1,
  });
  assert.equal(bestOf([trial(1, null)]), null);
  assert.equal(bestOf([]), null);
});

function entry(fields: Partial<CacheEntry>): CacheEntry {
  return {
    ...MATMUL_KEY,
    trials: [],
    best: null,
    defaultConfig: null,
    defaultTimeMs: null,
    strategy: "",
    complete: false,
    updatedAt: "2026-01-01T00:00:00.000Z",
    ...fields,
  };
}

Deno.test("mergeEntries() lets the newer entry win conflicts, whichever side it is on", () => {
  const older = entry({
    trials: [trial(1, 1), trial(2, 5)],
    strategy: "grid",
    complete: true,
    defaultConfig: { tile: 1 },
    defaultTimeMs: 1,
    updatedAt: "2026-01-01T00:00:00.000Z",
  });
  const newer = entry({
    trials: [trial(1, 3), trial(3, 2)],
    strategy: "",
    updatedAt: "2026-02-01T00:00:00.000Z",
  });
  for (const merged of [mergeEntries(older, newer), mergeEntries(newer, older)]) {
    assert.deepEqual(merged.trials.map((t) => [t.config.tile, t.timeMs]), [[1, 3], [2, 5], [3, 2]]);
    assert.deepEqual(merged.best, { config: { tile: 3 }, timeMs: 2 });
    assert.equal(merged.strategy, "grid", "an empty strategy does not erase a known one");
    assert.equal(merged.complete, true);
    assert.deepEqual(merged.defaultConfig, { tile: 1 });
    assert.equal(merged.defaultTimeMs, 1);
    assert.equal(merged.updatedAt, "2026-02-01T00:00:00.000Z");
  }
});
