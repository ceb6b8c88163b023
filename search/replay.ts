/**
 * Replay (simulation) of a search over a recorded full grid, in the manner of Kernel Tuner's
 * simulation mode: strategies are compared without a GPU by looking every config up in a fixture
 * that holds the result of every config of a space.
 *
 * Fixture file format (JSON):
 *
 * ```json
 * {
 *   "format": "wgtune-grid-fixture", "version": 1,
 *   "op": "matmul", "problemKey": "f32_b1_m512_n512_k512", "device": "lavapipe-…",
 *   "space": { "params": [{ "name": "tileM", "values": [16, 32, 64] }, …] },
 *   "results": [{ "config": { "tileM": 16, … }, "status": "ok", "timeMs": 1.25 }, …]
 * }
 * ```
 *
 * `results` holds every legal config exactly once: the replayed space's `isValid` is "present in
 * `results`". A config whose status is not `"ok"` (a failure) is legal but times as `Infinity`.
 *
 * @module
 */
import type { Config, ParamSpec, SearchSpace } from "../core/types.ts";
import { configKey } from "../core/space.ts";
import { type Evaluate, type Evaluation, SearchStopped, type SearchStrategy } from "./types.ts";
import { isTrialStatus, TRIAL_STATUSES, type TrialStatus } from "../core/trial.ts";

/**
 * The `format` tag of a grid fixture.
 *
 * @example Tag a fixture
 * ```ts
 * import { FIXTURE_FORMAT } from "./replay.ts";
 * console.log(FIXTURE_FORMAT); // "wgtune-grid-fixture"
 * ```
 */
export const FIXTURE_FORMAT = "wgtune-grid-fixture" as const;
/**
 * The fixture format version this code reads and writes.
 *
 * @example Check a version
 * ```ts
 * import { FIXTURE_VERSION } from "./replay.ts";
 * console.log(FIXTURE_VERSION); // 1
 * ```
 */
export const FIXTURE_VERSION = 1 as const;

/** The recorded result of one config. */
export interface FixtureResult {
  /** The config, with exactly the space's parameters. */
  readonly config: Config;
  /** How it ended. */
  readonly status: TrialStatus;
  /** Median time in ms; `null` when the status is not `"ok"`. */
  readonly timeMs: number | null;
}

/** A full grid result of one kernel on one problem and device. */
export interface GridFixture {
  /** Always {@linkcode FIXTURE_FORMAT}. */
  readonly format: typeof FIXTURE_FORMAT;
  /** Always {@linkcode FIXTURE_VERSION}. */
  readonly version: typeof FIXTURE_VERSION;
  /** Kernel family name, for example `"matmul"`. */
  readonly op: string;
  /** Problem key of the kernel family. */
  readonly problemKey: string;
  /** Device description or fingerprint slug it was recorded on. */
  readonly device: string;
  /** The parameters of the space (restrictions are implied by `results`). */
  readonly space: { readonly params: readonly ParamSpec[] };
  /** Every legal config once. */
  readonly results: readonly FixtureResult[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : JSON.stringify(value) ?? String(value);
}

/**
 * Checks that `json` is a well-formed grid fixture and returns it typed. Throws a `TypeError` that
 * names the offending field (and `RangeError` for a wrong version or an unusable time).
 *
 * @example Parse a two-config fixture
 * ```ts
 * import { parseFixture } from "./replay.ts";
 * const fixture = parseFixture({
 *   format: "wgtune-grid-fixture", version: 1, op: "demo", problemKey: "p", device: "cpu",
 *   space: { params: [{ name: "x", values: [1, 2] }] },
 *   results: [
 *     { config: { x: 1 }, status: "ok", timeMs: 2 },
 *     { config: { x: 2 }, status: "compile_error", timeMs: null },
 *   ],
 * });
 * console.log(fixture.results.length); // 2
 * ```
 */
export function parseFixture(json: unknown): GridFixture {
  if (!isRecord(json)) {
    throw new TypeError(`'fixture' must be an object: current value is ${show(json)}`);
  }
  if (json.format !== FIXTURE_FORMAT) {
    throw new TypeError(
      `'fixture.format' must be "${FIXTURE_FORMAT}": current value is ${show(json.format)}`,
    );
  }
  if (json.version !== FIXTURE_VERSION) {
    throw new RangeError(
      `'fixture.version' must be ${FIXTURE_VERSION}: current value is ${show(json.version)}`,
    );
  }
  for (const field of ["op", "problemKey", "device"] as const) {
    if (typeof json[field] !== "string") {
      throw new TypeError(
        `'fixture.${field}' must be a string: current value is ${show(json[field])}`,
      );
    }
  }
  const space = json.space;
  if (!isRecord(space) || !Array.isArray(space.params) || space.params.length === 0) {
    throw new TypeError(
      `'fixture.space.params' must be a non-empty array: current value is ${
        show(isRecord(space) ? space.params : space)
      }`,
    );
  }
  const params: ParamSpec[] = [];
  const valueSets = new Map<string, Set<unknown>>();
  space.params.forEach((param: unknown, i: number) => {
    if (
      !isRecord(param) || typeof param.name !== "string" || !Array.isArray(param.values) ||
      param.values.length === 0 ||
      !param.values.every((v) => ["number", "string", "boolean"].includes(typeof v))
    ) {
      throw new TypeError(
        `'fixture.space.params[${i}]' must be { name: string, values: (number | string | boolean)[] } with at least one value: current value is ${
          show(param)
        }`,
      );
    }
    if (valueSets.has(param.name)) {
      throw new TypeError(`'fixture.space.params[${i}].name' repeats "${param.name}"`);
    }
    valueSets.set(param.name, new Set(param.values));
    params.push({ name: param.name, values: param.values });
  });
  if (!Array.isArray(json.results) || json.results.length === 0) {
    throw new TypeError(
      `'fixture.results' must be a non-empty array: current value is ${show(json.results)}`,
    );
  }
  const seen = new Set<string>();
  const results: FixtureResult[] = json.results.map((entry: unknown, i: number) => {
    const where = `'fixture.results[${i}]`;
    if (!isRecord(entry) || !isRecord(entry.config)) {
      throw new TypeError(
        `${where}' must be { config, status, timeMs }: current value is ${show(entry)}`,
      );
    }
    const config = entry.config;
    const names = Object.keys(config);
    if (names.length !== params.length || !names.every((name) => valueSets.has(name))) {
      throw new TypeError(
        `${where}.config' must have exactly the parameters ${
          params.map((p) => p.name).join(", ")
        }: current value is ${show(config)}`,
      );
    }
    for (const name of names) {
      if (!valueSets.get(name)!.has(config[name])) {
        throw new TypeError(
          `${where}.config.${name}' must be one of the parameter's values: current value is ${
            show(config[name])
          }`,
        );
      }
    }
    const key = configKey(config as Config);
    if (seen.has(key)) throw new TypeError(`${where}.config' repeats config ${key}`);
    seen.add(key);
    const status = entry.status;
    if (!isTrialStatus(status)) {
      throw new TypeError(
        `${where}.status' must be one of ${TRIAL_STATUSES.join(", ")}: current value is ${
          show(status)
        }`,
      );
    }
    const timeMs = entry.timeMs;
    if (status === "ok") {
      if (typeof timeMs !== "number" || !Number.isFinite(timeMs) || timeMs <= 0) {
        throw new RangeError(
          `${where}.timeMs' must be a positive finite number when status is "ok": current value is ${
            show(timeMs)
          }`,
        );
      }
    } else if (timeMs !== null && typeof timeMs !== "number") {
      throw new TypeError(
        `${where}.timeMs' must be a number or null: current value is ${show(timeMs)}`,
      );
    }
    return {
      config: config as Config,
      status: status as TrialStatus,
      timeMs: status === "ok" ? timeMs as number : null,
    };
  });
  return {
    format: FIXTURE_FORMAT,
    version: FIXTURE_VERSION,
    op: json.op as string,
    problemKey: json.problemKey as string,
    device: json.device as string,
    space: { params },
    results,
  };
}

/**
 * Reads and parses a fixture file.
 *
 * @example Read a fixture written to a temporary file
 * ```ts
 * import { readFixture } from "./replay.ts";
 * const path = await Deno.makeTempFile({ suffix: ".json" });
 * await Deno.writeTextFile(path, JSON.stringify({
 *   format: "wgtune-grid-fixture", version: 1, op: "demo", problemKey: "p", device: "cpu",
 *   space: { params: [{ name: "x", values: [1] }] },
 *   results: [{ config: { x: 1 }, status: "ok", timeMs: 1 }],
 * }));
 * console.log((await readFixture(path)).op); // "demo"
 * await Deno.remove(path);
 * ```
 */
export async function readFixture(path: string): Promise<GridFixture> {
  const text = await Deno.readTextFile(path);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TypeError(`'path' ${path} does not hold JSON: ${(error as Error).message}`);
  }
  return parseFixture(json);
}

function indexResults(fixture: GridFixture): Map<string, FixtureResult> {
  return new Map(fixture.results.map((r) => [configKey(r.config), r]));
}

/**
 * The search space a fixture replays: its parameters, with "present in `results`" as restriction.
 *
 * @example Only recorded configs are legal
 * ```ts
 * import { fixtureSpace, parseFixture } from "./replay.ts";
 * const space = fixtureSpace(parseFixture({
 *   format: "wgtune-grid-fixture", version: 1, op: "demo", problemKey: "p", device: "cpu",
 *   space: { params: [{ name: "x", values: [1, 2] }] },
 *   results: [{ config: { x: 2 }, status: "ok", timeMs: 1 }],
 * }));
 * console.log(space.isValid({ x: 1 }), space.isValid({ x: 2 })); // false true
 * ```
 */
export function fixtureSpace(fixture: GridFixture): SearchSpace {
  const results = indexResults(fixture);
  return { params: fixture.space.params, isValid: (config) => results.has(configKey(config)) };
}

/**
 * The fastest `"ok"` result of a fixture. Throws a `RangeError` when no result is `"ok"`.
 *
 * @example Find the exhaustive optimum
 * ```ts
 * import { fixtureOptimum, parseFixture } from "./replay.ts";
 * const best = fixtureOptimum(parseFixture({
 *   format: "wgtune-grid-fixture", version: 1, op: "demo", problemKey: "p", device: "cpu",
 *   space: { params: [{ name: "x", values: [1, 2] }] },
 *   results: [{ config: { x: 1 }, status: "ok", timeMs: 3 }, { config: { x: 2 }, status: "ok", timeMs: 2 }],
 * }));
 * console.log(best.config.x, best.timeMs); // 2 2
 * ```
 */
export function fixtureOptimum(fixture: GridFixture): { config: Config; timeMs: number } {
  let best: { config: Config; timeMs: number } | undefined;
  for (const r of fixture.results) {
    if (r.status === "ok" && r.timeMs !== null && (!best || r.timeMs < best.timeMs)) {
      best = { config: r.config, timeMs: r.timeMs };
    }
  }
  if (!best) {
    throw new RangeError(
      `'fixture' ${fixture.op} ${fixture.problemKey} has no "ok" result among ${fixture.results.length}`,
    );
  }
  return best;
}

/** An {@linkcode Evaluate} over a fixture that also reports what it was asked. */
export interface ReplayEvaluate extends Evaluate {
  /** Distinct configs evaluated so far (repeats are free, as in the tuner). */
  readonly evaluations: number;
  /** The distinct evaluations, in order. */
  readonly history: readonly Evaluation[];
}

/**
 * Builds an `Evaluate` that looks configs up in the fixture. A config absent from `results` is
 * answered `"invalid"` (time `Infinity`) and still counts: a strategy that proposes configs outside
 * the space pays for them. Evaluating a config again returns the first answer without counting.
 * Once `maxEvals` distinct configs were evaluated, the next new one throws
 * `SearchStopped("max-evals")`.
 *
 * @example Stop after two evaluations
 * ```ts
 * import { parseFixture, replayEvaluate } from "./replay.ts";
 * import { SearchStopped } from "./types.ts";
 * const fixture = parseFixture({
 *   format: "wgtune-grid-fixture", version: 1, op: "demo", problemKey: "p", device: "cpu",
 *   space: { params: [{ name: "x", values: [1, 2, 3] }] },
 *   results: [1, 2, 3].map((x) => ({ config: { x }, status: "ok", timeMs: x })),
 * });
 * const evaluate = replayEvaluate(fixture, 2);
 * console.log((await evaluate({ x: 2 })).timeMs); // 2
 * await evaluate({ x: 2 });
 * await evaluate({ x: 1 });
 * console.log(evaluate.evaluations); // 2
 * console.log(await evaluate({ x: 3 }).catch((e) => e instanceof SearchStopped)); // true
 * ```
 */
export function replayEvaluate(fixture: GridFixture, maxEvals: number): ReplayEvaluate {
  if (!Number.isInteger(maxEvals) || maxEvals < 0) {
    throw new RangeError(`'maxEvals' must be a non-negative integer: current value is ${maxEvals}`);
  }
  const results = indexResults(fixture);
  const answered = new Map<string, Evaluation>();
  const history: Evaluation[] = [];
  const evaluate = (config: Config): Promise<Evaluation> => {
    const key = configKey(config);
    const previous = answered.get(key);
    if (previous) return Promise.resolve(previous);
    if (history.length >= maxEvals) return Promise.reject(new SearchStopped("max-evals"));
    const result = results.get(key);
    const evaluation: Evaluation = !result
      ? { config, status: "invalid", timeMs: Infinity }
      : { config, status: result.status, timeMs: result.timeMs ?? Infinity };
    answered.set(key, evaluation);
    history.push(evaluation);
    return Promise.resolve(evaluation);
  };
  return Object.defineProperties(evaluate, {
    evaluations: { get: () => history.length, enumerable: true },
    history: { get: () => history, enumerable: true },
  }) as ReplayEvaluate;
}

/** Options of {@linkcode evaluationsToReach}. */
export interface EvaluationsToReachOptions {
  /** Seed passed to the strategy. */
  readonly seed: number;
  /**
   * A config counts as reached when its time is at most `optimum × (1 + withinFraction)`.
   * @default {0.05}
   */
  readonly withinFraction?: number;
  /**
   * Evaluation budget of the replayed search.
   * @default {fixture.results.length}
   */
  readonly maxEvals?: number;
  /** Passed to the strategy, which may end the search early when it is aborted. */
  readonly signal?: AbortSignal;
}

/**
 * Replays `strategy` on `fixture` and returns how many evaluations it needed to first find a
 * config within `withinFraction` of the exhaustive optimum (1 = its first evaluation), or
 * `Infinity` when it did not within `maxEvals` evaluations. The search is cut short once the
 * target is reached.
 *
 * @example Grid search on a three-config fixture
 * ```ts
 * import { evaluationsToReach, parseFixture } from "./replay.ts";
 * import { gridSearch } from "./grid.ts";
 * const fixture = parseFixture({
 *   format: "wgtune-grid-fixture", version: 1, op: "demo", problemKey: "p", device: "cpu",
 *   space: { params: [{ name: "x", values: [1, 2, 3] }] },
 *   results: [3, 1, 2].map((t, i) => ({ config: { x: i + 1 }, status: "ok", timeMs: t })),
 * });
 * console.log(await evaluationsToReach(gridSearch, fixture, { seed: 0 })); // 2
 * console.log(await evaluationsToReach(gridSearch, fixture, { seed: 0, maxEvals: 1 })); // Infinity
 * ```
 */
export async function evaluationsToReach(
  strategy: SearchStrategy,
  fixture: GridFixture,
  options: EvaluationsToReachOptions,
): Promise<number> {
  const { seed, withinFraction = 0.05, maxEvals = fixture.results.length, signal } = options;
  if (!(withinFraction >= 0) || !Number.isFinite(withinFraction)) {
    throw new RangeError(
      `'withinFraction' must be a non-negative number: current value is ${withinFraction}`,
    );
  }
  const target = fixtureOptimum(fixture).timeMs * (1 + withinFraction);
  const inner = replayEvaluate(fixture, maxEvals);
  let reachedAt = Infinity;
  const evaluate: Evaluate = async (config) => {
    if (reachedAt !== Infinity) throw new SearchStopped("max-evals");
    const evaluation = await inner(config);
    if (evaluation.status === "ok" && evaluation.timeMs <= target) reachedAt = inner.evaluations;
    return evaluation;
  };
  try {
    await strategy.search(
      fixtureSpace(fixture),
      evaluate,
      signal ? { seed, maxEvals, signal } : { seed, maxEvals },
    );
  } catch (error) {
    if (!(error instanceof SearchStopped)) throw error;
  }
  return reachedAt;
}
