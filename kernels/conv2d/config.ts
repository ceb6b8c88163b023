/**
 * The conv2d kernel config (the tunables) and its parsing, plus the workgroup shape every
 * algorithm shares. Each algorithm's geometry lies beside its generator (`direct_geometry.ts`,
 * `depthwise_geometry.ts`), the dispatch in `dispatch.ts`, loop costs in `loop_cost.ts` and the
 * legality rules in `legality.ts`.
 *
 * @module
 */
import { assertConfigObject, readPowerOfTwoParams } from "../config_params.ts";
import type { Config } from "../types.ts";

/** Convolution algorithms. */
export type Conv2dAlgorithm = "direct" | "gemm" | "depthwise" | "rows";

/**
 * The algorithms, in the order the space lists them.
 *
 * @example List the algorithms
 * ```ts
 * import { CONV2D_ALGORITHMS } from "./config.ts";
 * console.log(CONV2D_ALGORITHMS); // ["direct", "gemm", "depthwise", "rows"]
 * ```
 */
export const CONV2D_ALGORITHMS: readonly Conv2dAlgorithm[] = [
  "direct",
  "gemm",
  "depthwise",
  "rows",
];

/** A typed conv2d config. All sizes are powers of two. */
export interface Conv2dConfig {
  /**
   * `"direct"`: the workgroup stages, `tileK` input channels at a time, the input patch its
   * block of output rows × columns reads and the matching weights (re-laid out so that
   * neighbouring output channels are adjacent) in workgroup memory; each thread computes a
   * small block of `threadM` output pixels (up to 8 neighbouring columns × rows) for `threadN`
   * channels, reading the input rows its block needs once per input channel and sliding the
   * kernel along them in registers.
   * `"gemm"`: implicit GEMM (M = output pixels, N = output channels of a group, K = (inC/groups)
   * ·kH·kW): the workgroup gathers a tileM×tileK slice of the virtual im2col matrix and a
   * tileK×tileN slice of the weights into workgroup memory, then each thread accumulates a
   * threadM×threadN register tile.
   * `"depthwise"` (only for one input channel per group): no workgroup memory and no barrier;
   * each thread computes a block of `threadM` output pixels (see {@linkcode depthwiseBlock}) of
   * one output channel (NHWC: of `threadN = vec` neighbouring channels) straight from storage,
   * holding its weights and one input row segment at a time in registers; `tileK` is 1.
   * `"rows"` (one input channel per group, NCHW, stride and dilation 1 along the height): as
   * `"depthwise"`, but each thread streams a band of `threadM` output rows, each the whole
   * output width, in a loop over its input rows: every input row is loaded once and added into
   * the `kernelH` output rows it contributes to, and the oldest of them is stored.
   */
  readonly algorithm: Conv2dAlgorithm;
  /** Output pixels per workgroup. */
  readonly tileM: number;
  /** Output channels per workgroup. */
  readonly tileN: number;
  /**
   * Reduction slice staged in workgroup memory per step: `"gemm"`: K elements; `"direct"`:
   * input channels; `"depthwise"`: unused (1).
   */
  readonly tileK: number;
  /**
   * Output pixels per thread (`"gemm"`: consecutive; `"direct"`: see {@linkcode directBlock};
   * `"depthwise"`: at most threadM, see {@linkcode depthwiseBlock}; `"rows"`: output rows, each
   * the whole output width).
   */
  readonly threadM: number;
  /** Output channels per thread (`"depthwise"`: 1 in NCHW, `vec` in NHWC; `"rows"`: 1). */
  readonly threadN: number;
  /**
   * Vector width (1, 2 or 4) along output channels: of the accumulators, of the staged weight
   * tile and of the output stores in NHWC. Must divide threadN and the output channels per
   * group. (Pixels are read from workgroup memory in vectors of the largest of 4, 2, 1 that
   * divides threadM.) `"depthwise"` and `"rows"`: in NHWC the same (and equal to threadN, with one output
   * channel per group when above 1); in NCHW the vector width along output columns of the input
   * row reads and output stores, which must divide the input and output widths and the
   * thread's columns.
   */
  readonly vec: number;
}

const NUMBERS = ["tileM", "tileN", "tileK", "threadM", "threadN", "vec"] as const;

/**
 * Reads a plain {@linkcode Config} as a {@linkcode Conv2dConfig}; throws a `TypeError` or
 * `RangeError` naming the missing or malformed parameter.
 *
 * @example Read a config
 * ```ts
 * import { parseConv2dConfig } from "./config.ts";
 * const c = parseConv2dConfig({
 *   algorithm: "direct", tileM: 64, tileN: 8, tileK: 4, threadM: 4, threadN: 8, vec: 1,
 * });
 * console.log(c.tileM / c.threadM); // 16
 * ```
 */
export function parseConv2dConfig(config: Config): Conv2dConfig {
  assertConfigObject(config);
  const algorithm = config.algorithm;
  if (!CONV2D_ALGORITHMS.includes(algorithm as Conv2dAlgorithm)) {
    throw new RangeError(
      `'algorithm' must be one of ${CONV2D_ALGORITHMS.join(", ")}: current value is ${
        String(algorithm)
      }`,
    );
  }
  const out = readPowerOfTwoParams(config, NUMBERS);
  return { algorithm: algorithm as Conv2dAlgorithm, ...out } as unknown as Conv2dConfig;
}

/**
 * Whether an algorithm computes each output channel from its own input channel alone, straight
 * from storage (`"depthwise"` and `"rows"`: one input channel per group, nothing staged).
 *
 * @example
 * ```ts
 * import { readsOwnChannel } from "./config.ts";
 * console.log(readsOwnChannel("rows"), readsOwnChannel("direct")); // true false
 * ```
 */
export function readsOwnChannel(algorithm: Conv2dAlgorithm): boolean {
  return algorithm === "depthwise" || algorithm === "rows";
}

/**
 * Workgroup size `[x, y, 1]` of a config: x threads along pixels, y along channels. A
 * `"depthwise"` or `"rows"` workgroup is one-dimensional, `[(tileM / threadM) · (tileN /
 * threadN), 1, 1]`, and its kernel splits the invocation index itself (see `generateDepthwise`).
 *
 * @example 128 pixels × 32 channels in blocks of 16 × 16
 * ```ts
 * import { conv2dWorkgroupSize, parseConv2dConfig } from "./config.ts";
 * const c = parseConv2dConfig({
 *   algorithm: "direct", tileM: 128, tileN: 32, tileK: 4, threadM: 16, threadN: 16, vec: 4,
 * });
 * console.log(conv2dWorkgroupSize(c)); // [8, 2, 1]
 * ```
 */
export function conv2dWorkgroupSize(config: Conv2dConfig): [number, number, number] {
  const x = config.tileM / config.threadM;
  const y = config.tileN / config.threadN;
  return readsOwnChannel(config.algorithm) ? [x * y, 1, 1] : [x, y, 1];
}

/**
 * Vector width of pixel reads from workgroup memory: the largest of 4, 2, 1 dividing threadM.
 *
 * @example Vector widths of 8, 2 and 1 pixels
 * ```ts
 * import { pixelVectorWidth } from "./config.ts";
 * console.log(pixelVectorWidth(8), pixelVectorWidth(2), pixelVectorWidth(1)); // 4 2 1
 * ```
 */
export function pixelVectorWidth(threadM: number): number {
  return threadM % 4 === 0 ? 4 : threadM % 2 === 0 ? 2 : 1;
}
