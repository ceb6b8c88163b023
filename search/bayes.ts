/**
 * Bayesian optimization: a Gaussian-process surrogate of the log-time (Matérn 5/2 kernel, one
 * length scale per parameter, hyperparameters refitted by maximum a posteriori at every step)
 * proposes, by expected improvement, the next legal config to evaluate.
 *
 * - Inputs: powers-of-two parameters on a log2 scale, other numbers min-max scaled, booleans 0/1,
 *   other categorical parameters one-hot (see `gp/encoding.ts`).
 * - Initial design: a Latin hypercube over the parameters, each point snapped to the nearest legal
 *   config not taken yet (best of a few hypercubes by maximin distance).
 * - Acquisition: a GP-Hedge portfolio (see `gp/hedge.ts`) of expected improvement of the
 *   log-time (log-EI for stable ranking; the incumbent is the lowest posterior mean at an observed
 *   config, not the lowest, possibly lucky, observed time) and the posterior mean alone (pure
 *   exploitation). Each is scaled by the estimated probability of success and maximized over the
 *   legal configs not yet evaluated: all of them when they are at most `candidatePool`, else a
 *   random `candidatePool` of them plus the one-parameter neighbours of the best configs so far.
 *   One nominee is evaluated, drawn by the portfolio's gains. It never proposes an illegal config
 *   or a repeat. Measured on the recorded `bench/fixtures/matmul_128.json` (594 configs, 2 within
 *   5% of the optimum, a rugged space where one-parameter neighbours of the optimum are 3–4×
 *   slower), 20 seeds, 120 evaluations: expected improvement from the best observed time reached
 *   the target in 2–4 seeds, from the best posterior mean in 8, the posterior mean alone in 13
 *   (median 69), the portfolio of both in 12 (median 82; random search: 4).
 * - Failures: kept out of the time model and taught to a success classifier whose probability
 *   scales the expected improvement (see `gp/surrogate.ts` for the choice and its measurement).
 * - Warm start: prior observations, offset to the current problem's time scale and trusted a
 *   little less (see `gp/surrogate.ts`); the best prior configs are evaluated first.
 * - Stops when `evaluate` throws `SearchStopped`, when the space is exhausted, when the signal is
 *   aborted, or (optional) when the best expected relative improvement falls below `eiThreshold`.
 *
 * @module
 */
import type { Config, SearchSpace } from "../core/types.ts";
import { logExpectedImprovement } from "./gp/acquisition.ts";
import { latinHypercubeDesign } from "./gp/design.ts";
import { createEncoder, type Encoder } from "./gp/encoding.ts";
import type { GpHyperparameters } from "./gp/gaussian_process.ts";
import { HedgePortfolio } from "./gp/hedge.ts";
import { fitSurrogate, logTimeOf, type Observation, type Surrogate } from "./gp/surrogate.ts";
import { configKey, enumerateValid } from "../core/space.ts";
import { seededRandom } from "../core/random.ts";
import type { Evaluation, SearchStrategy } from "./types.ts";

/** Options of {@linkcode createBayesSearch}. */
export interface BayesSearchOptions {
  /**
   * Stop once the largest expected improvement (times the probability of success), in natural-log
   * units of the time (about the expected relative speed-up: 0.01 ≈ 1%), falls below this after
   * the initial design.
   * 0 never stops early (the tuner's budget ends the search).
   * @default {0}
   */
  readonly eiThreshold?: number;
  /**
   * Size of the initial design. Without warm start it is all Latin hypercube; with one, it starts
   * with the two fastest prior configs legal here.
   * @default {max(5, min(round(0.1 * maxEvals), 8)), halved (at least 3) with a warm start}
   */
  readonly initialSamples?: number;
  /**
   * Most candidates scored per step; larger spaces are subsampled (plus neighbours of the best).
   * @default {2048}
   */
  readonly candidatePool?: number;
  /**
   * Prior observations of the same kernel (for example cached trials on a nearby problem of the
   * same device). Configs that do not fit this space's parameters are ignored. The tuner passes
   * such observations per search through `SearchOptions.prior`; both sources are used together.
   * @default {[]}
   */
  readonly warmStart?: readonly Evaluation[];
}

/** Exploration margin of the expected improvement, in log-time units. */
const XI = 0.01;
/** Most warm-start points given to the model (the fastest half, then spread over the rest). */
const MAX_WARM_POINTS = 30;
/** Steps between full hyperparameter fits; the steps between refine the previous fit. */
const FULL_FIT_EVERY = 4;
/** Configs whose neighbours join a subsampled candidate pool. */
const NEIGHBOUR_SOURCES = 3;

/** A lower confidence bound `mean − κ·sd` of the log-time (κ = 0: the posterior mean alone). */
interface LowerConfidenceBound {
  readonly kappa: number;
}

/**
 * The GP-Hedge portfolio: expected improvement (first: it also drives `eiThreshold`) and the
 * posterior mean alone (a lower confidence bound with κ = 0).
 */
const ACQUISITIONS: readonly ("ei" | LowerConfidenceBound)[] = ["ei", { kappa: 0 }];

/** Index in `[0, count)` of the highest score; ties go to the lower posterior mean. */
function argmax(count: number, score: (c: number) => number, mean: Float64Array): number {
  let best = 0;
  let bestScore = -Infinity;
  for (let c = 0; c < count; c++) {
    const value = score(c);
    if (value > bestScore || (value === bestScore && mean[c]! < mean[best]!)) {
      [best, bestScore] = [c, value];
    }
  }
  return best;
}

/**
 * The incumbent of the expected improvement: the lowest posterior mean at a config observed
 * `"ok"`. With noisy times the lowest observed time is often a lucky draw that the model itself
 * does not believe, and measuring improvement from it over-rewards uncertainty.
 */
function incumbentLogTime(surrogate: Surrogate, observations: readonly Observation[]): number {
  const ok = observations.filter((o) => o.logTime !== null).map((o) => o.x);
  return Math.min(...surrogate.predict(ok).mean);
}

function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(
      `'${name}' must be an integer of at least ${min}: current value is ${value}`,
    );
  }
}

/** Encodes a config, or `undefined` when a value is not one of its parameter's values. */
function tryEncode(encoder: Encoder, config: Config): Float64Array | undefined {
  try {
    return encoder.encode(config);
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

/** Warm-start observations that fit the space, ordered fastest first, at most `MAX_WARM_POINTS`. */
function prepareWarmStart(
  warmStart: readonly Evaluation[],
  space: SearchSpace,
  encoder: Encoder,
): Observation[] {
  const names = new Set(space.params.map((p) => p.name));
  const byKey = new Map<string, Observation>();
  for (const evaluation of warmStart) {
    const config = evaluation.config;
    if (
      Object.keys(config).length !== names.size || !Object.keys(config).every((k) => names.has(k))
    ) {
      continue;
    }
    const x = tryEncode(encoder, config);
    const key = configKey(config);
    if (!x || byKey.has(key)) continue;
    byKey.set(key, { key, x, logTime: logTimeOf(evaluation) });
  }
  const all = [...byKey.values()].sort((a, b) => (a.logTime ?? Infinity) - (b.logTime ?? Infinity));
  if (all.length <= MAX_WARM_POINTS) return all;
  const head = MAX_WARM_POINTS >> 1;
  const rest = all.slice(head);
  const picked = all.slice(0, head);
  const step = rest.length / (MAX_WARM_POINTS - head);
  for (let i = 0; i < MAX_WARM_POINTS - head; i++) picked.push(rest[Math.floor(i * step)]!);
  return picked;
}

/** Legal, unevaluated configs that differ from `config` in one parameter by one step. */
function neighbours(
  config: Config,
  space: SearchSpace,
  indexOf: ReadonlyMap<string, number>,
): number[] {
  const found: number[] = [];
  for (const param of space.params) {
    const values = param.values;
    const numeric = values.every((v) => typeof v === "number");
    const ordered = numeric ? [...values].sort((a, b) => (a as number) - (b as number)) : values;
    const at = ordered.indexOf(config[param.name]!);
    const options = numeric
      ? [ordered[at - 1], ordered[at + 1]]
      : ordered.filter((_, i) => i !== at);
    for (const value of options) {
      if (value === undefined) continue;
      const index = indexOf.get(configKey({ ...config, [param.name]: value }));
      if (index !== undefined) found.push(index);
    }
  }
  return found;
}

/**
 * Builds a Bayesian optimization strategy. Throws a `RangeError` for a bad option.
 *
 * @example Find the fastest of a small space in few evaluations
 * ```ts
 * import { createBayesSearch } from "./bayes.ts";
 * const values = [1, 2, 4, 8, 16, 32, 64];
 * const space = { params: [{ name: "x", values }, { name: "y", values }], isValid: () => true };
 * const seen: number[] = [];
 * const strategy = createBayesSearch({ initialSamples: 5, eiThreshold: 0.001 });
 * await strategy.search(space, (config) => {
 *   const x = Math.log2(config.x as number), y = Math.log2(config.y as number);
 *   const timeMs = 1 + (x - 4) ** 2 + (y - 2) ** 2;
 *   seen.push(timeMs);
 *   return Promise.resolve({ config, status: "ok", timeMs });
 * }, { seed: 1, maxEvals: 49 });
 * console.log(Math.min(...seen)); // 1
 * console.log(seen.length < 49); // true
 * ```
 */
export function createBayesSearch(options: BayesSearchOptions = {}): SearchStrategy {
  const { eiThreshold = 0, initialSamples, candidatePool = 2048, warmStart = [] } = options;
  if (!(eiThreshold >= 0) || !Number.isFinite(eiThreshold)) {
    throw new RangeError(
      `'eiThreshold' must be a non-negative number: current value is ${eiThreshold}`,
    );
  }
  if (initialSamples !== undefined) checkInteger("initialSamples", initialSamples, 1);
  checkInteger("candidatePool", candidatePool, 1);
  if (!Array.isArray(warmStart)) {
    throw new TypeError(`'warmStart' must be an array: current value is ${String(warmStart)}`);
  }
  return {
    name: "bayes",
    async search(space, evaluate, { seed, maxEvals, signal, prior }) {
      const legal = [...enumerateValid(space)];
      if (legal.length === 0) return;
      const random = seededRandom(seed);
      const encoder = createEncoder(space.params);
      const encoded = legal.map((config) => encoder.encode(config));
      const indexOf = new Map(legal.map((config, i) => [configKey(config), i]));
      const warm = prepareWarmStart(prior ? [...warmStart, ...prior] : warmStart, space, encoder);
      const evaluated = new Set<number>();
      const observations: Observation[] = [];

      const observe = async (index: number): Promise<void> => {
        evaluated.add(index);
        const evaluation = await evaluate(legal[index]!);
        observations.push({
          key: configKey(legal[index]!),
          x: encoded[index]!,
          logTime: logTimeOf(evaluation),
        });
      };

      // initial design: the fastest prior configs that are legal here, then a Latin hypercube
      const automatic = Math.max(5, Math.min(Math.round(0.1 * maxEvals), 8));
      let designSize = initialSamples ?? automatic;
      const design: number[] = [];
      if (warm.length > 0) {
        for (const prior of warm) {
          if (design.length >= 2 || prior.logTime === null) break;
          const index = indexOf.get(prior.key);
          if (index !== undefined) design.push(index);
        }
        designSize = initialSamples ?? Math.max(3, Math.round(automatic / 2));
      }
      const units = legal.map((config) => encoder.unit(config));
      design.push(
        ...latinHypercubeDesign(units, Math.max(designSize - design.length, 0), random, {
          exclude: new Set(design),
        }),
      );
      for (const index of design) {
        if (signal?.aborted) return;
        await observe(index);
      }

      let previous: GpHyperparameters | undefined;
      const hedge = new HedgePortfolio(ACQUISITIONS.length);
      for (let step = 0; evaluated.size < legal.length; step++) {
        if (signal?.aborted) return;
        const pool = candidates();
        const surrogate = fitSurrogate(
          observations,
          encoder.groups,
          previous
            ? { warm, previous, effort: step % FULL_FIT_EVERY === 0 ? "full" : "refine" }
            : { warm },
        );
        previous = surrogate.model.hyperparameters;
        hedge.reward((index) => surrogate.predict([encoded[index]!]).mean[0]!);
        const points = pool.map((i) => encoded[i]!);
        const { mean, sd } = surrogate.predict(points);
        const feasible = surrogate.feasibility(points);
        // before any success, explore where the model knows least and failure is least likely
        if (surrogate.bestLogTime === Infinity) {
          await observe(pool[argmax(pool.length, (c) => Math.log(sd[c]! * feasible[c]!), mean)]!);
          continue;
        }
        const incumbent = incumbentLogTime(surrogate, observations);
        const logEi = (c: number) =>
          logExpectedImprovement(mean[c]!, sd[c]!, incumbent, XI) + Math.log(feasible[c]!);
        const nominees = ACQUISITIONS.map((acquisition) =>
          argmax(
            pool.length,
            (c) =>
              acquisition === "ei"
                ? logEi(c)
                : -(mean[c]! - acquisition.kappa * sd[c]!) + Math.log(feasible[c]!),
            mean,
          )
        );
        if (eiThreshold > 0 && Math.exp(logEi(nominees[0]!)) < eiThreshold) return;
        const best = nominees[hedge.choose(nominees.map((c) => pool[c]!), random)]!;
        await observe(pool[best]!);
      }

      function candidates(): number[] {
        const open: number[] = [];
        for (let i = 0; i < legal.length; i++) if (!evaluated.has(i)) open.push(i);
        if (open.length <= candidatePool) return open;
        for (let i = 0; i < candidatePool; i++) {
          const j = i + Math.floor(random() * (open.length - i));
          [open[i], open[j]] = [open[j]!, open[i]!];
        }
        const pool = new Set(open.slice(0, candidatePool));
        const ranked = observations
          .map((o, i) => ({ i, t: o.logTime ?? Infinity }))
          .filter((o) => o.t < Infinity)
          .sort((a, b) => a.t - b.t)
          .slice(0, NEIGHBOUR_SOURCES);
        for (const { i } of ranked) {
          const index = indexOf.get(observations[i]!.key)!;
          for (const n of neighbours(legal[index]!, space, indexOf)) {
            if (!evaluated.has(n)) pool.add(n);
          }
        }
        return [...pool];
      }
    },
  };
}

/**
 * Bayesian optimization with the default options.
 *
 * @example Tune a one-parameter space
 * ```ts
 * import { bayesSearch } from "./bayes.ts";
 * const seen: unknown[] = [];
 * await bayesSearch.search(
 *   { params: [{ name: "x", values: [1, 2, 4, 8] }], isValid: () => true },
 *   (config) => { seen.push(config.x); return Promise.resolve({ config, status: "ok", timeMs: 1 }); },
 *   { seed: 7, maxEvals: 10 },
 * );
 * console.log(seen.length); // 4
 * ```
 */
export const bayesSearch: SearchStrategy = createBayesSearch();
