import assert from "node:assert/strict";
import path from "node:path";
import { clearCache } from "./clear.ts";
import { TuneCache } from "./tune_cache.ts";
import { MATMUL_KEY, namesIn, tempDir, testFingerprint, trial } from "./testdata/fixtures.ts";

async function setUp(dir: string): Promise<[TuneCache, TuneCache]> {
  const a = await TuneCache.open(dir, await testFingerprint("a"));
  const b = await TuneCache.open(dir, await testFingerprint("b"));
  await a.recordTrials(MATMUL_KEY, { trials: [trial(8, 1)] });
  await b.recordTrials(MATMUL_KEY, { trials: [trial(8, 1)] });
  await Deno.writeTextFile(`${a.path.slice(0, -5)}.corrupt-2026-01-01T00-00-00-000Z.json`, "x");
  await Deno.writeTextFile(path.join(dir, "notes.txt"), "not ours");
  await Deno.writeTextFile(path.join(dir, "other.json"), "{}");
  return [a, b];
}

Deno.test("clearCache() removes every cache file and set-aside file, and nothing else", async () => {
  await using dir = await tempDir();
  const [a] = await setUp(dir.path);
  assert.equal(await clearCache(dir.path), 3);
  assert.deepEqual(await namesIn(dir.path), ["notes.txt", "other.json"]);
  assert.deepEqual(await a.entries(), []);
  assert.equal(await clearCache(dir.path), 0);
});

Deno.test("clearCache() removes one device's files only, when given its fingerprint hash", async () => {
  await using dir = await tempDir();
  const [a, b] = await setUp(dir.path);
  assert.equal(await clearCache(dir.path, { fingerprintHash: a.fingerprint.hash }), 2);
  assert.deepEqual(await a.entries(), []);
  assert.equal((await b.entries()).length, 1);
  await assert.rejects(() => clearCache(dir.path, { fingerprintHash: "A".repeat(16) }), RangeError);
});

Deno.test("clearCache() returns 0, when the directory does not exist", async () => {
  await using dir = await tempDir();
  assert.equal(await clearCache(path.join(dir.path, "missing")), 0);
});
