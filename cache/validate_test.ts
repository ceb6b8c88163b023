import assert from "node:assert/strict";
import { CacheFormatError } from "./errors.ts";
import { serializeCacheFile } from "./serialize.ts";
import type { CacheFile } from "./types.ts";
import {
  newerFormatVersion,
  salvageCacheFile,
  validateCacheFile,
  validateConfig,
  validateFingerprint,
  validateTrialRecord,
} from "./validate.ts";
import { MATMUL_KEY, testFingerprint, trial } from "./testdata/fixtures.ts";

async function goodFile(): Promise<CacheFile> {
  return {
    format: "wgtune-cache",
    formatVersion: 1,
    fingerprint: await testFingerprint("a"),
    entries: {
      "matmul@v1/f32_b1_m64_n64_k64": {
        ...MATMUL_KEY,
        trials: [trial(8, 1), trial(16, null)],
        best: { config: { tile: 8 }, timeMs: 1 },
        defaultConfig: { tile: 8 },
        defaultTimeMs: 1,
        strategy: "grid",
        complete: true,
        updatedAt: "2026-01-01T00:00:00.000Z",
      },
    },
  };
}

// deno-lint-ignore no-explicit-any
type Json = any;

/** A deep copy of `file` with `edit` applied to it. */
async function edited(edit: (file: Json) => void): Promise<unknown> {
  const file = JSON.parse(JSON.stringify(await goodFile()));
  edit(file);
  return file;
}

const ENTRY = "matmul@v1/f32_b1_m64_n64_k64";

Deno.test("validateCacheFile() accepts what serializeCacheFile() writes", async () => {
  const file = await goodFile();
  assert.deepEqual(validateCacheFile(JSON.parse(serializeCacheFile(file))), file);
});

Deno.test("validateCacheFile() names the first bad field, when the data is garbage", async () => {
  const cases: [(file: Json) => void, RegExp][] = [
    [(f) => f.format = "kernel-tuner", /'format' must be "wgtune-cache"/],
    [(f) => delete f.formatVersion, /'formatVersion' must be 1: got undefined/],
    [(f) => f.formatVersion = 2, /written by a newer wgtune.*got 2/],
    [(f) => f.fingerprint.hash = "abc", /'fingerprint\.hash' must be 16 lower-case hex digits/],
    [(f) => f.fingerprint.slug = "../../x", /'fingerprint\.slug'/],
    [
      (f) => f.fingerprint.fields.adapter = "gpu",
      /'fingerprint\.fields\.adapter' must be an object/,
    ],
    [(f) => f.entries = [], /'entries' must be an object: got \[\]/],
    [
      (f) => f.entries[ENTRY].trials = {},
      /'entries\["matmul@v1\/f32_b1_m64_n64_k64"\]\.trials' must be an array/,
    ],
    [
      (f) => f.entries[ENTRY].trials[1].status = "slow",
      /\.trials\[1\]\.status' must be one of ok, /,
    ],
    [
      (f) => f.entries[ENTRY].trials[0].timeMs = "1",
      /\.trials\[0\]\.timeMs' must be a number: got "1"/,
    ],
    [(f) => f.entries[ENTRY].trials[0].config = null, /\.trials\[0\]\.config' must be an object/],
    [
      (f) => f.entries[ENTRY].trials[0].config.tile = {},
      /\.trials\[0\]\.config\.tile' must be a number, string or boolean/,
    ],
    [
      (f) => f.entries[ENTRY].kernelVersion = -1,
      /\.kernelVersion' must be an integer >= 0: got -1/,
    ],
    [(f) => f.entries[ENTRY].kernel = 7, /\.kernel' must be a string: got 7/],
    [(f) => f.entries[ENTRY].complete = "yes", /\.complete' must be a boolean/],
    [(f) => f.entries[ENTRY].updatedAt = "yesterday", /\.updatedAt' must be an ISO date/],
    [(f) => f.entries[ENTRY].best = { config: { tile: 8 } }, /\.best\.timeMs' must be a number/],
    [
      (f) => f.entries["conv2d@v1/x"] = f.entries[ENTRY],
      /'entries\["conv2d@v1\/x"\]' must be keyed "matmul@v1\/f32_b1_m64_n64_k64"/,
    ],
    [(f) => f.entries[ENTRY].kernel = "a/b", /must be an entry with a valid kernel name/],
  ];
  for (const [edit, message] of cases) {
    const data = await edited(edit);
    assert.throws(
      () => validateCacheFile(data),
      (error: Error) => error instanceof CacheFormatError && message.test(error.message),
      `${message}`,
    );
  }
  assert.throws(() => validateCacheFile(null), /: the content must be an object: got null$/);
  assert.throws(() => validateCacheFile("text", "files[3]"), /'files\[3\]' must be an object/);
  assert.throws(() => validateCacheFile({ format: 1 }, "files[3]"), /'files\[3\]\.format'/);
});

Deno.test("validateCacheFile() keeps unknown extra fields and fills optional entry fields, when they are absent", async () => {
  const data = await edited((f) => {
    f.extra = { note: "kept" };
    f.entries[ENTRY].extra = 1;
    f.entries[ENTRY].trials[0].gflops = 99;
    for (
      const name of [
        "problem",
        "best",
        "defaultConfig",
        "defaultTimeMs",
        "strategy",
        "complete",
        "updatedAt",
      ]
    ) {
      delete f.entries[ENTRY][name];
    }
  });
  const file = validateCacheFile(data) as CacheFile & { extra: unknown };
  assert.deepEqual(file.extra, { note: "kept" });
  const entry = file.entries[ENTRY]!;
  assert.equal((entry as unknown as { extra: number }).extra, 1);
  assert.equal((entry.trials[0] as unknown as { gflops: number }).gflops, 99);
  assert.equal(entry.problem, null);
  assert.equal(entry.best, null);
  assert.equal(entry.defaultConfig, null);
  assert.equal(entry.defaultTimeMs, null);
  assert.equal(entry.strategy, "");
  assert.equal(entry.complete, false);
  assert.equal(entry.updatedAt, "1970-01-01T00:00:00.000Z");
});

Deno.test("validateTrialRecord() throws TypeError or RangeError naming the field, when checking an argument", () => {
  assert.throws(
    () =>
      validateTrialRecord({ config: { x: 1 }, status: "ok", timeMs: Infinity }, "t", "argument"),
    (error: Error) =>
      error instanceof RangeError &&
      /'t\.timeMs' must be a finite number >= 0: got Infinity/.test(error.message),
  );
  assert.throws(
    () => validateTrialRecord({ config: { x: 1 }, status: 3, timeMs: 1 }, "t", "argument"),
    (error: Error) => error instanceof TypeError && /'t\.status'/.test(error.message),
  );
  assert.throws(
    () =>
      validateTrialRecord(
        { config: { x: 1 }, status: "ok", timeMs: 1, p20Ms: "a" },
        "t",
        "argument",
      ),
    /'t\.p20Ms' must be a number/,
  );
  assert.throws(
    () =>
      validateTrialRecord(
        { config: { x: 1 }, status: "wrong", timeMs: null, error: 5 },
        "t",
        "argument",
      ),
    /'t\.error' must be a string/,
  );
});

Deno.test("validateTrialRecord() normalizes failed times to null and drops empty optional fields", () => {
  const trial = validateTrialRecord(
    {
      config: { x: 1 },
      status: "runtime_error",
      timeMs: 12,
      p20Ms: null,
      p80Ms: Infinity,
      error: undefined,
    },
    "t",
    "argument",
  );
  assert.deepEqual(trial, { config: { x: 1 }, status: "runtime_error", timeMs: null });
});

Deno.test("validateConfig() accepts finite numbers, strings and booleans only", () => {
  assert.deepEqual(validateConfig({ a: 1, b: "x", c: false }, "c", "argument"), {
    a: 1,
    b: "x",
    c: false,
  });
  assert.throws(() => validateConfig({ a: Number.NaN }, "c", "argument"), RangeError);
  assert.throws(() => validateConfig({ a: null }, "c", "argument"), TypeError);
  assert.throws(() => validateConfig([1], "c", "argument"), TypeError);
  assert.throws(() => validateConfig({ a: undefined }, "c", "file"), CacheFormatError);
});

Deno.test("validateFingerprint() accepts computed fingerprints and rejects a slug not ending with the hash", async () => {
  const fingerprint = await testFingerprint("a");
  assert.equal(validateFingerprint(fingerprint, "fp", "argument"), fingerprint);
  assert.throws(
    () => validateFingerprint({ ...fingerprint, slug: "deno-0000000000000000" }, "fp", "argument"),
    RangeError,
  );
});

Deno.test("validateTrialRecord() keeps a boolean 'confirmed' and refuses any other value", () => {
  const confirmed = { ...trial(8, 1), confirmed: true };
  assert.equal(
    (validateTrialRecord(confirmed, "t", "file") as { confirmed?: boolean }).confirmed,
    true,
  );
  assert.throws(
    () => validateTrialRecord({ ...trial(8, 1), confirmed: "yes" }, "t", "file"),
    /'t.confirmed' must be a boolean/,
  );
});

Deno.test("salvageCacheFile() keeps the valid trials and entries, when some are invalid", async () => {
  const data = await edited((f) => {
    f.entries[ENTRY].trials.push({ config: { tile: 4 }, status: "ok", timeMs: 0.1 });
    f.entries[ENTRY].trials[0].timeMs = -1; // the best: dropped, best recomputed
    f.entries["matmul@v1/other"] = { ...f.entries[ENTRY], problemKey: "other", kernel: 7 };
    f.entries["matmul@v1/third"] = { ...f.entries[ENTRY], problemKey: "third" };
  });
  const { file, dropped } = salvageCacheFile(data);
  assert.deepEqual(Object.keys(file.entries), [ENTRY, "matmul@v1/third"]);
  assert.deepEqual(file.entries[ENTRY]!.trials.map((t) => t.config.tile), [16, 4]);
  assert.deepEqual(file.entries[ENTRY]!.best, { config: { tile: 4 }, timeMs: 0.1 });
  assert.equal(file.entries["matmul@v1/third"]!.trials.length, 2, "an untouched entry is whole");
  assert.equal(dropped.length, 3);
  assert.match(
    dropped[0]!,
    /trials\[0\]\.timeMs' must be a finite number >= 0.*\(dropped the trial\)$/,
  );
  assert.match(
    dropped[1]!,
    /"matmul@v1\/other"\]\.kernel' must be a string.*\(dropped the entry\)$/,
  );
  // What is kept passes the strict check.
  assert.doesNotThrow(() => validateCacheFile(JSON.parse(serializeCacheFile(file))));
  assert.deepEqual(salvageCacheFile(await goodFile()), { file: await goodFile(), dropped: [] });
});

Deno.test("salvageCacheFile() throws CacheFormatError, when the file itself is unusable", async () => {
  for (
    const edit of [
      (f: Json) => f.format = "x",
      (f: Json) => f.formatVersion = 2,
      (f: Json) => f.fingerprint.hash = "abc",
      (f: Json) => f.entries = [],
    ]
  ) {
    const data = await edited(edit);
    assert.throws(() => salvageCacheFile(data), CacheFormatError);
  }
});

Deno.test("newerFormatVersion() tells a newer wgtune's cache file from others", () => {
  assert.equal(newerFormatVersion({ format: "wgtune-cache", formatVersion: 2 }), 2);
  assert.equal(newerFormatVersion({ format: "wgtune-cache", formatVersion: 1 }), undefined);
  assert.equal(newerFormatVersion({ format: "wgtune-cache", formatVersion: "2" }), undefined);
  assert.equal(newerFormatVersion({ format: "other", formatVersion: 9 }), undefined);
  assert.equal(newerFormatVersion(null), undefined);
});

Deno.test("salvageCacheFile() resets invalid optional fields of an entry and keeps its trials", async () => {
  const data = await edited((f) => {
    f.entries[ENTRY].complete = "yes";
    f.entries[ENTRY].updatedAt = "yesterday";
    f.entries[ENTRY].best = { config: { tile: 8 } };
    f.entries[ENTRY].defaultConfig = [1];
    f.entries[ENTRY].strategy = 3;
  });
  const { file, dropped } = salvageCacheFile(data);
  const entry = file.entries[ENTRY]!;
  assert.equal(entry.trials.length, 2);
  assert.equal(entry.complete, false, "searched again");
  assert.equal(entry.updatedAt, new Date(0).toISOString());
  assert.deepEqual(entry.best, { config: { tile: 8 }, timeMs: 1 });
  assert.equal(entry.defaultConfig, null);
  assert.equal(entry.strategy, "");
  assert.equal(dropped.length, 5);
  assert.ok(dropped.every((line) => line.endsWith("(reset the field)")), dropped.join("\n"));
});
