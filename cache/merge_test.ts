import assert from "node:assert/strict";
import {
  bestOf,
  entryKey,
  isConfirmed,
  mergeEntries,
  mergeTrials,
  replacesTrial,
} from "./merge.ts";
import type { CacheEntry } from "./types.ts";
import type { TrialRecord } from "../core/trial.ts";
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

/** A confirmed median of config `{ tile }`. */
function median(tile: number, timeMs: number): TrialRecord {
  return { ...trial(tile, timeMs), confirmed: true } as TrialRecord;
}

Deno.test("mergeTrials() keeps a confirmed median, when another writer's unconfirmed time is lower", () => {
  // Process A confirmed tile 8 (1.0 ms) as the winner over tile 16 (1.2 ms); process B's single,
  // lucky timing of tile 16 arrives later.
  const merged = mergeTrials([median(8, 1.0), median(16, 1.2)], [trial(16, 0.5)]);
  assert.deepEqual(merged, [median(8, 1.0), median(16, 1.2)]);
  assert.deepEqual(bestOf(merged)?.config, { tile: 8 }, "the best is still the confirmed winner");
  // The same through the keyed path (many trials at once).
  const many = Array.from({ length: 20 }, (_, i) => trial(100 + i, 9));
  const keyed = mergeTrials([median(8, 1.0), median(16, 1.2)], [trial(16, 0.5), ...many]);
  assert.deepEqual(keyed.slice(0, 2), [median(8, 1.0), median(16, 1.2)]);
  assert.equal(keyed.length, 22);
});

Deno.test("mergeTrials() replaces a confirmed median, when a confirmed time or a correctness failure arrives", () => {
  assert.deepEqual(mergeTrials([median(8, 1)], [median(8, 3)]), [median(8, 3)]);
  const wrong: TrialRecord = { config: { tile: 8 }, status: "wrong", timeMs: null };
  assert.deepEqual(mergeTrials([median(8, 1)], [wrong]), [wrong]);
  // Environment failures do not; between unconfirmed records the later one wins.
  assert.deepEqual(mergeTrials([median(8, 1)], [trial(8, null)]), [median(8, 1)]);
  assert.deepEqual(mergeTrials([trial(8, 1)], [trial(8, 0.5)]), [trial(8, 0.5)]);
  assert.deepEqual(mergeTrials([trial(8, 1)], [trial(8, null)]), [trial(8, null)]);
});

Deno.test("replacesTrial() and isConfirmed() follow the documented rule, for every pair of statuses", () => {
  const statuses = [
    "ok",
    "invalid",
    "compile_error",
    "runtime_error",
    "wrong",
    "timeout",
    "device_lost",
  ] as const;
  const records = statuses.flatMap((status) => {
    const base: TrialRecord = { config: { tile: 1 }, status, timeMs: status === "ok" ? 1 : null };
    return [base, { ...base, confirmed: true } as TrialRecord];
  });
  for (const stored of records) {
    for (const incoming of records) {
      const keep = isConfirmed(stored) && !isConfirmed(incoming) &&
        ["ok", "timeout", "device_lost"].includes(incoming.status);
      assert.equal(replacesTrial(stored, incoming), !keep, JSON.stringify([stored, incoming]));
    }
  }
  // A failed trial marked confirmed is not a confirmed time.
  assert.equal(isConfirmed({ ...trial(1, null), confirmed: true } as TrialRecord), false);
});

Deno.test("mergeEntries() keeps a confirmed median, when the newer entry holds an unconfirmed time", () => {
  const base = {
    kernel: "matmul",
    kernelVersion: 1,
    problemKey: "p",
    problem: null,
    best: null,
    defaultConfig: null,
    defaultTimeMs: null,
    strategy: "grid",
    complete: true,
  };
  const older: CacheEntry = {
    ...base,
    trials: [median(8, 1), median(16, 2)],
    updatedAt: "2026-01-01T00:00:00Z",
  };
  const newer: CacheEntry = {
    ...base,
    trials: [trial(16, 0.1)],
    updatedAt: "2026-01-02T00:00:00Z",
  };
  const merged = mergeEntries(older, newer);
  assert.deepEqual(merged.best, { config: { tile: 8 }, timeMs: 1 });
});
