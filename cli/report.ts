/**
 * The `--json` documents of the CLI and the result table of `wgtune tune`. Non-finite numbers
 * (a config that never ran correctly) become `null` in JSON.
 *
 * @module
 */
import type { Gpu } from "../gpu/device.ts";
import type { AdapterSummary } from "../gpu/fingerprint.ts";
import type { Config } from "../core/types.ts";
import type { TimedConfig, TuneResult } from "../tuner/types.ts";
import denoJson from "../deno.json" with { type: "json" };
import { formatConfig, formatGflops, formatMs, formatSpeedup, formatTable } from "./table.ts";

/** Version of the JSON documents' layout; bumped when a field changes meaning or goes away. */
export const SCHEMA_VERSION = 1;

/** The tool's name and version, in every JSON document. */
export const TOOL = { name: "wgtune", version: denoJson.version } as const;

/** The device a document was produced on. */
export interface DeviceJson {
  /** Implementation actually used: `"deno"`, `"dawn-vulkan"`, `"dawn-opengles"`. */
  readonly backend: string;
  /** Fingerprint the cache is keyed by. */
  readonly fingerprint: { readonly hash: string; readonly slug: string };
  /** Adapter identity. */
  readonly adapter: AdapterSummary;
}

/** A config with its time (`null` when it did not run correctly) and throughput. */
export interface TimedConfigJson {
  /** The config. */
  readonly config: Config;
  /** Median time in ms, or `null`. */
  readonly timeMs: number | null;
  /** GFLOPS at the median time, or `null`. */
  readonly gflops: number | null;
}

/** One tuned problem in the `wgtune tune --json` document. */
export interface ResultJson {
  /** Kernel family. */
  readonly op: string;
  /** The shape as given on the command line (or from the default set). */
  readonly shape: string;
  /** Cache key of the problem. */
  readonly problemKey: string;
  /** The normalized problem. */
  readonly problem: unknown;
  /** Kernel family version the configs belong to. */
  readonly kernelVersion: number;
  /** Strategy that produced the result. */
  readonly strategy: string;
  /** True when the result came from the cache without new trials. */
  readonly fromCache: boolean;
  /** `exhausted`, `max-evals`, `time-limit`, `aborted` or `cache`. */
  readonly stoppedBy: TuneResult["stoppedBy"];
  /** Number of trials of this run (the cached ones on a cache hit), the default included. */
  readonly trials: number;
  /** Trial count per status (`ok`, `invalid`, `compile_error`, ...). */
  readonly trialStatus: Readonly<Record<string, number>>;
  /** The heuristic default config, measured in the same run. */
  readonly default: TimedConfigJson;
  /** The fastest correct config. */
  readonly best: TimedConfigJson;
  /** `default.timeMs / best.timeMs`, or `null`. */
  readonly speedup: number | null;
}

/** The document `wgtune tune --json` prints. */
export interface TuneReportJson {
  /** {@linkcode SCHEMA_VERSION}. */
  readonly schemaVersion: number;
  /** Tool name and version. */
  readonly tool: typeof TOOL;
  /** The device. */
  readonly device: DeviceJson;
  /** The settings of the run. */
  readonly settings: {
    readonly op: string;
    readonly dtype: string;
    readonly strategy: string;
    readonly maxEvals: number;
    readonly timeLimitS: number;
    readonly candidateTimeoutS: number;
    readonly seed: number;
    readonly force: boolean;
    readonly isolation: string;
    readonly cacheDir: string;
    /** `--fix`: the parameters limited to some values, when given. */
    readonly fix?: Readonly<Record<string, readonly (string | number | boolean)[]>>;
  };
  /** True when Ctrl-C stopped the run (results then hold the problems tuned so far). */
  readonly interrupted: boolean;
  /** One entry per problem, in order. */
  readonly results: readonly ResultJson[];
}

/** A finite number, or `null`. */
export function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** The device part of a document. */
export function deviceJson(gpu: Gpu): DeviceJson {
  return {
    backend: gpu.backend,
    fingerprint: { hash: gpu.fingerprint.hash, slug: gpu.fingerprint.slug },
    adapter: gpu.info,
  };
}

function timedJson(timed: TimedConfig): TimedConfigJson {
  return {
    config: timed.config,
    timeMs: finiteOrNull(timed.timeMs),
    gflops: Number.isFinite(timed.timeMs) ? finiteOrNull(timed.gflops) : null,
  };
}

/** One result of a document. */
export function resultJson(result: TuneResult, shape: string): ResultJson {
  const trialStatus: Record<string, number> = {};
  for (const trial of result.trials) {
    trialStatus[trial.status] = (trialStatus[trial.status] ?? 0) + 1;
  }
  return {
    op: result.op,
    shape,
    problemKey: result.problemKey,
    problem: result.problem,
    kernelVersion: result.kernelVersion,
    strategy: result.strategy,
    fromCache: result.fromCache,
    stoppedBy: result.stoppedBy,
    trials: result.trials.length,
    trialStatus,
    default: timedJson(result.default),
    best: timedJson(result.best),
    speedup: finiteOrNull(result.speedup),
  };
}

/**
 * The result table of `wgtune tune`: problem, default and tuned time, GFLOPS (default → tuned),
 * speedup, best config, and a note (`cached`, or `partial` for a search stopped by Ctrl-C).
 */
export function formatResultTable(
  rows: readonly { readonly name: string; readonly result: TuneResult }[],
): string {
  return formatTable(
    [
      { header: "problem" },
      { header: "default ms", align: "right" },
      { header: "tuned ms", align: "right" },
      { header: "GFLOPS (default → tuned)" },
      { header: "speedup", align: "right" },
      { header: "best config" },
      { header: "note" },
    ],
    rows.map(({ name, result }) => [
      name,
      formatMs(result.default.timeMs),
      formatMs(result.best.timeMs),
      `${formatGflops(Number.isFinite(result.default.timeMs) ? result.default.gflops : NaN)} → ${
        formatGflops(Number.isFinite(result.best.timeMs) ? result.best.gflops : NaN)
      }`,
      formatSpeedup(result.speedup),
      Number.isFinite(result.best.timeMs)
        ? formatConfig(result.best.config)
        : "(no correct config)",
      result.fromCache ? "cached" : result.stoppedBy === "aborted" ? "partial" : "",
    ]),
  );
}
