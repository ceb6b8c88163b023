/**
 * The conv2d search space (legal configs minus obviously wasteful ones) and the heuristic default
 * config.
 *
 * @module
 */
import { enumerateValid } from "../../core/space.ts";
import { LOOP_BUDGET } from "../loop_budget.ts";
import { MAX_UNROLLED_FMAS } from "../limits.ts";
import type { Config, DeviceCaps, ParamSpec, SearchSpace } from "../types.ts";
import { type Conv2dConfig, conv2dWorkgroupSize, parseConv2dConfig } from "./config.ts";
import { DEPTHWISE_MAX_FMAS, depthwiseBlock } from "./depthwise_geometry.ts";
import { conv2dConfigError, conv2dProblemError, LONG_REDUCTION_CONFIG } from "./legality.ts";
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
  { name: "algorithm", values: ["direct", "gemm", "depthwise", "rows"] },
  { name: "tileM", values: [8, 16, 32, 64, 128, 256, 512] },
  { name: "tileN", values: [1, 2, 4, 8, 16, 32, 64] },
  { name: "tileK", values: [1, 2, 4, 8, 16, 32] },
  { name: "threadM", values: [1, 2, 4, 8, 16, 32, 64, 128, 256] },
  { name: "threadN", values: [1, 2, 4, 8, 16] },
  { name: "vec", values: [1, 2, 4] },
]);

/** Most accumulators (threadM·threadN) a thread may hold (register spills, compile time). */
const MAX_ACCUMULATORS = 256;

function sameConfig(a: Conv2dConfig, b: Conv2dConfig): boolean {
  return (Object.keys(b) as (keyof Conv2dConfig)[]).every((name) => a[name] === b[name]);
}

function nextPowerOfTwo(x: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, x)));
}

/**
 * Workgroup shapes of the `"depthwise"` space, as (pixel threads, channel threads): 16 or 64
 * invocations, channels first (measured on lavapipe, where they beat pixel-heavy shapes).
 */
const DEPTHWISE_SHAPES: readonly (readonly [number, number])[] = [[2, 8], [1, 16], [4, 16], [8, 8]];

/** Most pixels per `"depthwise"` thread the space offers (8 rows × 32 columns). */
const DEPTHWISE_MAX_THREAD_M = 256;

/**
 * The widest vector width (4, 2, else 1) legal for a `"depthwise"` or `"rows"` config with the
 * same blocks and workgroup shape (in NHWC a thread's channels are one vector, so threadN and
 * tileN scale with it).
 */
function widestVec(problem: Conv2dProblem, config: Conv2dConfig, caps: DeviceCaps): number {
  const nhwc = problem.layout === "NHWC";
  return [4, 2].find((v) => {
    const threadN = nhwc ? v : 1;
    const tileN = (config.tileN / config.threadN) * threadN;
    return conv2dConfigError(problem, { ...config, vec: v, threadN, tileN }, caps) === undefined;
  }) ?? 1;
}

/**
 * The pruning of the `"depthwise"` subspace, a few dozen configs: per thread, the largest
 * blocks (at least 32 pixels where the output and the unrolled-body bound allow), one channel
 * or one vector of channels, vectors of 1 or the widest legal width; per workgroup, the shapes
 * of {@linkcode DEPTHWISE_SHAPES}, shrunk to the blocks and channels there are.
 */
function depthwisePruneReason(
  problem: Conv2dProblem,
  config: Conv2dConfig,
  caps: DeviceCaps,
): string | undefined {
  const { outH, outW } = conv2dDims(problem);
  const { tileN, threadM, threadN, vec } = config;
  const taps = problem.kernelH * problem.kernelW;
  const pixels = nextPowerOfTwo(outW) * nextPowerOfTwo(outH);
  const largest = 2 ** Math.floor(Math.log2(DEPTHWISE_MAX_FMAS / (threadN * taps)));
  if (threadM > Math.min(pixels, DEPTHWISE_MAX_THREAD_M)) return "threadM beyond the output";
  if (threadM < Math.min(32, pixels, largest)) return "block too small to reuse loaded rows";
  if (vec !== 1 && vec !== widestVec(problem, config, caps)) {
    return "vectors narrower than the widest legal ones";
  }
  // Each shape shrinks to the blocks and channels there are, within tileM's values (8 to 512).
  const b = depthwiseBlock(problem, config);
  const pixelThreads = (px: number) =>
    Math.max(Math.min(px, nextPowerOfTwo(b.blocks), 512 / threadM), 8 / threadM);
  const channelThreads = (ct: number) =>
    Math.min(ct, nextPowerOfTwo(problem.outChannels / threadN));
  const kept = DEPTHWISE_SHAPES.some(([px, ct]) =>
    pixelThreads(px) === b.pixelThreads && channelThreads(ct) === tileN / threadN
  );
  return kept ? undefined : "workgroup shape not offered";
}

/** Workgroup shapes of the `"rows"` space, as (band threads, channel threads). */
const ROWS_SHAPES: readonly (readonly [number, number])[] = [[1, 8], [1, 16], [2, 8]];

/**
 * The pruning of the `"rows"` subspace, a few configs: bands of at least 16 rows (or the whole
 * height), vectors of 1 or the widest legal width, the workgroup shapes of
 * {@linkcode ROWS_SHAPES} shrunk to the bands and channels there are.
 */
function rowsPruneReason(
  problem: Conv2dProblem,
  config: Conv2dConfig,
  caps: DeviceCaps,
): string | undefined {
  const { outH } = conv2dDims(problem);
  const { tileN, threadM, vec } = config;
  const tallest = nextPowerOfTwo(outH);
  if (threadM > tallest) return "band beyond the output height";
  if (threadM < Math.min(16, tallest)) return "band too short to reuse loaded rows";
  if (vec !== 1 && vec !== widestVec(problem, config, caps)) {
    return "vectors narrower than the widest legal ones";
  }
  const bands = problem.batch * Math.ceil(outH / threadM);
  const kept = ROWS_SHAPES.some(([px, ct]) =>
    Math.min(px, nextPowerOfTwo(bands)) === config.tileM / threadM &&
    Math.min(ct, nextPowerOfTwo(problem.outChannels)) === tileN
  );
  return kept ? undefined : "workgroup shape not offered";
}

/**
 * Why a legal config is left out of the search space (it repeats another config or wastes most
 * of its work), or `undefined` when the space keeps it. The smallest `"gemm"` tiles are always
 * kept (and legal on any device with the spec's default limits), so the space is never empty for
 * a runnable problem; for reductions past the loop budget at a tileK of 1, so is
 * {@linkcode LONG_REDUCTION_CONFIG}, whose loops fit for every problem `conv2dProblemError`
 * accepts.
 */
function pruneReason(
  problem: Conv2dProblem,
  config: Conv2dConfig,
  caps: DeviceCaps,
): string | undefined {
  const { m, ng, k, cg, outH, outW } = conv2dDims(problem);
  const { algorithm, tileM, tileN, tileK, threadM, threadN } = config;
  if (k > LOOP_BUDGET - 1 && sameConfig(config, LONG_REDUCTION_CONFIG)) return undefined;
  if (threadM * threadN > MAX_ACCUMULATORS) return "too many accumulators";
  if (algorithm === "depthwise") return depthwisePruneReason(problem, config, caps);
  if (algorithm === "rows") return rowsPruneReason(problem, config, caps);
  if (tileM > Math.max(8, nextPowerOfTwo(m))) return "tileM beyond the output pixels";
  if (threadM > 32) return "threadM beyond 32 is offered to depthwise only";
  if (algorithm === "direct") {
    const channels = problem.groups > 1 ? ng : problem.outChannels;
    if (tileN > nextPowerOfTwo(channels)) return "tileN beyond the output channels";
    if (tileK > nextPowerOfTwo(cg)) return "tileK beyond the input channels per group";
    if (threadM > nextPowerOfTwo(outW) * nextPowerOfTwo(outH)) {
      return "threadM beyond the output size";
    }
    if (threadM * threadN * problem.kernelW > Math.max(MAX_UNROLLED_FMAS, problem.kernelW)) {
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
 * tiles mostly fall outside the problem. The `"depthwise"` configs, legal only with one input
 * channel per group, are pruned to a few dozen (the largest blocks, vectors of 1 or the widest
 * legal width, four workgroup shapes). Throws a `RangeError` when the problem cannot run on the
 * device at all (f16 without `shader-f16`, a tensor beyond the binding limit).
 *
 * @example The space of a small convolution
 * ```ts
 * import { enumerateValid } from "../../core/space.ts";
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
        pruneReason(problem, parsed, caps) === undefined;
    },
  };
}

/**
 * The first `"rows"` config of the space in order of preference: the widest vectors, then bands
 * of half the output height (two bands per image, rounded up to a power of two), then taller,
 * then shorter; one band × 8 channels per workgroup, or the shapes of {@linkcode ROWS_SHAPES}.
 */
function rowsDefault(problem: Conv2dProblem, space: SearchSpace): Config | undefined {
  const half = nextPowerOfTwo(Math.ceil(conv2dDims(problem).outH / 2));
  const bands = [half, half * 2, half * 4, half / 2, half / 4].filter((b) => b >= 1);
  for (const vec of [4, 2, 1]) {
    for (const threadM of bands) {
      for (const [px, ct] of ROWS_SHAPES) {
        for (let tileN = ct; tileN >= 1; tileN /= 2) {
          const config: Config = {
            algorithm: "rows",
            tileM: px * threadM,
            tileN,
            tileK: 1,
            threadM,
            threadN: 1,
            vec,
          };
          if (space.isValid(config)) return config;
        }
      }
    }
  }
  return undefined;
}

/**
 * The first `"depthwise"` config of the space in order of preference: the widest vectors, then
 * the most pixels per thread, then the workgroup shapes of {@linkcode DEPTHWISE_SHAPES} (2 × 8
 * first), shrunk as the space shrinks them.
 */
function depthwiseDefault(problem: Conv2dProblem, space: SearchSpace): Config | undefined {
  const nhwc = problem.layout === "NHWC";
  for (const vec of [4, 2, 1]) {
    const threadN = nhwc ? vec : 1;
    for (let threadM = DEPTHWISE_MAX_THREAD_M; threadM >= 1; threadM /= 2) {
      for (const px of [2, 1, 4, 8]) {
        for (const ct of [8, 16, 4, 2, 1]) {
          const config: Config = {
            algorithm: "depthwise",
            tileM: px * threadM,
            tileN: ct * threadN,
            tileK: 1,
            threadM,
            threadN,
            vec,
          };
          if (space.isValid(config)) return config;
        }
      }
    }
  }
  return undefined;
}

/**
 * The heuristic default config, always in {@linkcode conv2dSpace}: the `"direct"` algorithm
 * (the fastest on the project's reference device, Mesa lavapipe, where every load from memory
 * costs far more than a multiply-add, so that the biggest register blocks win) with 4×8 output
 * pixels × 8 channels per thread, 8 × 8 threads, 8 staged input channels (1 for kernels of more
 * than 9 taps, whose staged weights would crowd workgroup memory) and vectors of 4 channels. The
 * wide workgroup stages each input patch once for 64 output channels: against 8 × 4 threads
 * and 4 staged channels, 1.11 to 1.23 times faster on lavapipe (Mesa 22 and 25) for the 3×3
 * ResNet layers and a 1×1 layer measured (`bench/compare_configs.ts`).
 * Depthwise-like problems (fewer than 4 output channels per group) with one input channel per
 * group and more than 8 output rows get the `"rows"` algorithm where it is legal (NCHW, stride
 * and dilation 1 along the height, at most 256 accumulators): the widest legal vectors, bands of
 * half the height, 8 threads along channels. Other such problems get the `"depthwise"`
 * algorithm (on lavapipe 2.6 to 4.6 times faster than the direct default on the depthwise
 * layers measured): the widest legal vectors, then the biggest blocks (up to 256 pixels), 2 × 8
 * threads. Other depthwise-like problems get direct convolution
 * with 16 pixels × 1 channel per thread and 32 threads. Whatever the problem or the device
 * rejects is shrunk step by step.
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
 * // { algorithm: "direct", tileM: 256, tileN: 64, tileK: 8, threadM: 32, threadN: 8, vec: 4 }
 * ```
 *
 * @example The default of a depthwise 3×3 layer: bands of 32 rows read in vectors of 4
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * import { conv2dDefaultConfig } from "./space.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 64, height: 56, width: 56, outChannels: 64, kernelH: 3, kernelW: 3,
 *   padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, groups: 64,
 * });
 * console.log(conv2dDefaultConfig(p, DEFAULT_CAPS));
 * // { algorithm: "rows", tileM: 32, tileN: 8, tileK: 1, threadM: 32, threadN: 1, vec: 4 }
 * ```
 */
export function conv2dDefaultConfig(problem: Conv2dProblem, caps: DeviceCaps): Config {
  const space = conv2dSpace(problem, caps);
  const { ng, cg } = conv2dDims(problem);
  const depthwiseLike = problem.groups > 1 && ng < 4;
  if (depthwiseLike && cg === 1) {
    // Streamed rows beat blocks on lavapipe from 14×14 outputs up (1.07 to 1.34 times at 14², 28²
    // and 56²) but not on 7×7 (0.77 times), where a band is the whole image anyway.
    const rows = conv2dDims(problem).outH > 8 ? rowsDefault(problem, space) : undefined;
    const config = rows ?? depthwiseDefault(problem, space);
    if (config) return config;
  }
  const taps = problem.kernelH * problem.kernelW;
  const threadNs = depthwiseLike ? [1] : [8, 4, 2, 1];
  const threadMs = depthwiseLike ? [16, 8, 32, 4, 2, 1] : [32, 16, 8, 4, 2, 1];
  const threadsMs = depthwiseLike ? [32, 16, 64, 8, 4, 2, 1] : [8, 16, 4, 32, 2, 1];
  const tileKs = taps <= 9 ? [8, 4, 2, 1] : [1, 2, 4];
  for (const threadN of threadNs) {
    const vec = [4, 2, 1].find((v) => threadN % v === 0 && ng % v === 0)!;
    for (const threadsN of [8, 4, 2, 1]) {
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
