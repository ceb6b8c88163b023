import assert from "node:assert/strict";
import { computeFingerprint } from "../gpu/fingerprint.ts";
import { type CacheFile, entryKey } from "../cache/mod.ts";
import { runCli, tempCacheDir } from "./_run.ts";

/** A cache file of a made-up device with one matmul entry (no GPU needed). */
async function fixture(): Promise<CacheFile> {
  const fingerprint = await computeFingerprint({
    backend: "deno",
    runtime: "deno-test",
    adapter: {
      vendor: "test",
      architecture: "",
      device: "0",
      description: "cli test device",
      driver: "",
      isFallbackAdapter: true,
    },
    features: [],
    limits: { maxComputeInvocationsPerWorkgroup: 256 },
  });
  const problemKey = "f32_b1_m8_n8_k8";
  return {
    format: "wgtune-cache",
    formatVersion: 1,
    fingerprint,
    entries: {
      [entryKey("matmul", 1, problemKey)]: {
        kernel: "matmul",
        kernelVersion: 1,
        problemKey,
        problem: null,
        trials: [
          { config: { variant: "naive", tile: 8 }, status: "ok", timeMs: 2 },
          { config: { variant: "tiled", tile: 16 }, status: "ok", timeMs: 1 },
          { config: { variant: "tiled", tile: 64 }, status: "compile_error", timeMs: null },
        ],
        best: { config: { variant: "tiled", tile: 16 }, timeMs: 1 },
        defaultConfig: { variant: "naive", tile: 8 },
        defaultTimeMs: 2,
        strategy: "random",
        complete: true,
        updatedAt: "2025-01-01T00:00:00.000Z",
      },
    },
  };
}

async function json(args: string[]): Promise<Record<string, unknown>> {
  const run = await runCli([...args, "--json"]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout);
}

Deno.test("wgtune cache ls/show/export/import/clear round-trip a cache", async () => {
  const { dir, cleanup } = await tempCacheDir();
  try {
    const data = await fixture();
    const input = `${dir}-input.json`;
    await Deno.writeTextFile(input, JSON.stringify([data]));

    // Empty directory: nothing listed.
    assert.deepEqual((await json(["cache", "ls", "--cache-dir", dir])).files, []);

    const imported = await json(["cache", "import", input, "--cache-dir", dir]);
    assert.deepEqual(imported.imported, { files: 1, entries: 1, trials: 3, dropped: 0 });

    const ls = await json(["cache", "ls", "--cache-dir", dir]);
    assert.equal(ls.schemaVersion, 1);
    const files = ls.files as Array<Record<string, unknown>>;
    assert.equal(files.length, 1);
    assert.equal(files[0]!.slug, data.fingerprint.slug);
    assert.equal(files[0]!.entries, 1);
    assert.equal(files[0]!.trials, 3);
    assert.equal(files[0]!.valid, true);

    const show = await json(["cache", "show", "--op", "matmul", "--cache-dir", dir]);
    const devices = show.devices as Array<{ entries: Array<Record<string, unknown>> }>;
    assert.equal(devices.length, 1);
    const entry = devices[0]!.entries[0]!;
    assert.equal(entry.problemKey, "f32_b1_m8_n8_k8");
    assert.deepEqual(entry.best, { config: { variant: "tiled", tile: 16 }, timeMs: 1 });
    assert.equal(entry.trials, 3);
    const other = await json(["cache", "show", "--op", "conv2d", "--cache-dir", dir]);
    assert.deepEqual((other.devices as Array<{ entries: unknown[] }>)[0]!.entries, []);

    const table = await runCli(["cache", "show", "--cache-dir", dir]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /f32_b1_m8_n8_k8/);
    assert.match(table.stdout, /tiled tile=16/);

    const exported = `${dir}-export.json`;
    const exportRun = await runCli(["cache", "export", exported, "--cache-dir", dir]);
    assert.equal(exportRun.code, 0, exportRun.stderr);
    const stdoutExport = await runCli(["cache", "export", "--cache-dir", dir]);
    assert.deepEqual(
      JSON.parse(stdoutExport.stdout),
      JSON.parse(await Deno.readTextFile(exported)),
    );

    const cleared = await json(["cache", "clear", "--yes", "--cache-dir", dir]);
    assert.equal(cleared.removed, 1);
    assert.deepEqual((await json(["cache", "ls", "--cache-dir", dir])).files, []);

    await json(["cache", "import", exported, "--cache-dir", dir]);
    const again = (await json(["cache", "ls", "--cache-dir", dir])).files as Array<
      Record<string, unknown>
    >;
    assert.equal(again.length, 1);
    assert.equal(again[0]!.entries, 1);
    assert.equal(again[0]!.trials, 3);

    // Clearing another device's fingerprint leaves this one alone.
    const none = await json([
      "cache",
      "clear",
      "--yes",
      "--fingerprint",
      "0123456789abcdef",
      "--cache-dir",
      dir,
    ]);
    assert.equal(none.removed, 0);
    const cleared2 = await json([
      "cache",
      "clear",
      "--yes",
      "--fingerprint",
      data.fingerprint.hash,
      "--cache-dir",
      dir,
    ]);
    assert.equal(cleared2.removed, 1);
    await Deno.remove(input);
    await Deno.remove(exported);
  } finally {
    await cleanup();
  }
});

Deno.test("wgtune cache export refuses to write into a cache file of the cache dir, in one line", async () => {
  const { dir, cleanup } = await tempCacheDir();
  try {
    const data = await fixture();
    const live = `${dir}/${data.fingerprint.slug}.json`;
    await Deno.mkdir(dir, { recursive: true });
    const text = JSON.stringify(data);
    await Deno.writeTextFile(live, text);
    const aside = `${dir}/${data.fingerprint.slug}.corrupt-2026-01-01T00-00-00-000Z.json`;
    await Deno.writeTextFile(aside, text);
    const link = `${dir}-link.json`;
    await Deno.symlink(live, link);
    for (const target of [live, aside, link, `${dir}/./${data.fingerprint.slug}.json`]) {
      const run = await runCli(["cache", "export", target, "--cache-dir", dir]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(
        run.stderr,
        /^wgtune: error: refusing to export into '.*': it is a cache file of /,
      );
      assert.equal(run.stderr.trim().split("\n").length, 1);
    }
    assert.equal(await Deno.readTextFile(live), text, "the live file is unchanged");
    assert.equal(await Deno.readTextFile(aside), text);
    await Deno.remove(link);
    // Any other file name, even in the cache dir, is fine.
    const elsewhere = `${dir}/backup.json`;
    const ok = await runCli(["cache", "export", elsewhere, "--cache-dir", dir]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(await Deno.readTextFile(elsewhere)).length, 1);
  } finally {
    await cleanup();
  }
});

Deno.test("wgtune cache ls lists set-aside files, and cache import recovers their valid entries", async () => {
  const { dir, cleanup } = await tempCacheDir();
  try {
    const data = await fixture();
    const broken = JSON.parse(JSON.stringify(data));
    const key = Object.keys(broken.entries)[0]!;
    broken.entries[key].trials[2].status = "exploded";
    await Deno.mkdir(dir, { recursive: true });
    const aside = `${dir}/${data.fingerprint.slug}.corrupt-2026-01-01T00-00-00-000Z.json`;
    await Deno.writeTextFile(aside, JSON.stringify(broken));

    const table = await runCli(["cache", "ls", "--cache-dir", dir]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(
      table.stdout,
      /corrupt-2026-01-01T00-00-00-000Z\.json .* set aside \(corrupt\), no: 1 invalid record/,
    );
    assert.match(
      table.stdout,
      /1 set-aside file\(s\) hold valid entries: recover them with 'wgtune cache import /,
    );
    const listed = (await json(["cache", "ls", "--cache-dir", dir])).files as Array<
      Record<string, unknown>
    >;
    assert.deepEqual(listed.map((f) => [f.setAside, f.entries, f.trials, f.invalidRecords]), [[
      "corrupt",
      1,
      2,
      1,
    ]]);

    const run = await runCli(["cache", "import", aside, "--cache-dir", dir]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /imported 1 entries \(2 trials\) .*; dropped 1 invalid record\(s\)/);
    assert.match(run.stderr, /^wgtune: warning: import data: dropped 1 invalid record/);
    const after = (await json(["cache", "ls", "--cache-dir", dir])).files as Array<
      Record<string, unknown>
    >;
    assert.deepEqual(after.map((f) => [f.setAside, f.valid, f.entries]), [
      [null, true, 1],
      ["corrupt", false, 1],
    ]);
  } finally {
    await cleanup();
  }
});
