/**
 * The conv2d search space (legal configs minus obviously wasteful ones) and the heuristic default
 * config.
 *
 * @module
 */
import { enumerateValid } from "../../search/space.ts";
import type { Config, DeviceCaps, ParamSpec, SearchSpace } from "../types.ts";
import {
  type Conv2dConfig,
  conv2dConfigError,
  conv2dProblemError,
  conv2dWorkgroupSize,
  parseConv2dConfig,
} from "./config.ts";
import { conv2dDims, type Conv2dProblem } from "./problem.ts";

/**
 * The parameters and the values the space offers, in grid order.
 *
 * @example Parameter names
 * ```ts
 * import { CONV2D_PARAMS } from "./space.ts";
 * console.log(CONV2D_PARAMS.map((p) => p.name));
 * // ["algorithm", "tileM", "tileN", "tileK", "threadM", "threadN", "vec"]
 * ```
 */
export const CONV2D_PARAMS: readonly ParamSpec[] = Object.freeze([
  { name: "algorithm", values: ["direct", "gemm"] },
  { name: "tileM", values: [8, 16, 32, 64, 128, 256, 512] },
  { name: "tileN", values: [1, 2, 4, 8, 16, 32, 64] },
  { name: "tileK", values: [1, 2, 4, 8, 16, 32] },
  { name: "threadM", values: [1, 2, 4, 8, 16, 32] },
  { name: "threadN", values: [1, 2, 4, 8, 16] },
  { name: "vec", values: [1, 2, 4] },
]);

/** Most accumulators (threadM·threadN) a thread may hold (register spills, compile time). */
const MAX_ACCUMULATORS = 256;
/** Most multiply-adds the body of one `"direct"` kernel-row step may hold (code size). */
const MAX_DIRECT_UNROLL = 2304;

function nextPowerOfTwo(x: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, x)));
}

/**
 * Why a legal config is left out of the search space (it repeats another config or wastes most
 * of its work), or `undefined` when the space keeps it. The smallest `"gemm"` tiles are always
 * kept (and legal on any device with the spec's default limits), so the space is never empty for
 * a runnable problem.
 */
function pruneReason(problem: Conv2dProblem, config: Conv2dConfig): string | undefined {
  const { m, ng, k, cg, outH, outW } = conv2dDims(problem);
  const { algorithm, tileM, tileN, tileK, threadM, threadN } = config;
  if (threadM * threadN > MAX_ACCUMULATORS) return "too many accumulators";
  if (tileM > Math.max(8, nextPowerOfTwo(m))) return "tileM beyond the output pixels";
  if (algorithm === "direct") {
    const channels = problem.groups > 1 ? ng : problem.outChannels;
    if (tileN > nextPowerOfTwo(channels)) return "tileN beyond the output channels";
    if (tileK > nextPowerOfTwo(cg)) return "tileK beyond the input channels per group";
    if (threadM > nextPowerOfTwo(outW) * nextPowerOfTwo(outH)) {
      return "threadM beyond the output size";
    }
    if (threadM * threadN * problem.kernelW > Math.max(MAX_DIRECT_UNROLL, problem.kernelW)) {
      return "unrolled kernel row too long";
    }
  } else {
    if (tileN > nextPowerOfTwo(ng)) return "tileN beyond the output channels per group";
    if (tileK > Math.max(4, nextPowerOfTwo(k))) return "tileK beyond the reduction length";
    if (tileK < Math.min(4, nextPowerOfTwo(k))) return "tileK too shallow";
  }
  const [x, y] = conv2dWorkgroupSize(config);
  if (x * y < 4 && x * y < m * problem.outChannels) return "workgroup too small";
  return undefined;
}

/**
 * The search space of a problem on a device: {@linkcode CONV2D_PARAMS} restricted to configs
 * the generators can produce within the device's limits, minus duplicates and configs whose
 * tiles mostly fall outside the problem. Throws a `RangeError` when the problem cannot run on
 * the device at all (f16 without `shader-f16`, a tensor beyond the binding limit).
 *
 * @example The space of a small convolution
 * ```ts
 * import { enumerateValid } from "../../search/space.ts";
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * import { conv2dSpace } from "./space.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 16, height: 16, width: 16, outChannels: 16, kernelH: 3, kernelW: 3,
 * });
 * console.log([...enumerateValid(conv2dSpace(p, DEFAULT_CAPS))].length > 100); // true
 * ```
 */
export function conv2dSpace(problem: Conv2dProblem, caps: DeviceCaps): SearchSpace {
  const problemError = conv2dProblemError(problem, caps);
  if (problemError) throw new RangeError(problemError);
  return {
    params: CONV2D_PARAMS,
    isValid(config: Config): boolean {
      let parsed: Conv2dConfig;
      try {
        parsed = parseConv2dConfig(config);
      } catch {
        return false;
      }
      return conv2dConfigError(problem, parsed, caps) === undefined &&
        pruneReason(problem, parsed) === undefined;
    },
  };
}

/**
 * The heuristic default config, always in {@linkcode conv2dSpace}: the `"direct"` algorithm
 * (the fastest on the project's reference device, Mesa lavapipe, where every load from memory
 * costs far more than a multiply-add, so that the biggest register blocks win) with 4×8 output
 * pixels × 8 channels per thread, 8 × 4 threads, 4 staged input channels (1 for kernels of more
 * than 9 taps, whose staged weights would crowd workgroup memory) and vectors of 4 channels;
 * depthwise-like problems (fewer than 4 output channels per group) get 16 pixels × 1 channel
 * per thread and 32 threads. Whatever the problem or the device rejects is shrunk step by step.
 *
 * @example The default of the ResNet 3×3 layer
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * import { conv2dDefaultConfig } from "./space.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 8, inChannels: 64, height: 56, width: 56, outChannels: 64, kernelH: 3, kernelW: 3,
 *   padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
 * });
 * console.log(conv2dDefaultConfig(p, DEFAULT_CAPS));
 * // { algorithm: "direct", tileM: 256, tileN: 32, tileK: 4, threadM: 32, threadN: 8, vec: 4 }
 * ```
 */
export function conv2dDefaultConfig(problem: Conv2dProblem, caps: DeviceCaps): Config {
  const space = conv2dSpace(problem, caps);
  const { ng } = conv2dDims(problem);
  const depthwiseLike = problem.groups > 1 && ng < 4;
  const taps = problem.kernelH * problem.kernelW;
  const threadNs = depthwiseLike ? [1] : [8, 4, 2, 1];
  const threadMs = depthwiseLike ? [16, 8, 32, 4, 2, 1] : [32, 16, 8, 4, 2, 1];
  const threadsMs = depthwiseLike ? [32, 16, 64, 8, 4, 2, 1] : [8, 16, 4, 32, 2, 1];
  const tileKs = taps <= 9 ? [4, 2, 1, 8] : [1, 2, 4];
  for (const threadN of threadNs) {
    const vec = [4, 2, 1].find((v) => threadN % v === 0 && ng % v === 0)!;
    for (const threadsN of [4, 2, 1]) {
      for (const threadM of threadMs) {
        for (const threadsM of threadsMs) {
          for (const tileK of tileKs) {
            const config: Config = {
              algorithm: "direct",
              tileM: threadsM * threadM,
              tileN: threadsN * threadN,
              tileK,
              threadM,
              threadN,
              vec,
            };
            if (space.isValid(config)) return config;
          }
        }
      }
    }
  }
  for (const config of enumerateValid(space)) return config;
  throw new RangeError(
    `no conv2d config fits this device: maxComputeInvocationsPerWorkgroup is ` +
      `${caps.maxInvocationsPerWorkgroup}, maxComputeWorkgroupStorageSize is ` +
      `${caps.maxWorkgroupStorageBytes}`,
  );
}
