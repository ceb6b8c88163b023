import assert from "node:assert/strict";
import { GPU_AVAILABLE } from "../tests/gpu_fixture.ts";
import { runCli, tempCacheDir } from "./_run.ts";

const BACKEND = Deno.env.get("WGTUNE_TEST_BACKEND") ?? "auto";

/** Asserts the types of a `wgtune tune --json` document (schema version 1). */
function assertTuneReport(report: Record<string, unknown>): void {
  assert.equal(report.schemaVersion, 1);
  const tool = report.tool as Record<string, unknown>;
  assert.equal(tool.name, "wgtune");
  assert.equal(typeof tool.version, "string");
  const device = report.device as Record<string, Record<string, unknown>>;
  assert.equal(typeof device.backend, "string");
  assert.match(device.fingerprint!.hash as string, /^[0-9a-f]{16}$/);
  assert.equal(typeof device.fingerprint!.slug, "string");
  assert.equal(typeof device.adapter!.description, "string");
  assert.equal(typeof device.adapter!.isFallbackAdapter, "boolean");
  const settings = report.settings as Record<string, unknown>;
  for (const name of ["op", "dtype", "strategy", "cacheDir"]) {
    assert.equal(typeof settings[name], "string", name);
  }
  for (const name of ["maxEvals", "timeLimitS", "candidateTimeoutS", "seed"]) {
    assert.equal(typeof settings[name], "number", name);
  }
  assert.equal(typeof settings.force, "boolean");
  assert.equal(typeof report.interrupted, "boolean");
  assert.ok(Array.isArray(report.results));
  for (const result of report.results as Array<Record<string, unknown>>) {
    for (const name of ["op", "shape", "problemKey", "strategy", "stoppedBy"]) {
      assert.equal(typeof result[name], "string", name);
    }
    assert.equal(typeof result.kernelVersion, "number");
    assert.equal(typeof result.fromCache, "boolean");
    assert.equal(typeof result.trials, "number");
    assert.equal(typeof result.trialStatus, "object");
    assert.ok(result.speedup === null || typeof result.speedup === "number");
    for (const timed of [result.default, result.best] as Array<Record<string, unknown>>) {
      assert.equal(typeof timed.config, "object");
      assert.ok(timed.timeMs === null || typeof timed.timeMs === "number");
      assert.ok(timed.gflops === null || typeof timed.gflops === "number");
    }
  }
}

async function cacheTrials(dir: string): Promise<number> {
  const run = await runCli(["cache", "ls", "--json", "--cache-dir", dir]);
  assert.equal(run.code, 0, run.stderr);
  const files = JSON.parse(run.stdout).files as Array<{ trials: number; valid: boolean }>;
  assert.ok(files.every((f) => f.valid));
  return files.reduce((sum, f) => sum + f.trials, 0);
}

Deno.test({
  name: "wgtune tune --json reports a schema-conforming result, then a cache hit, then --force",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const { dir, cleanup } = await tempCacheDir();
    const args = [
      "tune",
      "--shape",
      "8x8x8",
      "--max-evals",
      "2",
      "--backend",
      BACKEND,
      "--cache-dir",
      dir,
      "--json",
    ];
    try {
      const first = await runCli(args);
      assert.equal(first.code, 0, first.stderr);
      const report = JSON.parse(first.stdout);
      assertTuneReport(report);
      assert.equal(report.interrupted, false);
      assert.equal(report.results.length, 1);
      const [result] = report.results;
      assert.equal(result.op, "matmul");
      assert.equal(result.shape, "8x8x8");
      assert.equal(result.problemKey, "f32_b1_m8_n8_k8");
      assert.equal(result.fromCache, false);
      assert.ok(result.trials >= 1 && result.trials <= 3, String(result.trials));
      assert.equal(typeof result.best.timeMs, "number");
      const trialsAfterFirst = await cacheTrials(dir);
      assert.ok(trialsAfterFirst >= result.trials);

      const second = await runCli(args);
      assert.equal(second.code, 0, second.stderr);
      const cached = JSON.parse(second.stdout);
      assertTuneReport(cached);
      assert.equal(cached.results[0].fromCache, true);
      assert.equal(cached.results[0].stoppedBy, "cache");
      assert.deepEqual(cached.results[0].best.config, result.best.config);
      assert.doesNotMatch(second.stderr, /trial \d/);
      assert.equal(await cacheTrials(dir), trialsAfterFirst, "a cache hit runs no trials");

      const table = await runCli(args.filter((a) => a !== "--json"));
      assert.equal(table.code, 0, table.stderr);
      const lines = table.stdout.trimEnd().split("\n");
      assert.equal(lines.length, 2, table.stdout);
      assert.match(lines[0]!, /^problem\s+default ms\s+tuned ms\s+GFLOPS/);
      assert.match(lines[1]!, /^matmul 8x8x8 f32 .* cached$/);

      const forced = await runCli([...args, "--force"]);
      assert.equal(forced.code, 0, forced.stderr);
      const retuned = JSON.parse(forced.stdout);
      assert.equal(retuned.results[0].fromCache, false);
      assert.ok(retuned.results[0].trials >= 1);
      assert.match(forced.stderr, /trial 1\//);
    } finally {
      await cleanup();
    }
  },
});
