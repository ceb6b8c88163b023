/**
 * The tuner: searches a kernel family's config space for one problem on one device, validating
 * every candidate against the float64 reference and timing the correct ones, under evaluation,
 * wall-clock and per-candidate budgets. Every finished trial is persisted to the per-device cache
 * as it completes, so an interrupted tune resumes where it stopped.
 *
 * @module
 */
import { mergeTrials } from "../cache/merge.ts";
import { DeviceLostError, type Gpu } from "../gpu/device.ts";
import { getKernel } from "../kernels/registry.ts";
import type { AnyKernelFamily } from "../kernels/types.ts";
import type { Config, ParamValue, SearchSpace } from "../core/types.ts";
import { defaultCacheDir, type TuneCache, TuneCache as Cache } from "../cache/mod.ts";
import type { CacheEntry } from "../cache/types.ts";
import { getStrategy } from "../search/registry.ts";
import { configKey, enumerateValid, restrictSpace } from "../core/space.ts";
import { type Evaluation, SearchStopped, type SearchStrategy } from "../search/types.ts";
import { assertFitsDevice } from "../core/device_fit.ts";
import { confirmFastest } from "./confirm.ts";
import {
  DEFAULT_CANDIDATE_TIMEOUT_MS,
  DEFAULT_CONFIRM_TOP,
  DEFAULT_MAX_EVALS,
  DEFAULT_MEASURE_MS,
  DEFAULT_SEED,
  DEFAULT_STRATEGY,
  DEFAULT_TIME_LIMIT_MS,
} from "./defaults.ts";
import { nearestPrior } from "./warm_start.ts";
import { type CandidateRunner, inProcessRunner, processRunner } from "./runners.ts";
import { setLongTimeout } from "./timer.ts";
import { checkTuneArgs } from "./tune_args.ts";
import { assertOpenGpu } from "../gpu/assert_gpu.ts";
import type { TimedConfig, TuneOptions, TuneRequest, TuneResult } from "./types.ts";
import { isEnvironmentFailure, type TrialRecord } from "../core/trial.ts";

function checkPositive(name: string, value: number, integer: boolean): void {
  if (!(value > 0) || (integer && !Number.isInteger(value))) {
    throw new RangeError(
      `'${name}' must be a positive ${integer ? "integer" : "number"}: current value is ${value}`,
    );
  }
}

function timed(config: Config, timeMs: number, flops: number): TimedConfig {
  return { config, timeMs, gflops: Number.isFinite(timeMs) ? flops / (timeMs * 1e6) : 0 };
}

/** Extra timing rounds of the fastest configs (see `confirmTop`). */
const CONFIRM_ROUNDS = 2;

/**
 * How many runs may try a config whose trials failed because of the environment (`"timeout"`,
 * `"device_lost"`), not because of the config: a later run retries such a trial (its record
 * counts the runs in `attempts`) until it has failed this many times; then it is replayed.
 *
 * @example
 * ```ts
 * import { MAX_ENVIRONMENT_ATTEMPTS } from "./tune.ts";
 * console.log(MAX_ENVIRONMENT_ATTEMPTS); // 3
 * ```
 */
export const MAX_ENVIRONMENT_ATTEMPTS = 3;

/** Device losses one in-process run recovers from (by reopening) before it stops. */
const MAX_DEVICE_REOPENS = 3;

/** How many runs failed this trial because of the environment (0 for other statuses). */
function environmentAttempts(trial: TrialRecord): number {
  if (!isEnvironmentFailure(trial.status)) return 0;
  const attempts = trial.attempts;
  return typeof attempts === "number" && Number.isInteger(attempts) && attempts >= 1 ? attempts : 1;
}

/** True for a trial that failed because of the environment and may be tried again. */
function retryable(trial: TrialRecord): boolean {
  const attempts = environmentAttempts(trial);
  return attempts > 0 && attempts < MAX_ENVIRONMENT_ATTEMPTS;
}

/**
 * The default config within a subspace: the family default when it lies there, else the family
 * default with each fixed parameter set to its first allowed value, else the subspace's first
 * legal config. Throws a `RangeError` when the subspace has none.
 */
function fixedDefault(
  space: SearchSpace,
  familyDefault: Config,
  fix: Readonly<Record<string, readonly ParamValue[]>>,
): Config {
  if (space.isValid(familyDefault)) return familyDefault;
  const pinned = { ...familyDefault };
  for (const [name, values] of Object.entries(fix)) pinned[name] = values[0]!;
  if (space.isValid(pinned)) return pinned;
  const first = enumerateValid(space).next();
  if (first.done) {
    throw new RangeError(
      `no legal config has ${
        Object.entries(fix).map(([name, values]) => `${name}=${values.join("|")}`).join(" ")
      }`,
    );
  }
  return first.value;
}

/** Everything `tune()` derives from a request before it touches the cache or times anything. */
interface PreparedProblem {
  readonly family: AnyKernelFamily;
  readonly problem: unknown;
  readonly problemKey: string;
  readonly space: SearchSpace;
  readonly defaultConfig: Config;
  readonly spaceSize: number;
}

function prepare(
  gpu: Gpu,
  request: TuneRequest,
  fix: TuneOptions["fix"],
): PreparedProblem {
  const family = getKernel(request.op);
  const problem = family.normalizeProblem(request.problem);
  const problemKey = family.problemKey(problem);
  const space = fix
    ? restrictSpace(family.space(problem, gpu.caps), fix)
    : family.space(problem, gpu.caps);
  const defaultConfig = fix
    ? fixedDefault(space, family.defaultConfig(problem, gpu.caps), fix)
    : family.defaultConfig(problem, gpu.caps);
  assertFitsDevice(family.generate(problem, defaultConfig, gpu.caps), gpu.caps);
  let spaceSize = 0;
  for (const _ of enumerateValid(space)) spaceSize++;
  if (spaceSize === 0) {
    throw new RangeError(`no config of ${family.name} fits ${problemKey} on this device`);
  }
  return { family, problem, problemKey, space, defaultConfig, spaceSize };
}

/**
 * Checks, without tuning, timing or touching the cache, that `tune()` would accept the request
 * on this device: the op and problem are valid, the problem fits the device's limits, and
 * `options.fix` names parameters and values that leave legal configs. Throws the `RangeError` or
 * `TypeError` that `tune()` would throw. The CLI checks every shape this way before tuning any.
 *
 * @example Check two problems before tuning either
 * ```ts
 * import { openDevice, tune } from "@wgtune/wgtune";
 * import { checkTunable } from "@wgtune/wgtune/tuner";
 * const gpu = await openDevice();
 * const requests = [{ op: "matmul", problem: { m: 16, n: 16, k: 16 } }];
 * for (const request of requests) checkTunable(gpu, request, { fix: { variant: ["register"] } });
 * for (const request of requests) {
 *   await tune(gpu, request, { fix: { variant: ["register"] }, maxEvals: 1, measureMs: 5, cacheDir: null });
 * }
 * gpu.close();
 * ```
 */
export function checkTunable(
  gpu: Gpu,
  request: TuneRequest,
  options: Pick<TuneOptions, "fix"> = {},
): void {
  prepare(gpu, request, options.fix);
}

function toEvaluation(trial: TrialRecord): Evaluation {
  return {
    config: trial.config,
    status: trial.status,
    timeMs: trial.status === "ok" && trial.timeMs !== null ? trial.timeMs : Infinity,
  };
}

/**
 * Tunes one problem: returns the best config, its time and GFLOPS, the heuristic default's time
 * measured in the same run, and the speedup. A complete cached result for this device is returned
 * without new trials unless `force` is set, or some of its trials failed because of the
 * environment (`"timeout"`, `"device_lost"`) fewer than {@linkcode MAX_ENVIRONMENT_ATTEMPTS}
 * times: those are retried. Only a finished search marks the entry complete; nothing marks it
 * incomplete again. A device lost by an in-process candidate is reopened (`Gpu.reopen()`), or the
 * tune stops with a `DeviceLostError`. A strategy that keeps proposing configs it has already
 * seen is stopped like any other (see `maxEvals`).
 *
 * @example Tune a 32³ matmul with 2 random candidates, without the cache
 * ```ts
 * import { openDevice, tune } from "@wgtune/wgtune";
 * const gpu = await openDevice();
 * const r = await tune(gpu, { op: "matmul", problem: { m: 32, n: 32, k: 32 } }, {
 *   strategy: "random",
 *   maxEvals: 2,
 *   measureMs: 5,
 *   cacheDir: null,
 * });
 * console.log(r.best.config, r.best.gflops, r.speedup);
 * gpu.close();
 * ```
 */
export async function tune(
  gpu: Gpu,
  request: TuneRequest,
  options: TuneOptions = {},
): Promise<TuneResult> {
  checkTuneArgs(request, options);
  // A missing or closed device is refused at once, with assertOpenGpu's one-line message. Its other
  // fields are not checked here: the budget and problem checks below run on stand-ins too.
  if (gpu === null || typeof gpu !== "object" || (gpu as { closed?: boolean }).closed === true) {
    assertOpenGpu(gpu);
  }
  const {
    maxEvals = DEFAULT_MAX_EVALS,
    timeLimitMs = DEFAULT_TIME_LIMIT_MS,
    candidateTimeoutMs = DEFAULT_CANDIDATE_TIMEOUT_MS,
    seed = DEFAULT_SEED,
    measureMs = DEFAULT_MEASURE_MS,
    force = false,
    isolation = "none",
    confirmTop = DEFAULT_CONFIRM_TOP,
    signal,
    onEvent,
  } = options;
  checkPositive("maxEvals", maxEvals, true);
  checkPositive("timeLimitMs", timeLimitMs, false);
  checkPositive("candidateTimeoutMs", candidateTimeoutMs, false);
  checkPositive("measureMs", measureMs, false);
  if (!Number.isInteger(confirmTop) || confirmTop < 0) {
    throw new RangeError(`'confirmTop' must be an integer >= 0: current value is ${confirmTop}`);
  }
  if (!Number.isInteger(seed)) {
    throw new RangeError(`'seed' must be an integer: current value is ${seed}`);
  }
  const strategy: SearchStrategy = typeof options.strategy === "object"
    ? options.strategy
    : getStrategy(options.strategy ?? DEFAULT_STRATEGY);
  const { family, problem, problemKey, space, defaultConfig, spaceSize } = prepare(
    gpu,
    request,
    options.fix,
  );
  const flops = family.flops(problem);
  const cacheDir = options.cacheDir === undefined ? defaultCacheDir() : options.cacheDir;
  const cache: TuneCache | undefined = cacheDir === null
    ? undefined
    : await Cache.open(cacheDir, gpu.fingerprint);
  const entryId = { kernel: family.name, kernelVersion: family.version, problemKey, problem };
  const cached = cache ? await cache.get(family.name, family.version, problemKey) : undefined;
  // Every entry of the cache file, read at most once (stale check and warm start both need them).
  let allEntries: Promise<CacheEntry[]> | undefined;
  const entries = (): Promise<CacheEntry[]> => allEntries ??= cache!.entries();
  if (cache && !cached) {
    const staleVersions = (await entries())
      .filter((e) =>
        e.kernel === family.name && e.problemKey === problemKey && e.kernelVersion < family.version
      )
      .map((e) => e.kernelVersion);
    if (staleVersions.length > 0) {
      onEvent?.({
        type: "stale-cache",
        op: family.name,
        problemKey,
        staleVersions,
        kernelVersion: family.version,
      });
    }
  }

  // A complete entry is reused, unless some of its trials failed because of the environment and
  // may be retried (a bounded number of times: see MAX_ENVIRONMENT_ATTEMPTS).
  if (
    cached && cached.complete && cached.best && !force && space.isValid(cached.best.config) &&
    !cached.trials.some((t) => retryable(t) && space.isValid(t.config))
  ) {
    onEvent?.({ type: "cache-hit", op: family.name, problemKey });
    const defaultMs = cached.defaultTimeMs ?? Infinity;
    const result: TuneResult = {
      op: family.name,
      kernelVersion: family.version,
      problemKey,
      problem,
      fromCache: true,
      best: timed(cached.best.config, cached.best.timeMs, flops),
      default: timed(cached.defaultConfig ?? defaultConfig, defaultMs, flops),
      speedup: defaultMs / cached.best.timeMs,
      strategy: cached.strategy,
      trials: cached.trials,
      stoppedBy: "cache",
    };
    onEvent?.({ type: "done", result });
    return result;
  }

  // Trials recorded by an interrupted run of the same problem are replayed, not re-run (except
  // failures of the environment, retried a bounded number of times).
  const previous = new Map<string, TrialRecord>();
  if (cached && !force) {
    for (const trial of cached.trials) previous.set(configKey(trial.config), trial);
  }

  // Stops the candidate in progress (its reference included) on abort and at the time limit.
  const stop = new AbortController();
  const setup = {
    family,
    problem,
    seed,
    measureMs,
    timeoutMs: candidateTimeoutMs,
    signal: stop.signal,
    // Confirmation re-times these without compiling them again.
    keepTop: Math.max(8, 3 * confirmTop),
    keepAlso: [defaultConfig],
  };
  const runner: CandidateRunner = isolation === "process"
    ? processRunner(setup, {
      backend: gpu.backend.startsWith("dawn") ? "dawn" : "deno",
      fingerprintHash: gpu.fingerprint.hash,
      ...(options.onWorkerRestart ? { onRestart: options.onWorkerRestart } : {}),
    })
    : inProcessRunner(gpu, setup);
  const started = performance.now();
  const timeUp = () => performance.now() - started > timeLimitMs;
  const trials: TrialRecord[] = [];
  const seen = new Map<string, Evaluation>();
  let bestMs = Infinity;
  let bestConfig: Config | undefined;
  let evaluations = 0;
  let reopens = 0;

  const persist = async (patch: Parameters<TuneCache["recordTrials"]>[1]): Promise<void> => {
    if (cache) await cache.recordTrials(entryId, patch);
  };

  /**
   * After an in-process candidate lost the tuner's device, every later candidate would fail the
   * same way: reopen it (the worker of process isolation is restarted by its runner instead), or
   * stop with a `DeviceLostError` when it cannot be reopened or keeps being lost.
   */
  const recoverDevice = async (): Promise<void> => {
    if (isolation === "process") return;
    if (!gpu.reopen) throw new DeviceLostError("this device cannot be reopened");
    if (++reopens > MAX_DEVICE_REOPENS) {
      throw new DeviceLostError(`it was lost ${reopens} times in one run`);
    }
    await gpu.reopen();
  };

  const runOne = async (config: Config): Promise<TrialRecord> => {
    const replayed = previous.get(configKey(config));
    if (replayed && !retryable(replayed)) return replayed;
    const cutoffMs = Number.isFinite(bestMs) ? 3 * bestMs : Infinity;
    let record = await runner.evaluate(config, cutoffMs);
    if (isEnvironmentFailure(record.status)) {
      record = {
        ...record,
        attempts: environmentAttempts(replayed ?? record) + (replayed ? 1 : 0),
      };
    }
    await persist({ trials: [record], strategy: strategy.name });
    if (record.status === "device_lost") await recoverDevice();
    return record;
  };

  const note = (trial: TrialRecord): Evaluation => {
    const evaluation = toEvaluation(trial);
    seen.set(configKey(trial.config), evaluation);
    trials.push(trial);
    if (evaluation.timeMs < bestMs) {
      bestMs = evaluation.timeMs;
      bestConfig = trial.config;
    }
    return evaluation;
  };

  onEvent?.({ type: "start", op: family.name, problemKey, spaceSize, maxEvals });
  const onAbort = () => stop.abort(new SearchStopped("aborted"));
  let disarm = (): void => {};
  try {
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort();
    disarm = setLongTimeout(
      () => stop.abort(new SearchStopped("time-limit")),
      timeLimitMs - (performance.now() - started),
    );
    return await search();
  } finally {
    disarm();
    signal?.removeEventListener("abort", onAbort);
    await runner.close();
  }

  // Declared after use: it closes over the state above, and `runner` is closed whatever happens.
  async function search(): Promise<TuneResult> {
    let defaultMs = Infinity;

    // Strategies are plug-ins: one that keeps proposing configs it has already seen must still be
    // stopped. Repeats are free, but the abort signal and the time limit are checked for them too,
    // the event loop gets a turn now and then (so Ctrl-C and timers work), and beyond a generous
    // allowance (twice the space, plus 1000) repeats end the search as a spent budget.
    const maxRepeats = 2 * spaceSize + 1000;
    let repeats = 0;
    const checkStop = (): void => {
      if (signal?.aborted) throw new SearchStopped("aborted");
      if (performance.now() - started > timeLimitMs) throw new SearchStopped("time-limit");
    };
    const evaluate = async (config: Config): Promise<Evaluation> => {
      const key = configKey(config);
      const known = seen.get(key);
      if (known) {
        if (++repeats % 64 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
        checkStop();
        if (repeats > maxRepeats) throw new SearchStopped("max-evals");
        return known;
      }
      checkStop();
      if (evaluations >= maxEvals) throw new SearchStopped("max-evals");
      evaluations++;
      if (!space.isValid(config)) {
        const invalid: TrialRecord = {
          config,
          status: "invalid",
          timeMs: null,
          error: "config violates the space's restrictions",
        };
        return note(invalid);
      }
      const evaluation = note(await runOne(config));
      onEvent?.({ type: "trial", index: evaluations, maxEvals, trial: trials.at(-1)!, bestMs });
      return evaluation;
    };

    /**
     * Every timed trial the cache entry will hold once this run is persisted: the entry's earlier
     * trials (in the searched space) overridden by this run's. The cache's best is the fastest of
     * these, so the winner is chosen among them too.
     */
    const pool = (): TrialRecord[] => {
      // The same merge the cache applies (a confirmed time outlives a later unconfirmed one), so
      // the pool ranks exactly what the cache will hold.
      const earlier = (cached?.trials ?? []).filter((t) => space.isValid(t.config));
      return mergeTrials(earlier, trials).filter((t) => toEvaluation(t).timeMs < Infinity);
    };
    /**
     * One short measurement per candidate can rank a config first by luck, so the fastest configs
     * (and the default, so that the speedup compares confirmed times) are re-timed and ranked on
     * their medians, until the fastest trial of all is a confirmed one (see `confirmFastest`):
     * the cache's best is then the winner reported here.
     */
    const confirmWinner = async (): Promise<void> => {
      const candidates = pool();
      // With a single timed config there is nothing to rank: it wins without re-timing.
      // Re-timing reuses the pipelines validated in this run; the time limit and abort stop it.
      const { confirmed, winner } = await confirmFastest(candidates, async (config) => {
        const again = await runner.retime(config).catch((error) => {
          if (error instanceof SearchStopped) return undefined;
          throw error;
        });
        if (again?.status === "device_lost") await recoverDevice();
        return again?.status === "ok" ? again.timeMs : null;
      }, {
        top: candidates.length >= 2 ? confirmTop : 0,
        rounds: CONFIRM_ROUNDS,
        alsoTime: defaultConfig,
        stopped: () => signal?.aborted === true || timeUp(),
      });
      for (const record of confirmed) {
        const at = trials.findIndex((t) => configKey(t.config) === configKey(record.config));
        // A config of an earlier run, re-timed now, joins this run's trials.
        if (at === -1) trials.push(record);
        else trials[at] = record;
      }
      const defaultKey = configKey(defaultConfig);
      const confirmedDefault = confirmed.find((t) => configKey(t.config) === defaultKey);
      if (confirmedDefault) defaultMs = confirmedDefault.timeMs!;
      if (confirmed.length > 0) {
        await persist({
          trials: confirmed,
          ...(confirmedDefault ? { defaultTimeMs: defaultMs } : {}),
        });
      }
      if (winner) [bestMs, bestConfig] = [winner.timeMs!, winner.config];
    };

    /**
     * Earlier trials that failed because of the environment and that the strategy did not propose
     * this time are retried too (outside the evaluation budget, within the time limit), so that
     * every such trial reaches its bounded number of attempts and a complete entry becomes a cache
     * hit again.
     */
    const retryEnvironmentFailures = async (): Promise<void> => {
      for (const [key, trial] of previous) {
        if (signal?.aborted || performance.now() - started > timeLimitMs) return;
        if (seen.has(key) || !retryable(trial) || !space.isValid(trial.config)) continue;
        note(await runOne(trial.config));
        onEvent?.({ type: "trial", index: evaluations, maxEvals, trial: trials.at(-1)!, bestMs });
      }
    };

    let stoppedBy: TuneResult["stoppedBy"] = "exhausted";
    try {
      // The default config is measured in the same run; it does not count against the budget.
      const defaultTrial = await runOne(defaultConfig);
      note(defaultTrial);
      defaultMs = toEvaluation(defaultTrial).timeMs;
      await persist({
        defaultConfig,
        ...(Number.isFinite(defaultMs) ? { defaultTimeMs: defaultMs } : {}),
      });
      const prior = cache && options.warmStart !== false
        ? nearestPrior(family.name, family.version, problemKey, problem, await entries())
        : [];
      // Transfer: the nearest problem's best config is often good here too, and a short budget
      // (a large problem on a slow adapter) may allow only a candidate or two.
      const transferred = prior
        .filter((e) => Number.isFinite(e.timeMs) && space.isValid(e.config))
        .sort((a, b) => a.timeMs - b.timeMs)[0];
      if (transferred) await evaluate(transferred.config);
      await strategy.search(space, evaluate, {
        seed,
        maxEvals,
        ...(signal ? { signal } : {}),
        ...(prior.length > 0 ? { prior } : {}),
      });
    } catch (error) {
      if (!(error instanceof SearchStopped)) throw error;
      stoppedBy = error.reason;
    }
    await retryEnvironmentFailures();
    if (signal?.aborted) stoppedBy = "aborted";
    else await confirmWinner();
    // A finished search completes the entry. Nothing un-completes one: a search of a subspace
    // (`fix`) or an aborted run only adds trials to it, so the next plain tune stays a cache hit.
    const completes = stoppedBy !== "aborted" && !options.fix;
    await persist({ strategy: strategy.name, ...(completes ? { complete: true } : {}) });

    const best = bestConfig ?? defaultConfig;
    const result: TuneResult = {
      op: family.name,
      kernelVersion: family.version,
      problemKey,
      problem,
      fromCache: false,
      best: timed(best, bestMs, flops),
      default: timed(defaultConfig, defaultMs, flops),
      speedup: defaultMs / bestMs,
      strategy: strategy.name,
      trials,
      stoppedBy,
    };
    onEvent?.({ type: "done", result });
    return result;
  }
}
