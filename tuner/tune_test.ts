import assert from "node:assert/strict";
import { GPU_AVAILABLE, testGpu } from "../tests/gpu_fixture.ts";
import { configKey, enumerateValid } from "../search/space.ts";
import type { SearchStrategy } from "../search/types.ts";
import { tune } from "./tune.ts";
import { TuneCache } from "../cache/mod.ts";
import { tempDir, trial } from "../cache/testdata/fixtures.ts";
import { getKernel } from "../kernels/registry.ts";
import type { TuneEvent } from "./types.ts";

const problem = { m: 33, n: 17, k: 29 };

Deno.test("tune() rejects bad budgets and unknown ops/strategies with clear errors", async () => {
  const gpu = { caps: {} } as Parameters<typeof tune>[0];
  await assert.rejects(
    tune(gpu, { op: "matmul", problem }, { maxEvals: 0 }),
    /'maxEvals' must be a positive integer: current value is 0/,
  );
  await assert.rejects(tune(gpu, { op: "matmul", problem }, { timeLimitMs: -1 }), /'timeLimitMs'/);
  await assert.rejects(
    tune(gpu, { op: "matmul", problem }, { strategy: "nope" }),
    /unknown strategy 'nope'/,
  );
  await assert.rejects(tune(gpu, { op: "fft", problem }, {}), /unknown op 'fft'/);
});

Deno.test({
  name:
    "tune() finds a correct config, measures the default in the same run, and caches every trial",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const cacheDir = await Deno.makeTempDir();
    const events: TuneEvent[] = [];
    const result = await tune(gpu, { op: "matmul", problem }, {
      strategy: "random",
      maxEvals: 3,
      measureMs: 5,
      cacheDir,
      onEvent: (e) => events.push(e),
    });
    assert.equal(result.fromCache, false);
    assert.ok(Number.isFinite(result.best.timeMs) && result.best.timeMs > 0);
    assert.ok(Number.isFinite(result.default.timeMs));
    assert.ok(result.best.timeMs <= result.default.timeMs);
    assert.ok(result.speedup >= 1);
    assert.ok(result.best.gflops > 0);
    assert.equal(result.stoppedBy === "max-evals" || result.stoppedBy === "exhausted", true);
    assert.equal(events.filter((e) => e.type === "trial").length, 3);
    assert.equal(events.at(-1)?.type, "done");

    // A second run is a cache hit with no new trials.
    const again: TuneEvent[] = [];
    const cached = await tune(gpu, { op: "matmul", problem }, {
      maxEvals: 3,
      cacheDir,
      onEvent: (e) => again.push(e),
    });
    assert.equal(cached.fromCache, true);
    assert.equal(configKey(cached.best.config), configKey(result.best.config));
    assert.equal(again.filter((e) => e.type === "trial").length, 0);
    await Deno.remove(cacheDir, { recursive: true });
  },
});

Deno.test({
  name: "tune() records failing candidates as data and resumes an aborted search",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const cacheDir = await Deno.makeTempDir();
    const controller = new AbortController();
    // A strategy that proposes an illegal config, then aborts after two real trials.
    let proposals = 0;
    const abortingGrid: SearchStrategy = {
      name: "aborting",
      async search(space, evaluate) {
        const { enumerateValid } = await import("../search/space.ts");
        const bogus = {
          ...space.params.reduce((c, p) => ({ ...c, [p.name]: p.values[0] }), {}),
          tileM: 3,
        };
        const first = await evaluate(bogus);
        assert.equal(first.status, "invalid");
        for (const config of enumerateValid(space)) {
          if (++proposals === 3) controller.abort();
          await evaluate(config);
        }
      },
    };
    const aborted = await tune(gpu, { op: "matmul", problem }, {
      strategy: abortingGrid,
      maxEvals: 50,
      measureMs: 5,
      cacheDir,
      signal: controller.signal,
    });
    assert.equal(aborted.stoppedBy, "aborted");
    const done = aborted.trials.length;
    assert.ok(done >= 2);

    const resumed = await tune(gpu, { op: "matmul", problem }, {
      strategy: "grid",
      maxEvals: 4,
      measureMs: 5,
      cacheDir,
      confirmTop: 0, // keep the replayed times as they were recorded
    });
    assert.equal(resumed.fromCache, false, "an aborted search is not a cache hit");
    assert.ok(resumed.trials.length >= 4);
    // Trials finished before the abort are replayed from the cache, not measured again.
    const before = new Map(
      aborted.trials.filter((t) => t.status === "ok").map((t) => [configKey(t.config), t.timeMs]),
    );
    const replayed = resumed.trials.filter((t) => before.has(configKey(t.config)));
    assert.ok(replayed.length >= 2);
    for (const t of replayed) assert.equal(t.timeMs, before.get(configKey(t.config)));
    await Deno.remove(cacheDir, { recursive: true });
  },
});

Deno.test({
  name: "tune() with process isolation evaluates candidates in a worker with the same device",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const restarts: string[] = [];
    const result = await tune(gpu, { op: "matmul", problem }, {
      strategy: "random",
      maxEvals: 2,
      measureMs: 5,
      cacheDir: null,
      isolation: "process",
      onWorkerRestart: (reason) => restarts.push(reason),
    });
    assert.equal(result.trials.length, 3);
    assert.ok(result.trials.every((t) => t.status === "ok"), JSON.stringify(result.trials));
    assert.deepEqual(restarts, []);
  },
});

Deno.test({
  name: "tune() refuses a problem larger than the device allows with a RangeError",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const side = Math.ceil(Math.sqrt(gpu.caps.maxStorageBufferBindingSize / 4)) + 1;
    await assert.rejects(
      tune(gpu, { op: "matmul", problem: { m: side, n: 1, k: side } }, { cacheDir: null }),
      (error: Error) => error instanceof RangeError && /'a'.* bytes/.test(error.message),
    );
  },
});

Deno.test({
  name:
    "tune() reports cached results of an older kernel version as stale and tunes again, when the cache has only those",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    await using dir = await tempDir();
    const family = getKernel("matmul");
    const problemKey = family.problemKey(family.normalizeProblem(problem));
    const cache = await TuneCache.open(dir.path, gpu.fingerprint);
    const old = { kernel: "matmul", kernelVersion: family.version - 1, problemKey, problem };
    await cache.recordTrials(old, { trials: [trial(8, 1)], complete: true });
    const events: TuneEvent[] = [];
    const result = await tune(gpu, { op: "matmul", problem }, {
      maxEvals: 1,
      measureMs: 5,
      cacheDir: dir.path,
      onEvent: (e) => events.push(e),
    });
    assert.equal(result.fromCache, false);
    const stale = events.filter((e) => e.type === "stale-cache");
    assert.deepEqual(stale, [{
      type: "stale-cache",
      op: "matmul",
      problemKey,
      staleVersions: [family.version - 1],
      kernelVersion: family.version,
    }]);
  },
});

Deno.test({
  name:
    "tune() evaluates the nearest cached problem's best config first, when warm start is on and it fits the space",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    await using dir = await tempDir();
    const family = getKernel("matmul");
    const nearby = family.normalizeProblem({ m: 64, n: 64, k: 72 });
    const defaultKey = configKey(family.defaultConfig(nearby, gpu.caps));
    const legal = [...enumerateValid(family.space(nearby, gpu.caps))];
    const transferred = legal.find((c) => configKey(c) !== defaultKey)!;
    // A cached tuning of a nearby problem whose best config is `transferred`.
    const cached = family.normalizeProblem({ m: 64, n: 64, k: 64 });
    const cache = await TuneCache.open(dir.path, gpu.fingerprint);
    await cache.recordTrials({
      kernel: "matmul",
      kernelVersion: family.version,
      problemKey: family.problemKey(cached),
      problem: cached,
    }, {
      trials: [{ config: transferred, status: "ok", timeMs: 1 }, {
        config: legal.at(-1)!,
        status: "ok",
        timeMs: 5,
      }],
      complete: true,
    });
    // No confirmation: the forced cold run would otherwise re-time the warm run's trials too.
    const options = {
      strategy: "random",
      measureMs: 5,
      maxEvals: 1,
      seed: 3,
      confirmTop: 0,
    } as const;
    const warm = await tune(gpu, { op: "matmul", problem: nearby }, {
      ...options,
      cacheDir: dir.path,
    });
    assert.deepEqual(warm.trials.map((t) => configKey(t.config)), [
      defaultKey,
      configKey(transferred),
    ]);
    const cold = await tune(gpu, { op: "matmul", problem: nearby }, {
      ...options,
      cacheDir: dir.path,
      warmStart: false,
      force: true,
    });
    assert.equal(cold.trials.length, 2);
    assert.notEqual(configKey(cold.trials[1]!.config), configKey(transferred));
  },
});

Deno.test({
  name:
    "tune() re-times the fastest configs without adding trials, and chooses the best on the confirmed times",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    await using dir = await tempDir();
    const result = await tune(gpu, { op: "matmul", problem }, {
      strategy: "random",
      maxEvals: 4,
      measureMs: 5,
      cacheDir: dir.path,
      confirmTop: 3,
    });
    assert.equal(result.trials.length, 5);
    assert.equal(new Set(result.trials.map((t) => configKey(t.config))).size, 5);
    const fastest = Math.min(
      ...result.trials.filter((t) => t.status === "ok").map((t) => t.timeMs!),
    );
    assert.equal(result.best.timeMs, fastest);
    const cached = await (await TuneCache.open(dir.path, gpu.fingerprint)).get(
      "matmul",
      getKernel("matmul").version,
      result.problemKey,
    );
    assert.equal(cached?.best?.timeMs, result.best.timeMs);
    await assert.rejects(
      tune(gpu, { op: "matmul", problem }, { cacheDir: null, confirmTop: -1 }),
      (e: Error) => e instanceof RangeError && /'confirmTop'/.test(e.message),
    );
  },
});

Deno.test({
  name:
    "tune() with `fix` searches only that subspace, takes the default there, and leaves the entry incomplete",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    await using dir = await tempDir();
    const family = getKernel("matmul");
    const familyDefault = family.defaultConfig(family.normalizeProblem(problem), gpu.caps);
    const fix = { vec: [1], unroll: [8] };
    assert.notEqual(familyDefault.unroll, 8, "the family default lies outside the subspace");
    const result = await tune(gpu, { op: "matmul", problem }, {
      strategy: "random",
      maxEvals: 3,
      measureMs: 5,
      cacheDir: dir.path,
      fix,
    });
    assert.deepEqual(result.default.config, { ...familyDefault, vec: 1, unroll: 8 });
    for (const trial of result.trials) {
      assert.equal(trial.config.vec, 1, configKey(trial.config));
      assert.equal(trial.config.unroll, 8, configKey(trial.config));
    }
    const entry = await (await TuneCache.open(dir.path, gpu.fingerprint)).get(
      "matmul",
      family.version,
      result.problemKey,
    );
    assert.equal(entry?.complete, false);
    await assert.rejects(
      tune(gpu, { op: "matmul", problem }, { cacheDir: null, fix: { vec: [3] } }),
      (e: Error) => e instanceof RangeError && /'vec' must be one of/.test(e.message),
    );
  },
});

Deno.test({
  name:
    "tune() picks its winner among the entry's earlier trials too, so the cache's best is always the reported best",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    await using dir = await tempDir();
    const family = getKernel("matmul");
    const normalized = family.normalizeProblem(problem);
    const legal = [...enumerateValid(family.space(normalized, gpu.caps))];
    // An incomplete entry from an earlier run holding one config with an impossibly fast time.
    const earlier = legal.at(-1)!;
    const cache = await TuneCache.open(dir.path, gpu.fingerprint);
    await cache.recordTrials({
      kernel: "matmul",
      kernelVersion: family.version,
      problemKey: family.problemKey(normalized),
      problem: normalized,
    }, { trials: [{ config: earlier, status: "ok", timeMs: 1e-6 }], complete: false });
    const result = await tune(gpu, { op: "matmul", problem }, {
      strategy: "random",
      maxEvals: 2,
      measureMs: 5,
      seed: 7,
      cacheDir: dir.path,
    });
    const entry = await (await TuneCache.open(dir.path, gpu.fingerprint)).get(
      "matmul",
      family.version,
      result.problemKey,
    );
    assert.equal(configKey(entry!.best!.config), configKey(result.best.config));
    assert.equal(entry!.best!.timeMs, result.best.timeMs);
    // The earlier config was re-timed: its recorded time is a real median now, not 1e-6.
    const retimed = entry!.trials.find((t) => configKey(t.config) === configKey(earlier))!;
    assert.ok(retimed.timeMs! > 1e-6, `${retimed.timeMs}`);
  },
});
