import assert from "node:assert/strict";
import path from "node:path";
import { CacheDirError, CacheFormatError } from "./errors.ts";
import { exportCache, importCache } from "./transfer.ts";
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

Deno.test("importCache() restores exactly what exportCache() exported, when importing into a fresh dir", async () => {
  await using from = await tempDir();
  await using to = await tempDir();
  const a = await TuneCache.open(from.path, await testFingerprint("a"));
  const b = await TuneCache.open(from.path, await testFingerprint("b"));
  await a.recordTrials(MATMUL_KEY, {
    trials: [trial(8, 1), trial(16, null)],
    strategy: "grid",
    complete: true,
    defaultConfig: { tile: 8 },
    defaultTimeMs: 1,
  });
  await a.recordTrials({ ...MATMUL_KEY, problemKey: "other" }, { trials: [trial(4, 3)] });
  await b.recordTrials(MATMUL_KEY, { trials: [trial(32, 2)] });

  const exported = await exportCache(from.path);
  assert.equal(exported.length, 2);
  const text = JSON.stringify(exported); // what `wgtune cache export` writes
  const result = await importCache(to.path, JSON.parse(text));
  assert.deepEqual(result, { files: 2, entries: 3, trials: 4, dropped: 0 });
  assert.deepEqual(await namesIn(to.path), await namesIn(from.path));
  for (const cache of [a, b]) {
    const imported = await TuneCache.open(to.path, cache.fingerprint);
    assert.deepEqual(await imported.entries(), await cache.entries());
  }
});

Deno.test("exportCache() exports one device, when given its fingerprint hash", async () => {
  await using dir = await tempDir();
  const a = await TuneCache.open(dir.path, await testFingerprint("a"));
  const b = await TuneCache.open(dir.path, await testFingerprint("b"));
  await a.recordTrials(MATMUL_KEY, { trials: [trial(8, 1)] });
  await b.recordTrials(MATMUL_KEY, { trials: [trial(8, 1)] });
  const exported = await exportCache(dir.path, { fingerprintHash: b.fingerprint.hash });
  assert.deepEqual(exported.map((file) => file.fingerprint.hash), [b.fingerprint.hash]);
  assert.deepEqual(await exportCache(dir.path, { fingerprintHash: "0000000000000000" }), []);
  await assert.rejects(
    () => exportCache(dir.path, { fingerprintHash: "abc" }),
    (error: Error) =>
      error instanceof RangeError && /'options\.fingerprintHash'.*"abc"/.test(error.message),
  );
});

Deno.test("exportCache() skips invalid files with a warning each", async () => {
  await using dir = await tempDir();
  const a = await TuneCache.open(dir.path, await testFingerprint("a"));
  await a.recordTrials(MATMUL_KEY, { trials: [trial(8, 1)] });
  const b = await TuneCache.open(dir.path, await testFingerprint("b"));
  await Deno.writeTextFile(b.path, "[]");
  const { messages, onWarning } = warnings();
  const exported = await exportCache(dir.path, { onWarning });
  assert.equal(exported.length, 1);
  assert.equal(messages.length, 1);
  assert.match(
    messages[0]!,
    /^skipped cache file: .*\.json: the content must be an object: got \[\]$/,
  );
});

Deno.test("importCache() merges into existing entries, the newer entry winning conflicts", async () => {
  await using here = await tempDir();
  await using there = await tempDir();
  const fingerprint = await testFingerprint("a");
  const local = await TuneCache.open(here.path, fingerprint);
  const remote = await TuneCache.open(there.path, fingerprint);
  await local.recordTrials(MATMUL_KEY, { trials: [trial(8, 5), trial(16, 4)], strategy: "grid" });
  await new Promise((resolve) => setTimeout(resolve, 5));
  await remote.recordTrials(MATMUL_KEY, { trials: [trial(8, 2), trial(32, 3)], complete: true });
  const result = await importCache(here.path, await exportCache(there.path));
  assert.deepEqual(result, { files: 1, entries: 1, trials: 2, dropped: 0 });
  const merged = await local.get(kernel, kernelVersion, problemKey);
  assert.deepEqual(merged?.trials.map((t) => [t.config.tile, t.timeMs]), [[8, 2], [16, 4], [
    32,
    3,
  ]]);
  assert.deepEqual(merged?.best, { config: { tile: 8 }, timeMs: 2 });
  assert.equal(merged?.complete, true);
  assert.equal(merged?.strategy, "grid");
  // Importing the same data again changes nothing.
  await importCache(here.path, await exportCache(there.path));
  assert.deepEqual(await local.get(kernel, kernelVersion, problemKey), merged);
});

Deno.test("importCache() accepts a single cache file object", async () => {
  await using from = await tempDir();
  await using to = await tempDir();
  const a = await TuneCache.open(from.path, await testFingerprint("a"));
  await a.recordTrials(MATMUL_KEY, { trials: [trial(8, 1)] });
  const [file] = await exportCache(from.path);
  assert.deepEqual(await importCache(to.path, file), {
    files: 1,
    entries: 1,
    trials: 1,
    dropped: 0,
  });
});

Deno.test("importCache() refuses malformed input naming the bad field, and writes nothing", async () => {
  await using from = await tempDir();
  await using to = await tempDir();
  const a = await TuneCache.open(from.path, await testFingerprint("a"));
  await a.recordTrials(MATMUL_KEY, { trials: [trial(8, 1)] });
  const [good] = await exportCache(from.path);
  const badTrial = JSON.parse(JSON.stringify(good));
  badTrial.entries["matmul@v1/f32_b1_m64_n64_k64"].trials[0].status = "great";
  const cases: [unknown, RegExp][] = [
    [42, /^import data must be a wgtune cache file or an array of them: got 42$/],
    [null, /got null/],
    [undefined, /got undefined/],
    [[good, { format: "wgtune-cache" }], /^import data: 'files\[1\]\.formatVersion' must be 1/],
    [[badTrial, { ...good, formatVersion: 2 }], /'files\[1\]\.formatVersion'.*newer wgtune/],
    [
      { ...good, fingerprint: { ...good!.fingerprint, slug: "../evil-0123456789abcdef" } },
      /'fingerprint\.slug'/,
    ],
  ];
  for (const [input, message] of cases) {
    await assert.rejects(
      () => importCache(to.path, input),
      (error: Error) => error instanceof CacheFormatError && message.test(error.message),
      String(message),
    );
  }
  assert.deepEqual(await namesIn(to.path), []);
  assert.deepEqual(await importCache(to.path, []), { files: 0, entries: 0, trials: 0, dropped: 0 });
});

Deno.test("importCache() moves an existing corrupt file aside with a warning, then imports", async () => {
  await using from = await tempDir();
  await using to = await tempDir();
  const a = await TuneCache.open(from.path, await testFingerprint("a"));
  await a.recordTrials(MATMUL_KEY, { trials: [trial(8, 1)] });
  const target = path.join(to.path, path.basename(a.path));
  await Deno.writeTextFile(target, "garbage");
  const { messages, onWarning } = warnings();
  await importCache(to.path, await exportCache(from.path), { onWarning });
  assert.equal(messages.length, 1);
  assert.match(messages[0]!, /is corrupt/);
  assert.equal((await namesIn(to.path)).length, 2);
});

Deno.test("importCache() throws CacheDirError, when the target dir is unusable", async () => {
  await using from = await tempDir();
  await using to = await tempDir();
  const a = await TuneCache.open(from.path, await testFingerprint("a"));
  await a.recordTrials(MATMUL_KEY, { trials: [trial(8, 1)] });
  const file = path.join(to.path, "file");
  await Deno.writeTextFile(file, "");
  await assert.rejects(async () => importCache(file, await exportCache(from.path)), CacheDirError);
});

Deno.test("importCache() imports the valid entries and trials, dropping invalid ones with a warning", async () => {
  await using from = await tempDir();
  await using to = await tempDir();
  const a = await TuneCache.open(from.path, await testFingerprint("a"));
  await a.recordTrials(MATMUL_KEY, { trials: [trial(8, 1), trial(16, 0.5)] });
  await a.recordTrials({ ...MATMUL_KEY, problemKey: "q" }, { trials: [trial(8, 1)] });
  const [good] = await exportCache(from.path);
  const data = JSON.parse(JSON.stringify(good));
  data.entries["matmul@v1/f32_b1_m64_n64_k64"].trials[1].status = "great";
  data.entries["matmul@v1/q"].problemKey = "";
  const { messages, onWarning } = warnings();
  const result = await importCache(to.path, [data], { onWarning });
  assert.deepEqual(result, { files: 1, entries: 1, trials: 1, dropped: 2 });
  assert.equal(messages.length, 1);
  assert.match(
    messages[0]!,
    /^import data: dropped 2 invalid record\(s\), kept the rest \(first: .*status/,
  );
  const b = await TuneCache.open(to.path, await testFingerprint("a"));
  const entries = await b.entries();
  assert.deepEqual(entries.map((e) => e.trials.map((t) => t.config.tile)), [[8]]);
  assert.deepEqual(entries[0]?.best, { config: { tile: 8 }, timeMs: 1 });
});

Deno.test("importCache() recovers the valid data of a set-aside file into the live cache", async () => {
  await using dir = await tempDir();
  const { messages, onWarning } = warnings();
  const cache = await TuneCache.open(dir.path, await testFingerprint("a"), { onWarning });
  await cache.recordTrials(MATMUL_KEY, { trials: [trial(8, 1), trial(16, 2)], complete: true });
  const text = await Deno.readTextFile(cache.path);
  // Damaged beyond repair in place: the whole file is set aside, the cache starts empty.
  await Deno.writeTextFile(cache.path, text.replace('"format"', '"fromat"'));
  assert.deepEqual(await cache.entries(), []);
  const [aside] = (await namesIn(dir.path)).filter((name) => name.includes(".corrupt-"));
  const asidePath = path.join(dir.path, aside!);
  // The set-aside file, repaired by hand (or a copy kept of a partly invalid file), comes back.
  const repaired = JSON.parse(text);
  repaired.entries["matmul@v1/f32_b1_m64_n64_k64"].trials[1].timeMs = "2";
  await Deno.writeTextFile(asidePath, JSON.stringify(repaired));
  const result = await importCache(dir.path, JSON.parse(await Deno.readTextFile(asidePath)), {
    onWarning,
  });
  assert.deepEqual(result, { files: 1, entries: 1, trials: 1, dropped: 1 });
  const entry = (await cache.entries())[0];
  assert.deepEqual(entry?.trials.map((t) => t.config.tile), [8]);
  assert.equal(entry?.complete, true);
  assert.equal(messages.length, 2, "one for the file set aside, one for the dropped trial");
});
