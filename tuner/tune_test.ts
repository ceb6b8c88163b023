import assert from "node:assert/strict";
import { GPU_AVAILABLE, testGpu } from "../tests/gpu_fixture.ts";
import { configKey, enumerateValid } from "../core/space.ts";
import type { SearchStrategy } from "../search/types.ts";
import { MAX_ENVIRONMENT_ATTEMPTS, tune } from "./tune.ts";
import { DeviceLostError } from "../gpu/device.ts";
import { TuneCache } from "../cache/mod.ts";
import { tempDir, trial } from "../cache/testdata/fixtures.ts";
import { getKernel } from "../kernels/registry.ts";
import type { TuneEvent } from "./types.ts";
import { DEFAULT_MAX_EVALS } from "./defaults.ts";

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
    await assertCacheAgrees(gpu, cacheDir, result);

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
        const { enumerateValid } = await import("../core/space.ts");
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
    await assertCacheAgrees(gpu, dir.path, result);
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

/** Asserts that the cache entry's best is the winner `result` reports (config and time). */
async function assertCacheAgrees(
  gpu: Parameters<typeof tune>[0],
  cacheDir: string,
  result: Awaited<ReturnType<typeof tune>>,
): Promise<void> {
  const entry = await (await TuneCache.open(cacheDir, gpu.fingerprint)).get(
    result.op,
    result.kernelVersion,
    result.problemKey,
  );
  assert.ok(entry?.best, "the entry has a best config");
  assert.equal(configKey(entry.best.config), configKey(result.best.config));
  assert.equal(entry.best.timeMs, result.best.timeMs);
}

/**
 * A hostile strategy: evaluates the space's first config, then proposes it again forever. Its
 * fuse fails the test (instead of hanging it) when the tuner never stops it.
 */
function repeating(fuse = 1_000_000): SearchStrategy & { proposals: () => number } {
  let proposals = 0;
  return {
    name: "repeating",
    proposals: () => proposals,
    async search(space, evaluate) {
      const first = enumerateValid(space).next().value!;
      for (;;) {
        if (++proposals > fuse) throw new Error("the tuner never stopped a repeating strategy");
        await evaluate(first);
      }
    },
  };
}

Deno.test({
  name:
    "tune() stops a strategy that keeps proposing a seen config, by budget, abort signal and time limit",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const base = { measureMs: 5, cacheDir: null, confirmTop: 0 } as const;
    const byBudget = repeating();
    const spent = await tune(gpu, { op: "matmul", problem }, {
      ...base,
      strategy: byBudget,
      maxEvals: 2,
    });
    assert.equal(spent.stoppedBy, "max-evals");
    assert.ok(byBudget.proposals() > 1);

    // The signal is aborted by a timer: the loop must give the event loop a turn.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 0);
    try {
      const aborted = await tune(gpu, { op: "matmul", problem }, {
        ...base,
        strategy: repeating(),
        maxEvals: 2,
        signal: controller.signal,
      });
      assert.equal(aborted.stoppedBy, "aborted");
    } finally {
      clearTimeout(timer);
    }

    const late = await tune(gpu, { op: "matmul", problem }, {
      ...base,
      strategy: repeating(),
      maxEvals: 2,
      timeLimitMs: 1e-3,
    });
    assert.equal(late.stoppedBy, "time-limit");
  },
});

Deno.test({
  name:
    "tune() leaves a complete entry complete, when a run with `fix` or an aborted forced run adds to it",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    await using dir = await tempDir();
    const options = { strategy: "random", maxEvals: 2, measureMs: 5, cacheDir: dir.path } as const;
    const first = await tune(gpu, { op: "matmul", problem }, options);
    const entry = () =>
      TuneCache.open(dir.path, gpu.fingerprint).then((c) =>
        c.get("matmul", first.kernelVersion, first.problemKey)
      );
    assert.equal((await entry())?.complete, true);

    await tune(gpu, { op: "matmul", problem }, { ...options, fix: { vec: [1], unroll: [8] } });
    assert.equal((await entry())?.complete, true, "a run with fix kept the entry complete");
    const controller = new AbortController();
    controller.abort();
    const aborted = await tune(gpu, { op: "matmul", problem }, {
      ...options,
      force: true,
      signal: controller.signal,
    });
    assert.equal(aborted.stoppedBy, "aborted");
    assert.equal((await entry())?.complete, true, "an aborted forced run kept it complete");

    const plain = await tune(gpu, { op: "matmul", problem }, options);
    assert.equal(plain.fromCache, true);
  },
});

Deno.test({
  name:
    "tune() retries timed-out trials of earlier runs a bounded number of times, counting attempts",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    await using dir = await tempDir();
    // A timeout far below one candidate's run time: every trial times out.
    const slow = {
      strategy: "grid",
      maxEvals: 1,
      measureMs: 5,
      cacheDir: dir.path,
      confirmTop: 0,
      candidateTimeoutMs: 1e-3,
    } as const;
    const attemptsOf = async (key: string) => {
      const cache = await TuneCache.open(dir.path, gpu.fingerprint);
      const family = getKernel("matmul");
      const entry = await cache.get(
        "matmul",
        family.version,
        family.problemKey(family.normalizeProblem(problem)),
      );
      return entry!.trials.find((t) => configKey(t.config) === key)!;
    };
    const first = await tune(gpu, { op: "matmul", problem }, slow);
    const defaultKey = configKey(first.default.config);
    assert.equal((await attemptsOf(defaultKey)).status, "timeout");
    assert.equal((await attemptsOf(defaultKey)).attempts, 1);
    for (let run = 2; run <= MAX_ENVIRONMENT_ATTEMPTS; run++) {
      const again = await tune(gpu, { op: "matmul", problem }, slow);
      assert.equal(again.fromCache, false);
      assert.equal((await attemptsOf(defaultKey)).attempts, run, `run ${run} retried it`);
    }
    // Out of attempts: the record is replayed, not run again (even with a usable timeout).
    const replayed = await tune(gpu, { op: "matmul", problem }, {
      ...slow,
      candidateTimeoutMs: 60_000,
    });
    assert.equal(replayed.default.timeMs, Infinity);
    assert.equal((await attemptsOf(defaultKey)).attempts, MAX_ENVIRONMENT_ATTEMPTS);
  },
});

Deno.test({
  name:
    "tune() retries a complete entry's timed-out default in a later run instead of replaying it, and the cache agrees with the result",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    await using dir = await tempDir();
    const family = getKernel("matmul");
    const normalized = family.normalizeProblem(problem);
    const defaultConfig = family.defaultConfig(normalized, gpu.caps);
    const other = [...enumerateValid(family.space(normalized, gpu.caps))]
      .find((c) => configKey(c) !== configKey(defaultConfig))!;
    const cache = await TuneCache.open(dir.path, gpu.fingerprint);
    await cache.recordTrials({
      kernel: "matmul",
      kernelVersion: family.version,
      problemKey: family.problemKey(normalized),
      problem: normalized,
    }, {
      trials: [
        { config: defaultConfig, status: "timeout", timeMs: null, error: "too slow" },
        { config: other, status: "ok", timeMs: 1 },
      ],
      defaultConfig,
      complete: true,
    });
    const result = await tune(gpu, { op: "matmul", problem }, {
      strategy: "grid",
      maxEvals: 1,
      measureMs: 5,
      cacheDir: dir.path,
    });
    assert.equal(result.fromCache, false);
    assert.ok(Number.isFinite(result.default.timeMs), "the default was run again");
    await assertCacheAgrees(gpu, dir.path, result);
  },
});

Deno.test({
  name:
    "tune() reopens the device after an in-process candidate lost it, and later candidates run on the new one",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    let proposals = 0;
    const losing: SearchStrategy = {
      name: "losing",
      async search(space, evaluate) {
        for (const config of enumerateValid(space)) {
          // The device is lost (destroyed) right before the second proposal.
          if (++proposals === 2) gpu.device.destroy();
          await evaluate(config);
        }
      },
    };
    const before = gpu.device;
    const result = await tune(gpu, { op: "matmul", problem }, {
      strategy: losing,
      maxEvals: 4,
      measureMs: 5,
      cacheDir: null,
      confirmTop: 0,
    });
    assert.notEqual(gpu.device, before);
    const statuses = result.trials.map((t) => t.status);
    assert.equal(statuses.filter((s) => s === "device_lost").length, 1, statuses.join(" "));
    const lostAt = statuses.indexOf("device_lost");
    assert.ok(statuses.slice(lostAt + 1).length >= 2);
    assert.ok(statuses.slice(lostAt + 1).every((s) => s === "ok"), statuses.join(" "));
  },
});

Deno.test({
  name:
    "tune() stops with a DeviceLostError, when an in-process candidate lost a device that cannot be reopened",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const real = await testGpu();
    await real.reopen!(); // a device of this test's own
    const device = real.device;
    const { reopen: _, ...rest } = real;
    const gpu = { ...rest, device };
    const losing: SearchStrategy = {
      name: "losing",
      async search(space, evaluate) {
        device.destroy();
        for (const config of enumerateValid(space)) await evaluate(config);
      },
    };
    try {
      await assert.rejects(
        tune(gpu, { op: "matmul", problem }, {
          strategy: losing,
          maxEvals: 3,
          measureMs: 5,
          cacheDir: null,
        }),
        DeviceLostError,
      );
    } finally {
      await real.reopen!(); // the shared test device works again for later tests
    }
  },
});

Deno.test({
  name:
    "tune() confirms lucky cached times of every config before choosing the winner and the default's time, even on ties",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    await using dir = await tempDir();
    const family = getKernel("matmul");
    const normalized = family.normalizeProblem(problem);
    const defaultConfig = family.defaultConfig(normalized, gpu.caps);
    const legal = [...enumerateValid(family.space(normalized, gpu.caps))].slice(0, 6);
    // An earlier, interrupted run recorded impossible times (all equal: ties) for six configs
    // and the default.
    const cache = await TuneCache.open(dir.path, gpu.fingerprint);
    await cache.recordTrials({
      kernel: "matmul",
      kernelVersion: family.version,
      problemKey: family.problemKey(normalized),
      problem: normalized,
    }, {
      trials: [defaultConfig, ...legal].map((config) => ({ config, status: "ok", timeMs: 1e-6 })),
      complete: false,
    });
    const result = await tune(gpu, { op: "matmul", problem }, {
      strategy: "grid",
      maxEvals: 2,
      measureMs: 5,
      cacheDir: dir.path,
    });
    assert.ok(
      result.best.timeMs > 1e-6,
      `the winner's time is a real median: ${result.best.timeMs}`,
    );
    assert.ok(result.default.timeMs > 1e-6, `so is the default's: ${result.default.timeMs}`);
    assert.equal(result.speedup, result.default.timeMs / result.best.timeMs);
    await assertCacheAgrees(gpu, dir.path, result);
  },
});

Deno.test({
  name:
    "tune() re-times a default whose earlier time was lucky, so neither the winner nor the speedup rests on it",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    await using dir = await tempDir();
    const family = getKernel("matmul");
    const normalized = family.normalizeProblem(problem);
    const defaultConfig = family.defaultConfig(normalized, gpu.caps);
    const cache = await TuneCache.open(dir.path, gpu.fingerprint);
    await cache.recordTrials({
      kernel: "matmul",
      kernelVersion: family.version,
      problemKey: family.problemKey(normalized),
      problem: normalized,
    }, {
      trials: [{ config: defaultConfig, status: "ok", timeMs: 1e-6 }],
      defaultConfig,
      defaultTimeMs: 1e-6,
      complete: false,
    });
    const result = await tune(gpu, { op: "matmul", problem }, {
      strategy: "random",
      maxEvals: 2,
      measureMs: 5,
      cacheDir: dir.path,
    });
    assert.ok(result.default.timeMs > 1e-6, `${result.default.timeMs}`);
    assert.ok(result.best.timeMs > 1e-6, `${result.best.timeMs}`);
    const entry = await cache.get("matmul", family.version, result.problemKey);
    assert.equal(entry?.defaultTimeMs, result.default.timeMs);
    await assertCacheAgrees(gpu, dir.path, result);
  },
});

Deno.test({
  name: "tune() takes its budgets from tuner/defaults.ts, when the options leave them out",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const controller = new AbortController();
    const budgets: number[] = [];
    const result = await tune(gpu, { op: "matmul", problem: { m: 8, n: 8, k: 8 } }, {
      cacheDir: null,
      measureMs: 5,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type !== "start") return;
        budgets.push(event.maxEvals);
        controller.abort();
      },
    });
    assert.deepEqual(budgets, [DEFAULT_MAX_EVALS]);
    assert.equal(result.stoppedBy, "aborted");
  },
});
