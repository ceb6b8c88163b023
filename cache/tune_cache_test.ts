import assert from "node:assert/strict";
import path from "node:path";
import { CacheDirError, CacheFormatError } from "./errors.ts";
import { serializeCacheFile } from "./serialize.ts";
import { TuneCache } from "./tune_cache.ts";
import {
  MATMUL_KEY,
  namesIn,
  tempDir,
  testFingerprint,
  trial,
  warnings,
} from "./testdata/fixtures.ts";

const { kernel, kernelVersion, problemKey } = MATMUL_KEY;

Deno.test("TuneCache.get() returns what recordTrials() wrote, when read back from disk", async () => {
  await using dir = await tempDir();
  const fingerprint = await testFingerprint("a");
  const cache = await TuneCache.open(dir.path, fingerprint);
  assert.equal(cache.path, path.join(dir.path, `${fingerprint.slug}.json`));
  assert.equal(await cache.get(kernel, kernelVersion, problemKey), undefined);
  const written = await cache.recordTrials(MATMUL_KEY, {
    trials: [trial(8, 2), trial(16, null), trial(32, 1.5, { gflops: 12 })],
    strategy: "grid",
    complete: true,
    defaultConfig: { tile: 8 },
    defaultTimeMs: 2,
  });
  const reopened = await TuneCache.open(dir.path, fingerprint);
  const entry = await reopened.get(kernel, kernelVersion, problemKey);
  assert.deepEqual(entry, written);
  assert.equal(entry?.kernel, "matmul");
  assert.deepEqual(entry?.problem, MATMUL_KEY.problem);
  assert.deepEqual(entry?.best, { config: { tile: 32 }, timeMs: 1.5 });
  assert.deepEqual(entry?.trials[1], trial(16, null));
  assert.equal((entry?.trials[2] as unknown as { gflops: number }).gflops, 12);
  assert.equal(entry?.strategy, "grid");
  assert.equal(entry?.complete, true);
  assert.deepEqual(entry?.defaultConfig, { tile: 8 });
  assert.equal(entry?.defaultTimeMs, 2);
  assert.ok(Math.abs(Date.parse(entry!.updatedAt) - Date.now()) < 60_000);
  assert.deepEqual(await reopened.entries(), [written]);
  const onDisk = JSON.parse(await Deno.readTextFile(cache.path));
  assert.equal(onDisk.format, "wgtune-cache");
  assert.equal(onDisk.formatVersion, 1);
  assert.deepEqual(onDisk.fingerprint, fingerprint);
  assert.deepEqual(Object.keys(onDisk.entries), ["matmul@v1/f32_b1_m64_n64_k64"]);
});

Deno.test("TuneCache.recordTrials() merges trials across calls, deduped by config, and recomputes best", async () => {
  await using dir = await tempDir();
  const cache = await TuneCache.open(dir.path, await testFingerprint("a"));
  await cache.recordTrials(MATMUL_KEY, { trials: [trial(8, 3), trial(16, 1)], strategy: "random" });
  await cache.recordTrials(MATMUL_KEY, { trials: [trial(32, 2)] });
  let entry = await cache.get(kernel, kernelVersion, problemKey);
  assert.deepEqual(entry?.trials.map((t) => t.config.tile), [8, 16, 32]);
  assert.deepEqual(entry?.best, { config: { tile: 16 }, timeMs: 1 });
  // A newer record of tile 16 (now failing) replaces the old one in place; best moves on.
  entry = await cache.recordTrials(MATMUL_KEY, { trials: [trial(16, null)], complete: true });
  assert.deepEqual(entry.trials.map((t) => [t.config.tile, t.status]), [
    [8, "ok"],
    [16, "timeout"],
    [32, "ok"],
  ]);
  assert.deepEqual(entry.best, { config: { tile: 32 }, timeMs: 2 });
  assert.equal(entry.strategy, "random", "fields not given keep their stored value");
  assert.equal(entry.complete, true);
  // Configs with the same parameters in another key order are the same config.
  entry = await cache.recordTrials(MATMUL_KEY, {
    trials: [{ config: { b: 1, a: 2 }, status: "ok", timeMs: 5 }],
  });
  entry = await cache.recordTrials(MATMUL_KEY, {
    trials: [{ config: { a: 2, b: 1 }, status: "ok", timeMs: 0.5 }],
  });
  assert.equal(entry.trials.length, 4);
  assert.deepEqual(entry.best, { config: { a: 2, b: 1 }, timeMs: 0.5 });
  assert.deepEqual(await cache.get(kernel, kernelVersion, problemKey), entry);
});

Deno.test("TuneCache.recordTrials() keeps best null, when no trial ran correctly", async () => {
  await using dir = await tempDir();
  const cache = await TuneCache.open(dir.path, await testFingerprint("a"));
  const entry = await cache.recordTrials(MATMUL_KEY, {
    trials: [trial(8, null), { config: { tile: 4 }, status: "wrong", timeMs: Infinity }],
    defaultTimeMs: Infinity,
  });
  assert.equal(entry.best, null);
  assert.equal(entry.trials[1]?.timeMs, null);
  assert.equal(entry.defaultTimeMs, null);
  assert.equal(entry.defaultConfig, null);
});

Deno.test("TuneCache.get() never returns entries of another kernel version, which stay in the file", async () => {
  await using dir = await tempDir();
  const cache = await TuneCache.open(dir.path, await testFingerprint("a"));
  await cache.recordTrials(MATMUL_KEY, { trials: [trial(8, 1)] });
  await cache.recordTrials({ ...MATMUL_KEY, kernelVersion: 2 }, { trials: [trial(16, 2)] });
  assert.deepEqual((await cache.get(kernel, 2, problemKey))?.best?.config, { tile: 16 });
  assert.deepEqual((await cache.get(kernel, 1, problemKey))?.best?.config, { tile: 8 });
  assert.equal(await cache.get(kernel, 3, problemKey), undefined);
  assert.equal(await cache.get("conv2d", 1, problemKey), undefined);
  assert.equal((await cache.entries()).length, 2);
});

Deno.test("TuneCache.pruneStale() removes entries of older listed kernel versions only", async () => {
  await using dir = await tempDir();
  const cache = await TuneCache.open(dir.path, await testFingerprint("a"));
  for (const version of [1, 2, 3]) {
    await cache.recordTrials({ ...MATMUL_KEY, kernelVersion: version }, { trials: [trial(8, 1)] });
  }
  await cache.recordTrials({ ...MATMUL_KEY, kernel: "conv2d" }, { trials: [trial(8, 1)] });
  assert.equal(await cache.pruneStale({ matmul: 2 }), 1);
  const left = (await cache.entries()).map((e) => `${e.kernel}@${e.kernelVersion}`).sort();
  assert.deepEqual(left, ["conv2d@1", "matmul@2", "matmul@3"]);
  assert.equal(await cache.pruneStale({ matmul: 2 }), 0);
  await assert.rejects(() => cache.pruneStale({ matmul: -1 }), RangeError);
});

Deno.test("TuneCache.pruneStale() writes nothing, when there is no cache file", async () => {
  await using dir = await tempDir();
  const cache = await TuneCache.open(dir.path, await testFingerprint("a"));
  assert.equal(await cache.pruneStale({ matmul: 5 }), 0);
  assert.deepEqual(await namesIn(dir.path), []);
});

Deno.test("TuneCache.recordTrials() rejects bad arguments naming them, and writes nothing", async () => {
  await using dir = await tempDir();
  const cache = await TuneCache.open(dir.path, await testFingerprint("a"));
  const bad: [unknown, unknown, ErrorConstructor | RangeErrorConstructor, RegExp][] = [
    [{ ...MATMUL_KEY, kernel: "" }, {}, RangeError, /'kernel'/],
    [{ ...MATMUL_KEY, kernel: "mat@mul" }, {}, RangeError, /'kernel'.*"mat@mul"/],
    [{ ...MATMUL_KEY, kernelVersion: 1.5 }, {}, RangeError, /'kernelVersion'.*1\.5/],
    [{ ...MATMUL_KEY, problemKey: "" }, {}, RangeError, /'problemKey'/],
    [{ ...MATMUL_KEY, problem: { n: 1n } }, {}, TypeError, /'key\.problem'/],
    [MATMUL_KEY, { trials: "x" }, TypeError, /'patch\.trials'/],
    [
      MATMUL_KEY,
      { trials: [{ config: { tile: 8 }, status: "fast", timeMs: 1 }] },
      TypeError,
      /'patch\.trials\[0\]\.status'.*"fast"/,
    ],
    [
      MATMUL_KEY,
      { trials: [trial(8, 1), { config: { tile: 8 }, status: "ok", timeMs: null }] },
      TypeError,
      /'patch\.trials\[1\]\.timeMs'/,
    ],
    [
      MATMUL_KEY,
      { trials: [{ config: { tile: 8 }, status: "ok", timeMs: -1 }] },
      RangeError,
      /'patch\.trials\[0\]\.timeMs'.*-1/,
    ],
    [
      MATMUL_KEY,
      { trials: [{ config: { tile: [8] }, status: "ok", timeMs: 1 }] },
      TypeError,
      /'patch\.trials\[0\]\.config\.tile'/,
    ],
    [MATMUL_KEY, { defaultConfig: null }, TypeError, /'patch\.defaultConfig'/],
    [MATMUL_KEY, { defaultTimeMs: Number.NaN }, RangeError, /'patch\.defaultTimeMs'.*NaN/],
    [MATMUL_KEY, { complete: "yes" }, TypeError, /'patch\.complete'/],
  ];
  for (const [key, patch, type, message] of bad) {
    await assert.rejects(
      // deno-lint-ignore no-explicit-any
      () => cache.recordTrials(key as any, patch as any),
      (error: Error) => error instanceof type && message.test(error.message),
      `${JSON.stringify(key, (_, v) => typeof v === "bigint" ? `${v}n` : v)} ${
        JSON.stringify(patch)
      }`,
    );
  }
  assert.deepEqual(await namesIn(dir.path), []);
});

Deno.test("TuneCache.open() throws CacheDirError naming the dir and the reason, when the dir is under a regular file", async () => {
  await using dir = await tempDir();
  const file = path.join(dir.path, "file");
  await Deno.writeTextFile(file, "");
  const unusable = path.join(file, "cache");
  const error = await TuneCache.open(unusable, await testFingerprint("a")).then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.ok(error instanceof CacheDirError, String(error));
  assert.equal(error.dir, unusable);
  assert.match(
    error.message,
    /^cache directory '.*\/file\/cache' is not usable: .*[Nn]ot a directory/,
  );
  assert.ok(!error.message.includes("\n"));
});

Deno.test("TuneCache.open() throws CacheDirError, when the dir is a regular file", async () => {
  await using dir = await tempDir();
  const file = path.join(dir.path, "file");
  await Deno.writeTextFile(file, "");
  const fingerprint = await testFingerprint("a");
  await assert.rejects(() => TuneCache.open(file, fingerprint), CacheDirError);
});

Deno.test("TuneCache.open() creates missing parent directories", async () => {
  await using dir = await tempDir();
  const nested = path.join(dir.path, "a", "b", "c");
  const cache = await TuneCache.open(nested, await testFingerprint("a"));
  await cache.recordTrials(MATMUL_KEY, { trials: [trial(8, 1)] });
  assert.deepEqual(await namesIn(nested), [path.basename(cache.path)]);
});

Deno.test("TuneCache.open() rejects a malformed fingerprint with a TypeError or RangeError", async () => {
  await using dir = await tempDir();
  const good = await testFingerprint("a");
  await assert.rejects(
    () => TuneCache.open(dir.path, { ...good, slug: "../../etc/passwd" }),
    (error: Error) => error instanceof RangeError && /'fingerprint\.slug'/.test(error.message),
  );
  await assert.rejects(() => TuneCache.open(dir.path, { ...good, hash: "XYZ" }), RangeError);
  await assert.rejects(() => TuneCache.open(dir.path, testFingerprint("a") as never), TypeError);
  await assert.rejects(() => TuneCache.open("", good), TypeError);
});

async function writeRaw(cache: TuneCache, text: string): Promise<void> {
  await Deno.writeTextFile(cache.path, text);
}

for (
  const [what, text] of [
    ["invalid JSON", "{ this is not json"],
    ["a wrong schema", JSON.stringify({ format: "wgtune-cache", formatVersion: 1, entries: [] })],
    ["a wrong format tag", JSON.stringify({ format: "kernel-tuner", formatVersion: 1 })],
    ["a format version of 0", JSON.stringify({ format: "wgtune-cache", formatVersion: 0 })],
    ["an empty file", ""],
  ]
) {
  Deno.test(`TuneCache moves a corrupt file aside with one warning and the next write works, when it holds ${what}`, async () => {
    await using dir = await tempDir();
    const { messages, onWarning } = warnings();
    const cache = await TuneCache.open(dir.path, await testFingerprint("a"), { onWarning });
    await writeRaw(cache, text!);
    assert.equal(await cache.get(kernel, kernelVersion, problemKey), undefined);
    assert.equal(messages.length, 1);
    assert.match(
      messages[0]!,
      /^cache file '.*' is corrupt \(.+\); moved it to '.*\.corrupt-.*\.json'$/,
    );
    const names = await namesIn(dir.path);
    assert.equal(names.length, 1);
    const aside = path.join(dir.path, names[0]!);
    assert.equal(await Deno.readTextFile(aside), text, "the bad data is kept, not overwritten");
    const entry = await cache.recordTrials(MATMUL_KEY, { trials: [trial(8, 1)] });
    assert.equal(entry.trials.length, 1);
    assert.deepEqual(await cache.get(kernel, kernelVersion, problemKey), entry);
    assert.equal(messages.length, 1, "no second warning");
    assert.equal((await namesIn(dir.path)).length, 2);
  });
}

Deno.test("TuneCache.recordTrials() sets a truncated file aside and starts afresh, without throwing", async () => {
  await using dir = await tempDir();
  const { messages, onWarning } = warnings();
  const cache = await TuneCache.open(dir.path, await testFingerprint("a"), { onWarning });
  await cache.recordTrials(MATMUL_KEY, { trials: [trial(8, 1), trial(16, 2)] });
  const full = await Deno.readTextFile(cache.path);
  await writeRaw(cache, full.slice(0, Math.floor(full.length / 2)));
  const entry = await cache.recordTrials(MATMUL_KEY, { trials: [trial(32, 3)] });
  assert.deepEqual(entry.trials.map((t) => t.config.tile), [32]);
  assert.equal(messages.length, 1);
  assert.match(messages[0]!, /is corrupt \(invalid JSON/);
});

Deno.test("TuneCache.entries() moves a file of another device aside as foreign, with one warning", async () => {
  await using dir = await tempDir();
  const { messages, onWarning } = warnings();
  const other = await TuneCache.open(dir.path, await testFingerprint("other"));
  await other.recordTrials(MATMUL_KEY, { trials: [trial(8, 1)] });
  const cache = await TuneCache.open(dir.path, await testFingerprint("a"), { onWarning });
  // The other device's (valid) content under this device's file name.
  await Deno.copyFile(other.path, cache.path);
  assert.deepEqual(await cache.entries(), []);
  assert.equal(messages.length, 1);
  assert.match(messages[0]!, /belongs to another device .*; moved it to '.*\.foreign-.*\.json'$/);
  assert.ok((await namesIn(dir.path)).some((name) => name.includes(".foreign-")));
  assert.equal((await other.entries()).length, 1, "the other device's own file is untouched");
  await cache.recordTrials(MATMUL_KEY, { trials: [trial(16, 1)] });
  assert.equal((await cache.entries())[0]?.trials[0]?.config.tile, 16);
});

Deno.test("TuneCache keeps unknown extra fields of a file written by a newer wgtune", async () => {
  await using dir = await tempDir();
  const fingerprint = await testFingerprint("a");
  const cache = await TuneCache.open(dir.path, fingerprint);
  const entry = await cache.recordTrials(MATMUL_KEY, { trials: [trial(8, 1)] });
  const file = JSON.parse(await Deno.readTextFile(cache.path));
  file.comment = "hello";
  file.entries["matmul@v1/f32_b1_m64_n64_k64"].energyJ = 3;
  await writeRaw(cache, JSON.stringify(file));
  const { messages, onWarning } = warnings();
  const again = await TuneCache.open(dir.path, fingerprint, { onWarning });
  assert.equal(
    (await again.get(kernel, kernelVersion, problemKey))?.trials.length,
    entry.trials.length,
  );
  await again.recordTrials(MATMUL_KEY, { trials: [trial(16, 1)] });
  const after = JSON.parse(await Deno.readTextFile(cache.path));
  assert.equal(after.comment, "hello");
  assert.equal(after.entries["matmul@v1/f32_b1_m64_n64_k64"].energyJ, 3);
  assert.deepEqual(messages, []);
});

Deno.test("TuneCache.recordTrials() breaks the lock of a crashed run with one warning", {
  ignore: Deno.build.os !== "linux",
}, async () => {
  await using dir = await tempDir();
  const { messages, onWarning } = warnings();
  const cache = await TuneCache.open(dir.path, await testFingerprint("a"), { onWarning });
  const time = Date.now() - 1_000;
  await Deno.writeTextFile(
    `${cache.path}.lock`,
    JSON.stringify({ pid: 99_999_999, host: "", time, token: "crashed" }),
  );
  const start = Date.now();
  await cache.recordTrials(MATMUL_KEY, { trials: [trial(8, 1)] });
  assert.ok(Date.now() - start < 5_000);
  assert.equal(messages.length, 1);
  assert.match(
    messages[0]!,
    /^broke stale lock '.*\.lock': its holder, pid 99999999, no longer exists$/,
  );
  assert.deepEqual(await namesIn(dir.path), [path.basename(cache.path)]);
});

Deno.test("TuneCache.recordTrials() leaves no temporary or lock files behind", async () => {
  await using dir = await tempDir();
  const cache = await TuneCache.open(dir.path, await testFingerprint("a"));
  await Promise.all(
    Array.from(
      { length: 20 },
      (_, i) => cache.recordTrials(MATMUL_KEY, { trials: [trial(i, i + 1)] }),
    ),
  );
  assert.deepEqual(await namesIn(dir.path), [path.basename(cache.path)]);
  assert.equal((await cache.get(kernel, kernelVersion, problemKey))?.trials.length, 20);
});

Deno.test("TuneCache.open() removes temporary files of interrupted writes, when they are old", async () => {
  await using dir = await tempDir();
  const fingerprint = await testFingerprint("a");
  const orphan = path.join(dir.path, `${fingerprint.slug}.json.999999.abc.tmp`);
  const fresh = path.join(dir.path, `${fingerprint.slug}.json.999999.def.tmp`);
  await Deno.writeTextFile(orphan, "{ partial");
  await Deno.writeTextFile(fresh, "{ partial");
  const old = new Date(Date.now() - 3_600_000);
  await Deno.utime(orphan, old, old);
  await TuneCache.open(dir.path, fingerprint);
  assert.deepEqual(await namesIn(dir.path), [path.basename(fresh)]);
});

Deno.test("TuneCache.recordTrials() throws CacheDirError, when the cache dir was removed", async () => {
  await using dir = await tempDir();
  const nested = path.join(dir.path, "cache");
  const cache = await TuneCache.open(nested, await testFingerprint("a"));
  await Deno.remove(nested, { recursive: true });
  await Deno.writeTextFile(nested, "now a file");
  await assert.rejects(
    () => cache.recordTrials(MATMUL_KEY, { trials: [trial(8, 1)] }),
    (error: Error) => error instanceof CacheDirError && error.message.includes(nested),
  );
});

Deno.test("TuneCache.recordTrials() stays cheap, when the entry holds thousands of trials", async () => {
  await using dir = await tempDir();
  const fingerprint = await testFingerprint("a");
  const cache = await TuneCache.open(dir.path, fingerprint);
  const trials = Array.from({ length: 3000 }, (_, i) => ({
    config: { variant: "register", tileM: i, tileN: 32, tileK: 8, threadM: 4, threadN: 4, vec: 4 },
    status: "ok" as const,
    timeMs: 1 + i / 1000,
    p20Ms: 1,
    p80Ms: 2,
  }));
  await writeRaw(
    cache,
    serializeCacheFile({
      format: "wgtune-cache",
      formatVersion: 1,
      fingerprint,
      entries: {
        "matmul@v1/f32_b1_m64_n64_k64": {
          ...MATMUL_KEY,
          trials,
          best: null,
          defaultConfig: null,
          defaultTimeMs: null,
          strategy: "random",
          complete: false,
          updatedAt: new Date().toISOString(),
        },
      },
    }),
  );
  const rounds = 10;
  const start = performance.now();
  for (let i = 0; i < rounds; i++) {
    await cache.recordTrials(MATMUL_KEY, { trials: [trial(`new${i}`, 0.5)] });
  }
  const perCall = (performance.now() - start) / rounds;
  const entry = await cache.get(kernel, kernelVersion, problemKey);
  assert.equal(entry?.trials.length, 3000 + rounds);
  assert.equal(entry?.best?.timeMs, 0.5);
  // About 10 ms here; a trial itself takes at least the 100 ms measurement budget.
  assert.ok(perCall < 250, `recordTrials() took ${perCall.toFixed(1)} ms per call`);
});

Deno.test("TuneCache.recordTrials() loses nothing, when two processes record concurrently", async () => {
  await using dir = await tempDir();
  const script = new URL("./testdata/write_many.ts", import.meta.url);
  const count = 50;
  const run = (worker: number) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-lock", script.href, dir.path, String(worker), String(count)],
      stdout: "piped",
      stderr: "piped",
    }).output();
  const results = await Promise.all([run(0), run(1)]);
  for (const result of results) {
    const stderr = new TextDecoder().decode(result.stderr);
    assert.equal(result.code, 0, stderr);
    assert.equal(new TextDecoder().decode(result.stdout).trim(), "done");
    assert.doesNotMatch(stderr, /warning/);
  }
  const cache = await TuneCache.open(dir.path, await testFingerprint("shared"));
  for (const worker of [0, 1]) {
    const own = await cache.get(kernel, kernelVersion, `own_${worker}`);
    assert.equal(own?.trials.length, count, `own_${worker}`);
    assert.ok(own.trials.every((t) => t.config.worker === worker));
  }
  const shared = await cache.get(kernel, kernelVersion, "shared");
  assert.equal(shared?.trials.length, 2 * count);
  const fastest = Math.min(...shared.trials.map((t) => t.timeMs!));
  assert.equal(shared.best?.timeMs, fastest);
  assert.equal(shared.strategy, "grid");
  assert.deepEqual(await namesIn(dir.path), [path.basename(cache.path)]);
});

Deno.test("TuneCache.recordTrials() keeps the confirmed winner as best, when another writer records a lucky unconfirmed time", async () => {
  await using dir = await tempDir();
  const fingerprint = await testFingerprint("a");
  const a = await TuneCache.open(dir.path, fingerprint);
  const b = await TuneCache.open(dir.path, fingerprint);
  const confirmed = (tile: number, timeMs: number) =>
    ({ ...trial(tile, timeMs), confirmed: true }) as ReturnType<typeof trial>;
  await a.recordTrials(MATMUL_KEY, { trials: [trial(8, 1.1), trial(16, 1.3)] });
  await b.recordTrials(MATMUL_KEY, { trials: [trial(16, 0.4)] }); // b: one lucky timing
  await a.recordTrials(MATMUL_KEY, {
    trials: [confirmed(8, 1.0), confirmed(16, 1.2)],
    complete: true,
  });
  await b.recordTrials(MATMUL_KEY, { trials: [trial(16, 0.5)] }); // b: another one
  const entry = await a.get(kernel, kernelVersion, problemKey);
  assert.deepEqual(entry?.best, { config: { tile: 8 }, timeMs: 1.0 });
  assert.deepEqual(entry?.trials.map((t) => t.timeMs), [1.0, 1.2]);
});

Deno.test("TuneCache leaves a file of a newer format version untouched and refuses to write it, in one line", async () => {
  await using dir = await tempDir();
  const { messages, onWarning } = warnings();
  const cache = await TuneCache.open(dir.path, await testFingerprint("a"), { onWarning });
  await cache.recordTrials(MATMUL_KEY, { trials: [trial(8, 1)] });
  const newer = JSON.parse(await Deno.readTextFile(cache.path));
  newer.formatVersion = 2;
  newer.entries = { "whatever the new format holds": [1, 2, 3] };
  const text = JSON.stringify(newer);
  await writeRaw(cache, text);
  const refused = (error: Error) =>
    error instanceof CacheFormatError && !error.message.includes("\n") &&
    error.message.includes(cache.path) &&
    /written by a newer wgtune \(formatVersion 2/.test(error.message);
  await assert.rejects(() => cache.get(kernel, kernelVersion, problemKey), refused);
  await assert.rejects(() => cache.entries(), refused);
  await assert.rejects(() => cache.recordTrials(MATMUL_KEY, { trials: [trial(16, 1)] }), refused);
  await assert.rejects(() => cache.pruneStale({ matmul: 5 }), refused);
  assert.equal(await Deno.readTextFile(cache.path), text, "the newer file is unchanged");
  assert.deepEqual(await namesIn(dir.path), [path.basename(cache.path)], "nothing set aside");
  assert.deepEqual(messages, []);
});

Deno.test("TuneCache keeps the valid entries and trials of a file, when one trial is invalid", async () => {
  await using dir = await tempDir();
  const { messages, onWarning } = warnings();
  const cache = await TuneCache.open(dir.path, await testFingerprint("a"), { onWarning });
  const other = { ...MATMUL_KEY, problemKey: "other" };
  await cache.recordTrials(MATMUL_KEY, { trials: [trial(8, 1), trial(16, 0.5), trial(32, 2)] });
  await cache.recordTrials(other, { trials: [trial(8, 3)], complete: true });
  const data = JSON.parse(await Deno.readTextFile(cache.path));
  data.entries["matmul@v1/f32_b1_m64_n64_k64"].trials[1].status = "fast"; // the best one
  const text = JSON.stringify(data);
  await writeRaw(cache, text);
  const entry = await cache.get(kernel, kernelVersion, problemKey);
  assert.deepEqual(entry?.trials.map((t) => t.config.tile), [8, 32]);
  assert.deepEqual(entry?.best, { config: { tile: 8 }, timeMs: 1 }, "best recomputed");
  assert.equal((await cache.get(kernel, kernelVersion, "other"))?.complete, true);
  assert.equal(messages.length, 1);
  assert.match(
    messages[0]!,
    /^cache file '.*' holds 1 invalid record\(s\); kept its 2 valid entries and a copy of the original at '.*\.corrupt-.*\.json' \(first: 'entries\[.*\]\.trials\[1\]\.status' must be one of .*\(dropped the trial\)\)$/,
  );
  const aside = (await namesIn(dir.path)).find((name) => name.includes(".corrupt-"))!;
  assert.equal(await Deno.readTextFile(path.join(dir.path, aside)), text, "original kept");
  // The live file is valid again: no second warning, and writes go on.
  await cache.recordTrials(MATMUL_KEY, { trials: [trial(64, 0.7)] });
  assert.equal((await cache.get(kernel, kernelVersion, problemKey))?.best?.timeMs, 0.7);
  assert.equal(messages.length, 1);
});

Deno.test("TuneCache drops only the invalid entry, when an entry itself is invalid", async () => {
  await using dir = await tempDir();
  const { messages, onWarning } = warnings();
  const cache = await TuneCache.open(dir.path, await testFingerprint("a"), { onWarning });
  await cache.recordTrials(MATMUL_KEY, { trials: [trial(8, 1)] });
  await cache.recordTrials({ ...MATMUL_KEY, problemKey: "other" }, { trials: [trial(8, 3)] });
  const data = JSON.parse(await Deno.readTextFile(cache.path));
  data.entries["matmul@v1/other"].kernelVersion = -1;
  await writeRaw(cache, JSON.stringify(data));
  const entries = await cache.entries();
  assert.deepEqual(entries.map((e) => e.problemKey), [problemKey]);
  assert.equal(messages.length, 1);
  assert.match(
    messages[0]!,
    /kernelVersion' must be an integer >= 0: got -1 \(dropped the entry\)/,
  );
});

Deno.test("TuneCache.open() keeps using a device's file, when an older wgtune named it with another slug", async () => {
  await using dir = await tempDir();
  const fingerprint = await testFingerprint("a");
  const oldName = { ...fingerprint, slug: `deno-test-device-a-old-style-${fingerprint.hash}` };
  const before = await TuneCache.open(dir.path, oldName);
  await before.recordTrials(MATMUL_KEY, { trials: [trial(8, 1)], complete: true });
  const cache = await TuneCache.open(dir.path, fingerprint);
  assert.equal(cache.path, before.path);
  assert.equal((await cache.get(kernel, kernelVersion, problemKey))?.complete, true);
  await cache.recordTrials(MATMUL_KEY, { trials: [trial(16, 2)] });
  assert.deepEqual(await namesIn(dir.path), [path.basename(before.path)]);
  // Another device's file is never taken for it.
  const other = await TuneCache.open(dir.path, await testFingerprint("b"));
  assert.notEqual(other.path, before.path);
});

Deno.test("TuneCache keeps the entries of a file whose fingerprint fields are damaged, when its hash is this device's", async () => {
  await using dir = await tempDir();
  const { messages, onWarning } = warnings();
  const cache = await TuneCache.open(dir.path, await testFingerprint("a"), { onWarning });
  await cache.recordTrials(MATMUL_KEY, { trials: [trial(8, 1)], complete: true });
  const data = JSON.parse(await Deno.readTextFile(cache.path));
  data.fingerprint.fields.limits.maxComputeInvocationsPerWorkgroup = "many";
  await writeRaw(cache, JSON.stringify(data));
  assert.equal((await cache.get(kernel, kernelVersion, problemKey))?.complete, true);
  assert.equal(messages.length, 1);
  assert.match(messages[0]!, /fingerprint\.fields\.limits.* \(replaced the fingerprint\)\)$/);
  const fixed = JSON.parse(await Deno.readTextFile(cache.path));
  assert.equal(fixed.fingerprint.fields.limits.maxComputeInvocationsPerWorkgroup, 256);
});
