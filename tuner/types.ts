/**
 * Types of the tuner's public API: what to tune, how, and what comes back.
 *
 * @module
 */
import type { Config, ParamValue } from "../core/types.ts";
import type { SearchStrategy } from "../search/types.ts";
import type { TrialRecord } from "../core/trial.ts";

/** What to tune: a kernel family by name and a problem of that family. */
export interface TuneRequest {
  /** Kernel family name, for example `"matmul"`. */
  readonly op: string;
  /** Problem of that family, for example `{ m: 512, n: 512, k: 512 }`. */
  readonly problem: unknown;
}

/** Timing of one config inside a tune result. */
export interface TimedConfig {
  /** The config. */
  readonly config: Config;
  /** Median time in ms; `Infinity` when it did not run correctly. */
  readonly timeMs: number;
  /** Throughput at the median time. */
  readonly gflops: number;
}

/** Progress events emitted while tuning. */
export type TuneEvent =
  | {
    readonly type: "start";
    readonly op: string;
    readonly problemKey: string;
    readonly spaceSize: number;
    readonly maxEvals: number;
  }
  | { readonly type: "cache-hit"; readonly op: string; readonly problemKey: string }
  | {
    /**
     * The cache holds results for this problem from older versions of the kernel only: they are
     * not used (the generated code changed), and the problem is tuned again.
     */
    readonly type: "stale-cache";
    readonly op: string;
    readonly problemKey: string;
    readonly staleVersions: readonly number[];
    readonly kernelVersion: number;
  }
  | {
    readonly type: "trial";
    readonly index: number;
    readonly maxEvals: number;
    readonly trial: TrialRecord;
    readonly bestMs: number;
  }
  | { readonly type: "done"; readonly result: TuneResult };

/** Options of `tune()`. */
export interface TuneOptions {
  /**
   * Search strategy, by name or object.
   * @default {"random"}
   */
  strategy?: string | SearchStrategy;
  /**
   * Maximum number of candidates evaluated (the default config is measured in addition). A
   * strategy may propose a config it has already seen at no cost, up to twice the size of the
   * space plus 1000 times in all; beyond that the search stops as `"max-evals"`.
   * @default {8} (`DEFAULT_MAX_EVALS`; the defaults live in `tuner/defaults.ts`, shared with the CLI)
   */
  maxEvals?: number;
  /**
   * Wall-clock limit of the whole search, in ms: it also stops the candidate in progress (not
   * recorded) and winner confirmation. Any length is honoured exactly.
   * @default {60000} (`DEFAULT_TIME_LIMIT_MS`)
   */
  timeLimitMs?: number;
  /**
   * Limit for one candidate (waiting for the float64 reference and the worker's start, compile,
   * validate, time), in ms; slower ones are recorded as `"timeout"`. Any length is honoured
   * exactly, `Infinity` included.
   * @default {60000} (`DEFAULT_CANDIDATE_TIMEOUT_MS`)
   */
  candidateTimeoutMs?: number;
  /**
   * Seed of randomized strategies.
   * @default {1}
   */
  seed?: number;
  /**
   * Time budget per candidate measurement, in ms (repetitions are fitted into it).
   * @default {100}
   */
  measureMs?: number;
  /**
   * Cache directory; `null` disables the cache.
   * @default {defaultCacheDir()}
   */
  cacheDir?: string | null;
  /**
   * Retune even when the cache has a result (earlier trials are then run again, not replayed). An
   * aborted forced run only adds its trials: a complete entry stays complete.
   * @default {false}
   */
  force?: boolean;
  /**
   * Where candidates run: `"none"` on the tuner's device (fast; a hung kernel is abandoned but keeps
   * the device busy), `"process"` in a worker subprocess with its own device that is killed on
   * timeout and restarted after a device loss or crash.
   * @default {"none"}
   */
  isolation?: "none" | "process";
  /**
   * Use the cached trials of the nearest other problem of the same kernel on this device: its
   * best config is evaluated first (right after the default), and model-based strategies get all
   * its trials as prior observations.
   * @default {true}
   */
  warmStart?: boolean;
  /**
   * After the search, the fastest `confirmTop` configs and the default are timed twice more
   * (alternating) and keep the median of their three times; while an unconfirmed config is still
   * faster than every confirmed one, the next `confirmTop` fastest are confirmed too. The best
   * config and the speedup are taken from the confirmed times. 0 turns this off.
   * @default {3}
   */
  confirmTop?: number;
  /**
   * Search only the configs whose named parameters take the given values (for example
   * `{ ioStage: [1] }` for attention on a driver that compiles the other variant slowly). The
   * default config is taken inside that subspace too (the family default with the fixed values),
   * so the speedup compares with it; a cached result outside the subspace is not reused, and the
   * run does not mark the entry complete (an entry that was complete stays complete).
   */
  fix?: Readonly<Record<string, readonly ParamValue[]>>;
  /** Called with the reason whenever the worker subprocess is restarted. */
  onWorkerRestart?: (reason: string) => void;
  /** Aborts the search and the candidate in progress (not recorded); finished trials are kept. */
  signal?: AbortSignal;
  /** Called on every progress event. */
  onEvent?: (event: TuneEvent) => void;
}

/** The result of tuning one problem. */
export interface TuneResult {
  /** Kernel family name. */
  readonly op: string;
  /** Kernel family version the configs belong to. */
  readonly kernelVersion: number;
  /** Problem key (cache key part). */
  readonly problemKey: string;
  /** The normalized problem. */
  readonly problem: unknown;
  /** True when the result came from the cache without new trials. */
  readonly fromCache: boolean;
  /** The fastest correct config. */
  readonly best: TimedConfig;
  /** The heuristic default config, measured in the same run. */
  readonly default: TimedConfig;
  /** `default.timeMs / best.timeMs`. */
  readonly speedup: number;
  /** Strategy that produced the result. */
  readonly strategy: string;
  /** Trials of this run (or the cached ones on a cache hit). */
  readonly trials: readonly TrialRecord[];
  /** Why the search ended. */
  readonly stoppedBy: "exhausted" | "max-evals" | "time-limit" | "aborted" | "cache";
}
