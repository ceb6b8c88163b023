/**
 * The attention search space (every legal, useful config) and the heuristic default config.
 *
 * @module
 */
import { enumerateValid } from "../../core/space.ts";
import type { Config, DeviceCaps, SearchSpace } from "../types.ts";
import {
  ATTENTION_PARAM_VALUES,
  type AttentionConfig,
  attentionConfigError,
  attentionConfigUseful,
  attentionProblemError,
  MAX_LIVE_VALUES,
  MAX_UNROLLED_STATEMENTS,
  parseAttentionConfig,
} from "./config.ts";
import type { AttentionProblem } from "./problem.ts";

function legal(problem: AttentionProblem, config: Config, caps: DeviceCaps): boolean {
  let typed: AttentionConfig;
  try {
    typed = parseAttentionConfig(config);
  } catch {
    return false;
  }
  return attentionConfigError(problem, typed, caps) === undefined &&
    attentionConfigUseful(problem, typed);
}

/**
 * The search space of a problem on a device: the tunables of {@linkcode AttentionConfig} with
 * legality ({@linkcode attentionConfigError}) and usefulness ({@linkcode attentionConfigUseful})
 * as restrictions. Throws a `RangeError` when no config can run the problem on this device (for
 * example f16 without `shader-f16`), so that the space is never empty.
 *
 * @example Count the configs of a small problem
 * ```ts
 * import { enumerateValid } from "../../core/space.ts";
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { normalizeAttentionProblem } from "./problem.ts";
 * import { attentionSpace } from "./space.ts";
 * const p = normalizeAttentionProblem({ batch: 1, heads: 8, seqQ: 512, seqKV: 512, headDim: 64 });
 * console.log([...enumerateValid(attentionSpace(p, DEFAULT_CAPS))].length > 100); // true
 * ```
 */
export function attentionSpace(problem: AttentionProblem, caps: DeviceCaps): SearchSpace {
  const error = attentionProblemError(problem, caps);
  if (error) throw new RangeError(`attention problem cannot run on this device: ${error}`);
  const space: SearchSpace = {
    params: Object.entries(ATTENTION_PARAM_VALUES).map(([name, values]) => ({ name, values })),
    isValid: (config) => legal(problem, config, caps),
  };
  if (enumerateValid(space).next().done) {
    throw new RangeError(
      `attention problem cannot run on this device: no config fits (seqQ ${problem.seqQ}, ` +
        `maxComputeWorkgroupsPerDimension ${caps.maxWorkgroupsPerDimension})`,
    );
  }
  return space;
}

function largestPowerOfTwoAtMost(n: number): number {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * The heuristic default config, from measurements on Mesa lavapipe (llvmpipe, 8-wide SIMD),
 * where every storage or workgroup-memory load runs once per SIMD lane: what matters most is how
 * many query rows reuse each loaded key/value, so each thread takes as many rows as the register
 * budget allows ({@linkcode MAX_LIVE_VALUES}, up to 32), 8 threads per workgroup (one SIMD
 * group), keys in blocks of 2, vec4 where the head sizes allow it, and K/V read straight from
 * storage (staging them in workgroup memory measured slower there: its barriers turn each SIMD
 * group into a coroutine), query and output rows with unrolled accesses (`ioStage` 0, which
 * compiles fastest on Mesa 22; Mesa 25 compiles `ioStage` 1 faster). Short query sequences (decoding) split the keys across threads instead.
 * Falls back to smaller variants, then to the first legal config, when this does not fit.
 *
 * @example
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { normalizeAttentionProblem } from "./problem.ts";
 * import { defaultAttentionConfig } from "./space.ts";
 * const p = normalizeAttentionProblem({ batch: 1, heads: 8, seqQ: 512, seqKV: 512, headDim: 64 });
 * console.log(defaultAttentionConfig(p, DEFAULT_CAPS));
 * // { rowThreads: 8, rowsPerThread: 32, threadsPerRow: 1, keyBlock: 2, vec: 4, kvTile: 0, ioStage: 0 }
 * ```
 */
export function defaultAttentionConfig(problem: AttentionProblem, caps: DeviceCaps): Config {
  const space = attentionSpace(problem, caps);
  const { headDim, headDimV, seqQ, seqKV } = problem;
  const vec = [4, 2, 1].find((w) => headDim % w === 0 && headDimV % w === 0)!;
  const rows = nextPowerOfTwo(seqQ);
  const rowThreads = Math.min(8, rows);
  const rowBudget = largestPowerOfTwoAtMost(Math.max(1, MAX_LIVE_VALUES / (headDim + headDimV)));
  const rowsPerThread = Math.min(32, rowBudget, rows / rowThreads);
  const chunks = (headDim + headDimV) / vec;
  const keyBlock = seqKV >= 2 && rowsPerThread * 2 * chunks <= MAX_UNROLLED_STATEMENTS ? 2 : 1;
  const threadsPerRow = rowThreads * rowsPerThread >= 8
    ? 1
    : Math.max(1, Math.min(32, largestPowerOfTwoAtMost(seqKV / keyBlock)));
  const candidates: Config[] = [];
  for (const split of [threadsPerRow, Math.max(1, threadsPerRow / 4), 1]) {
    for (const kvTile of [0, 16]) {
      candidates.push({
        rowThreads,
        rowsPerThread,
        threadsPerRow: split,
        keyBlock,
        vec,
        kvTile,
        ioStage: 0,
      });
    }
  }
  const fit = candidates.find((config) => space.isValid(config));
  return fit ?? enumerateValid(space).next().value!;
}
