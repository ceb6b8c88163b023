/**
 * What `wgtune tune` does without options: the embedded problem set per op and the default
 * budgets, chosen so that `deno task tune` finishes within a few minutes even on a two-core
 * machine running the software rasterizer lavapipe.
 *
 * @module
 */

/**
 * Problems tuned when `--shape` is not given, in each family's `parseShape` format. Square,
 * rectangular and odd (non-multiple-of-tile) sizes, so that edge handling is tuned too.
 */
export const DEFAULT_SHAPES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  matmul: ["256x256x256", "512x512x512", "1024x1024x1024", "128x1024x512", "257x129x511"],
  conv2d: ["N1,C32,H32,K32,R3,pad1", "N1,C64,H14,K64,R3,pad1", "N1,C64,H28,K128,R1"],
  attention: ["B1,H4,S128,D64", "B1,H8,KV2,Sq64,Skv256,D64,causal"],
});

/** Default `--max-evals`: candidates per problem, besides the heuristic default config. */
export const DEFAULT_MAX_EVALS = 8;

/** Default `--time-limit` in seconds: wall-clock budget of the search of one problem. */
export const DEFAULT_TIME_LIMIT_S = 60;

/** Default `--candidate-timeout` in seconds: compile + validate + time of one candidate. */
export const DEFAULT_CANDIDATE_TIMEOUT_S = 60;

/** Default `--strategy`. */
export const DEFAULT_STRATEGY = "random";

/** Default `--op`. */
export const DEFAULT_OP = "matmul";
