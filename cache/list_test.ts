import assert from "node:assert/strict";
import path from "node:path";
import { listCacheFiles } from "./list.ts";
import { TuneCache } from "./tune_cache.ts";
import { MATMUL_KEY, tempDir, testFingerprint, trial } from "./testdata/fixtures.ts";

Deno.test("listCacheFiles() summarizes valid, corrupt and foreign files without moving them", async () => {
  await using dir = await tempDir();
  const a = await TuneCache.open(dir.path, await testFingerprint("a"));
  await a.recordTrials(MATMUL_KEY, { trials: [trial(8, 1), trial(16, 2)] });
  await a.recordTrials({ ...MATMUL_KEY, kernelVersion: 2 }, { trials: [trial(8, 1)] });
  const b = await TuneCache.open(dir.path, await testFingerprint("b"));
  await Deno.writeTextFile(b.path, "{ truncated");
  const c = await TuneCache.open(dir.path, await testFingerprint("c"));
  await Deno.copyFile(a.path, c.path);
  // Listed after the cache files: set-aside files. Not listed: temporary and unrelated files.
  const aside = `${a.path.slice(0, -5)}.corrupt-2026-01-01T00-00-00-000Z.json`;
  await Deno.writeTextFile(aside, "x");
  await Deno.writeTextFile(`${a.path}.1.abc.tmp`, "x");
  await Deno.writeTextFile(path.join(dir.path, "notes.json"), "{}");

  const summaries = await listCacheFiles(dir.path, { kernelVersions: { matmul: 2 } });
  assert.deepEqual(summaries.map((s) => s.path), [...[a.path, b.path, c.path].sort(), aside]);
  assert.deepEqual(summaries.map((s) => s.setAside), [null, null, null, "corrupt"]);
  const byPath = new Map(summaries.map((s) => [s.path, s]));
  const sa = byPath.get(a.path)!;
  assert.equal(sa.valid, true);
  assert.equal(sa.reason, null);
  assert.equal(sa.slug, a.fingerprint.slug);
  assert.equal(sa.hash, a.fingerprint.hash);
  assert.equal(sa.backend, "deno");
  assert.equal(sa.adapter, "test device a");
  assert.equal(sa.entries, 2);
  assert.equal(sa.trials, 3);
  assert.equal(sa.staleEntries, 1);
  assert.equal(sa.bytes, (await Deno.stat(a.path)).size);
  assert.ok(sa.updatedAt !== null && Date.now() - Date.parse(sa.updatedAt) < 60_000);
  const sb = byPath.get(b.path)!;
  assert.equal(sb.valid, false);
  assert.match(sb.reason!, /^invalid JSON/);
  assert.equal(sb.hash, b.fingerprint.hash);
  assert.equal(sb.entries, 0);
  const sc = byPath.get(c.path)!;
  assert.equal(sc.valid, false);
  assert.match(sc.reason!, new RegExp(`^foreign: .*${a.fingerprint.hash}`));
  assert.equal(await Deno.readTextFile(b.path), "{ truncated", "ls moves nothing");
});

Deno.test("listCacheFiles() returns [], when the directory does not exist", async () => {
  await using dir = await tempDir();
  assert.deepEqual(await listCacheFiles(path.join(dir.path, "missing")), []);
});

Deno.test("listCacheFiles() counts no stale entries, when no kernel versions are given", async () => {
  await using dir = await tempDir();
  const a = await TuneCache.open(dir.path, await testFingerprint("a"));
  await a.recordTrials(MATMUL_KEY, { trials: [] });
  const [summary] = await listCacheFiles(dir.path);
  assert.equal(summary?.staleEntries, 0);
  assert.equal(summary?.trials, 0);
});

Deno.test("listCacheFiles() lists set-aside files with what import would recover from them", async () => {
  await using dir = await tempDir();
  const a = await TuneCache.open(dir.path, await testFingerprint("a"));
  await a.recordTrials(MATMUL_KEY, { trials: [trial(8, 1), trial(16, 2)] });
  await a.recordTrials({ ...MATMUL_KEY, problemKey: "q" }, { trials: [trial(8, 1)] });
  const data = JSON.parse(await Deno.readTextFile(a.path));
  data.entries["matmul@v1/f32_b1_m64_n64_k64"].trials[0].config = null;
  const stem = a.path.slice(0, -5);
  await Deno.writeTextFile(`${stem}.corrupt-2026-01-01T00-00-00-000Z.json`, JSON.stringify(data));
  const other = await TuneCache.open(dir.path, await testFingerprint("other"));
  await other.recordTrials(MATMUL_KEY, { trials: [trial(4, 1)] });
  await Deno.rename(other.path, `${stem}.foreign-2026-01-02T00-00-00-000Z.json`);
  data.formatVersion = 3;
  await Deno.writeTextFile(a.path, JSON.stringify(data));

  const [live, corrupt, foreign] = await listCacheFiles(dir.path);
  assert.equal(live?.valid, false);
  assert.match(live!.reason!, /written by a newer wgtune \(formatVersion 3\)/);
  assert.equal(corrupt?.setAside, "corrupt");
  assert.equal(corrupt?.valid, false);
  assert.deepEqual([corrupt?.entries, corrupt?.trials, corrupt?.invalidRecords], [2, 2, 1]);
  assert.match(corrupt!.reason!, /^1 invalid record\(s\), first: .*config' must be an object/);
  assert.equal(corrupt?.hash, a.fingerprint.hash);
  assert.equal(foreign?.setAside, "foreign");
  assert.equal(foreign?.hash, other.fingerprint.hash);
  assert.equal(foreign?.entries, 1);
  assert.match(foreign!.reason!, /^foreign: /);
});
