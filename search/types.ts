/**
 * The interface between search strategies and the tuner. A strategy sees only the space and an
 * `evaluate` callback; budgets, timeouts, the GPU and the cache stay in the tuner.
 *
 * @module
 */
import type { Config, SearchSpace } from "../core/types.ts";
import type { TrialStatus } from "../core/trial.ts";

/** What `evaluate` tells a strategy about one config. */
export interface Evaluation {
  /** The config that was evaluated. */
  readonly config: Config;
  /** How it ended. */
  readonly status: TrialStatus;
  /** Median time in milliseconds; `Infinity` for any status other than `"ok"`. */
  readonly timeMs: number;
}

/**
 * Evaluates one config. Evaluating a config twice costs nothing the second time. Throws
 * {@linkcode SearchStopped} when a budget is exhausted; strategies let it propagate.
 */
export type Evaluate = (config: Config) => Promise<Evaluation>;

/** Options every strategy receives. */
export interface SearchOptions {
  /** Seed for any randomness, so that a search can be replayed. */
  readonly seed: number;
  /** The evaluation budget, a hint for strategies that plan (for example an initial design). */
  readonly maxEvals: number;
  /** Aborted when the tuner wants the search to end (Ctrl-C, wall-clock limit). */
  readonly signal?: AbortSignal;
  /**
   * Observations of a related problem on the same device (warm start), for strategies that model
   * the space; their configs are not evaluated for this problem. Strategies may ignore it.
   */
  readonly prior?: readonly Evaluation[];
}

/**
 * A search strategy: one file per strategy under `search/`, one line in `search/registry.ts`.
 *
 * @example A strategy that tries configs in the space's order until the budget ends
 * ```ts
 * import { enumerateValid } from "@wgtune/wgtune/search";
 * import type { SearchStrategy } from "./types.ts";
 * const first: SearchStrategy = {
 *   name: "first",
 *   async search(space, evaluate) {
 *     for (const config of enumerateValid(space)) await evaluate(config);
 *   },
 * };
 * ```
 */
export interface SearchStrategy {
  /** Name used on the CLI (`--strategy`). */
  readonly name: string;
  /** Runs until the space is exhausted or `evaluate` throws {@linkcode SearchStopped}. */
  search(space: SearchSpace, evaluate: Evaluate, options: SearchOptions): Promise<void>;
}

/**
 * Thrown by `evaluate` when a budget (evaluations, wall clock, abort) is spent. The tuner catches
 * it; strategies need not.
 *
 * @example
 * ```ts
 * import { SearchStopped } from "@wgtune/wgtune/search";
 * const stop = new SearchStopped("max-evals");
 * console.log(stop.reason); // "max-evals"
 * ```
 */
export class SearchStopped extends Error {
  /** Why the search stopped. */
  readonly reason: "max-evals" | "time-limit" | "aborted";
  /** Creates the signal for one reason. */
  constructor(reason: "max-evals" | "time-limit" | "aborted") {
    super(`search stopped: ${reason}`);
    this.name = "SearchStopped";
    this.reason = reason;
  }
}
