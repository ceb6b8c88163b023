/**
 * What `wgtune tune` does without options, in the CLI's units: the budgets are the library's
 * defaults (`tuner/defaults.ts`, shared with `tune()`), the problem sets are each family's
 * `defaultShapes`.
 *
 * @module
 */
import { KERNELS } from "../kernels/registry.ts";
import {
  DEFAULT_CANDIDATE_TIMEOUT_MS,
  DEFAULT_MAX_EVALS,
  DEFAULT_SEED,
  DEFAULT_STRATEGY,
  DEFAULT_TIME_LIMIT_MS,
} from "../tuner/defaults.ts";

/**
 * Problems tuned when `--shape` is not given, per op, in each family's `parseShape` format: the
 * registered families' `defaultShapes`.
 */
export const DEFAULT_SHAPES: Readonly<Record<string, readonly string[]>> = Object.freeze(
  Object.fromEntries(Object.entries(KERNELS).map(([op, family]) => [op, family.defaultShapes])),
);

/** Default `--max-evals`: candidates per problem, besides the heuristic default config. */
export { DEFAULT_MAX_EVALS, DEFAULT_SEED, DEFAULT_STRATEGY };

/** Default `--time-limit` in seconds: wall-clock budget of the search of one problem. */
export const DEFAULT_TIME_LIMIT_S = DEFAULT_TIME_LIMIT_MS / 1000;

/** Default `--candidate-timeout` in seconds: compile + validate + time of one candidate. */
export const DEFAULT_CANDIDATE_TIMEOUT_S = DEFAULT_CANDIDATE_TIMEOUT_MS / 1000;

/** Default `--op`. */
export const DEFAULT_OP = "matmul";
