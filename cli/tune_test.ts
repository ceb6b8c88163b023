import assert from "node:assert/strict";
import { GPU_AVAILABLE, testGpu } from "../tests/gpu_fixture.ts";
import { DeviceLostError } from "../gpu/device.ts";
import { runCli, tempCacheDir } from "./_run.ts";
import { EXIT_DEVICE_LOST, EXIT_NO_CORRECT_CONFIG, EXIT_USAGE, reportError } from "./errors.ts";
import { EXIT_CODES_HELP } from "./main.ts";

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

/** Trials in the cache directory (0 when nothing was written). */
async function trialsIn(dir: string): Promise<number> {
  try {
    await Deno.stat(dir);
  } catch {
    return 0;
  }
  return await cacheTrials(dir);
}

Deno.test({
  name:
    "wgtune tune checks every shape before tuning any, when a later shape exceeds the device or --fix",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const side = Math.ceil(Math.sqrt(gpu.caps.maxStorageBufferBindingSize / 4)) + 1;
    const cases = [
      { args: ["--shape", "8x8x8", `${side}x1x${side}`], shape: `${side}x1x${side}` },
      { args: ["--shape", "8x8x8", "9x9x9", "--fix", "vec=4"], shape: "9x9x9" },
    ];
    for (const { args, shape } of cases) {
      const { dir, cleanup } = await tempCacheDir();
      try {
        const run = await runCli([
          "tune",
          ...args,
          "--max-evals",
          "1",
          "--backend",
          BACKEND,
          "--cache-dir",
          dir,
        ]);
        assert.equal(await trialsIn(dir), 0, `nothing was tuned: ${run.stderr}`);
        assert.doesNotMatch(run.stderr, /trial \d/);
        assert.equal(run.code, EXIT_USAGE, run.stderr);
        assert.match(run.stderr, new RegExp(`wgtune: error: --shape ${shape}: `));
      } finally {
        await cleanup();
      }
    }
  },
});

Deno.test({
  name:
    "wgtune tune exits with EXIT_NO_CORRECT_CONFIG and still prints the report, when no config of a problem runs correctly",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const { dir, cleanup } = await tempCacheDir();
    try {
      // A candidate timeout far below any candidate's run time: every trial times out.
      const run = await runCli([
        "tune",
        "--shape",
        "8x8x8",
        "--max-evals",
        "1",
        "--candidate-timeout",
        "0.001",
        "--backend",
        BACKEND,
        "--cache-dir",
        dir,
        "--json",
      ]);
      assert.equal(run.code, EXIT_NO_CORRECT_CONFIG, run.stderr);
      assert.equal(EXIT_NO_CORRECT_CONFIG, 3);
      assert.match(run.stderr, /no config ran correctly for matmul 8x8x8 f32/);
      const report = JSON.parse(run.stdout);
      assertTuneReport(report);
      assert.equal(report.results.length, 1);
      assert.equal(report.results[0].best.timeMs, null);
    } finally {
      await cleanup();
    }
  },
});

Deno.test("wgtune tune --help lists the exit codes", async () => {
  const run = await runCli(["tune", "--help"]);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.stdout.includes(EXIT_CODES_HELP), run.stdout);
  assert.match(
    EXIT_CODES_HELP,
    new RegExp(`\\n  ${EXIT_NO_CORRECT_CONFIG} +no config ran correctly`),
  );
  assert.match(EXIT_CODES_HELP, new RegExp(`\\n  ${EXIT_DEVICE_LOST} +the GPU device was lost`));
});

Deno.test("reportError() prints one line and returns EXIT_DEVICE_LOST for a DeviceLostError", () => {
  const lines: string[] = [];
  const code = reportError(new DeviceLostError("no 'deno' adapter"), (t) => lines.push(t));
  assert.equal(code, EXIT_DEVICE_LOST);
  assert.deepEqual(lines, [
    "wgtune: error: the GPU device was lost and could not be reopened: no 'deno' adapter\n",
  ]);
});
