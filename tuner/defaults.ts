/**
 * The tuning defaults, in one place: `tune()` and `wgtune tune` both use them. They are chosen so
 * that tuning one problem finishes within a minute or two even on a two-core machine running the
 * software rasterizer lavapipe; a real GPU affords far bigger budgets.
 *
 * @example Budgets of a tune without options
 * ```ts
 * import { DEFAULT_MAX_EVALS, DEFAULT_TIME_LIMIT_MS } from "./defaults.ts";
 * console.log(DEFAULT_MAX_EVALS, DEFAULT_TIME_LIMIT_MS); // 8 60000
 * ```
 *
 * @module
 */

/** Candidates evaluated per problem, besides the heuristic default config (`maxEvals`). */
export const DEFAULT_MAX_EVALS = 8;

/** Wall-clock limit of the search of one problem, in ms (`timeLimitMs`). */
export const DEFAULT_TIME_LIMIT_MS = 60_000;

/** Limit of one candidate (compile, validate, time), in ms (`candidateTimeoutMs`). */
export const DEFAULT_CANDIDATE_TIMEOUT_MS = 60_000;

/** Search strategy by name (`strategy`). */
export const DEFAULT_STRATEGY = "random";

/** Seed of randomized strategies (`seed`). */
export const DEFAULT_SEED = 1;

/** Time budget of one candidate measurement, in ms (`measureMs`). */
export const DEFAULT_MEASURE_MS = 100;

/** Configs confirmed by two more timings after the search (`confirmTop`). */
export const DEFAULT_CONFIRM_TOP = 3;
