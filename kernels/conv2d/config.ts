/**
 * The conv2d kernel config (the tunables), its launch geometry and its legality rules: what the
 * code generators can produce for a problem on a device. The search space (`space.ts`) is a
 * pruned subset of the legal configs.
 *
 * @module
 */
import { bufferSizeError, dtypeSupportError } from "../limits.ts";
import { assertConfigObject, readPowerOfTwoParams } from "../config_params.ts";
import type { Config, DeviceCaps } from "../types.ts";
import { conv2dDims, type Conv2dProblem, conv2dTensorSizes } from "./problem.ts";

/** Convolution algorithms. */
export type Conv2dAlgorithm = "direct" | "gemm";

/**
 * The algorithms, in the order the space lists them.
 *
 * @example List the algorithms
 * ```ts
 * import { CONV2D_ALGORITHMS } from "./config.ts";
 * console.log(CONV2D_ALGORITHMS); // ["direct", "gemm"]
 * ```
 */
export const CONV2D_ALGORITHMS: readonly Conv2dAlgorithm[] = ["direct", "gemm"];

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
   */
  readonly algorithm: Conv2dAlgorithm;
  /** Output pixels per workgroup. */
  readonly tileM: number;
  /** Output channels per workgroup. */
  readonly tileN: number;
  /**
   * Reduction slice staged in workgroup memory per step: `"gemm"`: K elements; `"direct"`:
   * input channels.
   */
  readonly tileK: number;
  /** Output pixels per thread (`"gemm"`: consecutive; `"direct"`: see {@linkcode directBlock}). */
  readonly threadM: number;
  /** Output channels per thread. */
  readonly threadN: number;
  /**
   * Vector width (1, 2 or 4) along output channels: of the accumulators, of the staged weight
   * tile and of the output stores in NHWC. Must divide threadN and the output channels per
   * group. (Pixels are read from workgroup memory in vectors of the largest of 4, 2, 1 that
   * divides threadM.)
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
 * Workgroup size `[x, y, 1]` of a config: x threads along pixels, y along channels.
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
  return [config.tileM / config.threadM, config.tileN / config.threadN, 1];
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

/** The output block of a `"direct"` workgroup and the input patch it stages. */
export interface DirectBlock {
  /** Output columns per thread: the largest power of two ≤ min(threadM, 8, outW rounded up). */
  readonly threadCols: number;
  /** Output rows per thread: `threadM / threadCols`. */
  readonly threadRows: number;
  /** Threads along the output width. */
  readonly blockW: number;
  /** Threads along the output height. */
  readonly blockH: number;
  /** Workgroups along the output width. */
  readonly tilesW: number;
  /** Workgroups along the output height. */
  readonly tilesH: number;
  /** Vector width of the staged input rows ({@linkcode pixelVectorWidth} of threadCols). */
  readonly xv: number;
  /** Vectors of `xv` a thread reads per input row: its window of
   * `(threadCols − 1)·strideW + (kW − 1)·dilationW + 1` values, rounded up. */
  readonly windowVectors: number;
  /** Staged input rows per channel. */
  readonly patchH: number;
  /** Staged vectors per input row (row stride of the patch, in vectors). */
  readonly patchRowVectors: number;
}

/**
 * The output block and staged input patch of a `"direct"` config. A thread's `threadM` pixels
 * form `threadRows` rows of `threadCols` neighbouring columns; the workgroup's `tileM/threadM`
 * threads form `blockH` rows of `blockW` threads, `blockW` the smallest power of two covering
 * the output width (at most all threads).
 *
 * @example 56 columns, 8×2 pixels per thread, 16 threads: 8 threads per row, 2 rows
 * ```ts
 * import { directBlock, parseConv2dConfig } from "./config.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 64, height: 56, width: 56, outChannels: 64, kernelH: 3, kernelW: 3,
 *   padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
 * });
 * const c = parseConv2dConfig({
 *   algorithm: "direct", tileM: 256, tileN: 32, tileK: 4, threadM: 16, threadN: 16, vec: 4,
 * });
 * const b = directBlock(p, c);
 * console.log(b.threadRows, b.threadCols, b.blockW, b.blockH, b.tilesW, b.tilesH, b.patchH);
 * // 2 8 8 2 1 14 6
 * ```
 */
export function directBlock(problem: Conv2dProblem, config: Conv2dConfig): DirectBlock {
  const { outH, outW } = conv2dDims(problem);
  const { threadM } = config;
  const [threadsM] = conv2dWorkgroupSize(config);
  const widthPow2 = 2 ** Math.ceil(Math.log2(outW));
  const threadCols = Math.min(threadM, 8, widthPow2);
  const threadRows = threadM / threadCols;
  const rowThreads = Math.ceil(outW / threadCols);
  const blockW = Math.min(threadsM, 2 ** Math.ceil(Math.log2(rowThreads)));
  const blockH = threadsM / blockW;
  const xv = pixelVectorWidth(threadCols);
  const window = (threadCols - 1) * problem.strideW + (problem.kernelW - 1) * problem.dilationW +
    1;
  const windowVectors = Math.ceil(window / xv);
  return {
    threadCols,
    threadRows,
    blockW,
    blockH,
    tilesW: Math.ceil(outW / (blockW * threadCols)),
    tilesH: Math.ceil(outH / (blockH * threadRows)),
    xv,
    windowVectors,
    patchH: (blockH * threadRows - 1) * problem.strideH +
      (problem.kernelH - 1) * problem.dilationH +
      1,
    patchRowVectors: (blockW - 1) * threadCols * problem.strideW / xv + windowVectors,
  };
}

/**
 * Bytes of workgroup memory a config uses (staged tiles, held as f32).
 *
 * @example A GEMM config stages (tileM + tileN)·tileK values
 * ```ts
 * import { conv2dWorkgroupBytes, parseConv2dConfig } from "./config.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 8, height: 8, width: 8, outChannels: 8, kernelH: 3, kernelW: 3,
 * });
 * const c = parseConv2dConfig({
 *   algorithm: "gemm", tileM: 64, tileN: 32, tileK: 8, threadM: 4, threadN: 4, vec: 4,
 * });
 * console.log(conv2dWorkgroupBytes(p, c)); // 3072
 * ```
 */
export function conv2dWorkgroupBytes(problem: Conv2dProblem, config: Conv2dConfig): number {
  if (config.algorithm === "gemm") return (config.tileM + config.tileN) * config.tileK * 4;
  const b = directBlock(problem, config);
  const patch = config.tileK * b.patchH * b.patchRowVectors * b.xv;
  const weights = config.tileK * problem.kernelH * problem.kernelW * config.tileN;
  return (patch + weights) * 4;
}

/** Launch geometry of a config: how the work is cut into workgroups. */
export interface Conv2dGrid {
  /** Workgroups along output pixels (folded into dispatch x and y). */
  readonly pixelTiles: number;
  /** Workgroups along output channels (dispatch z; for `"gemm"` per group times groups). */
  readonly channelTiles: number;
  /** Workgroup counts for `dispatchWorkgroups`: `[x, y, channelTiles]`, `x·y ≥ pixelTiles`. */
  readonly dispatch: readonly [number, number, number];
}

/**
 * The launch geometry of a config. Pixel tiles are folded into dispatch x and y when they exceed
 * the per-dimension limit; the kernel recomputes the linear tile index `x + y·dispatch[0]` and
 * ignores tiles past the end.
 *
 * @example 56×56 outputs in blocks of 4 rows × 64 columns, 32 channels per workgroup
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { conv2dGrid, parseConv2dConfig } from "./config.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 64, height: 56, width: 56, outChannels: 64, kernelH: 3, kernelW: 3,
 *   padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
 * });
 * const c = parseConv2dConfig({
 *   algorithm: "direct", tileM: 256, tileN: 32, tileK: 4, threadM: 16, threadN: 16, vec: 4,
 * });
 * console.log(conv2dGrid(p, c, DEFAULT_CAPS).dispatch); // [14, 1, 2]
 * ```
 */
export function conv2dGrid(
  problem: Conv2dProblem,
  config: Conv2dConfig,
  caps: DeviceCaps,
): Conv2dGrid {
  const { m, ng } = conv2dDims(problem);
  let pixelTiles: number;
  let channelTiles: number;
  if (config.algorithm === "direct") {
    const b = directBlock(problem, config);
    pixelTiles = problem.batch * b.tilesH * b.tilesW;
    channelTiles = Math.ceil(problem.outChannels / config.tileN);
  } else {
    pixelTiles = Math.ceil(m / config.tileM);
    channelTiles = problem.groups * Math.ceil(ng / config.tileN);
  }
  const x = Math.min(pixelTiles, caps.maxWorkgroupsPerDimension);
  const y = Math.ceil(pixelTiles / x);
  return { pixelTiles, channelTiles, dispatch: [x, y, channelTiles] };
}

/**
 * Why no config at all can run this problem on this device (f16 without `shader-f16`, a tensor
 * beyond the binding size limit, too few storage buffers), or `undefined`.
 *
 * @example f16 on a device without shader-f16
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { conv2dProblemError } from "./config.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 3, height: 8, width: 8, outChannels: 4, kernelH: 3, kernelW: 3,
 *   dtype: "f16",
 * });
 * console.log(conv2dProblemError(p, DEFAULT_CAPS));
 * // "'dtype' f16 needs the device feature shader-f16, which this device lacks"
 * ```
 */
export function conv2dProblemError(problem: Conv2dProblem, caps: DeviceCaps): string | undefined {
  const dtypeError = dtypeSupportError(problem.dtype, caps);
  if (dtypeError) return dtypeError;
  const buffers = problem.bias ? 4 : 3;
  if (buffers > caps.maxStorageBuffersPerShaderStage) {
    return `conv2d binds ${buffers} storage buffers, more than the device's ` +
      `maxStorageBuffersPerShaderStage (${caps.maxStorageBuffersPerShaderStage})`;
  }
  const bytes = problem.dtype === "f16" ? 2 : 4;
  return bufferSizeError(Object.entries(conv2dTensorSizes(problem)), bytes, caps);
}

/**
 * Why a config cannot be generated for this problem on this device, or `undefined` when it can.
 * Checks what the code generators rely on and every device limit they touch.
 *
 * @example tileN must keep a direct workgroup inside one group
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { conv2dConfigError, parseConv2dConfig } from "./config.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 8, height: 8, width: 8, outChannels: 8, kernelH: 3, kernelW: 3,
 *   groups: 8,
 * });
 * const c = parseConv2dConfig({
 *   algorithm: "direct", tileM: 32, tileN: 4, tileK: 4, threadM: 4, threadN: 4, vec: 1,
 * });
 * console.log(conv2dConfigError(p, c, DEFAULT_CAPS));
 * // "'tileN' must divide the output channels per group (1) when groups > 1: current value is 4"
 * ```
 */
export function conv2dConfigError(
  problem: Conv2dProblem,
  config: Conv2dConfig,
  caps: DeviceCaps,
): string | undefined {
  const problemError = conv2dProblemError(problem, caps);
  if (problemError) return problemError;
  const { algorithm, tileM, tileN, threadM, threadN, vec } = config;
  const { ng } = conv2dDims(problem);
  if (threadM > tileM) {
    return `'threadM' must be at most tileM (${tileM}): current value is ${threadM}`;
  }
  if (threadN > tileN) {
    return `'threadN' must be at most tileN (${tileN}): current value is ${threadN}`;
  }
  if (vec > 4) return `'vec' must be 1, 2 or 4: current value is ${vec}`;
  if (vec > threadN) return `'vec' must divide threadN (${threadN}): current value is ${vec}`;
  if (ng % vec !== 0) {
    return `'vec' must divide the output channels per group (${ng}): current value is ${vec}`;
  }
  if (algorithm === "direct" && problem.groups > 1 && ng % tileN !== 0) {
    return `'tileN' must divide the output channels per group (${ng}) when groups > 1: ` +
      `current value is ${tileN}`;
  }
  const [x, y] = conv2dWorkgroupSize(config);
  if (x * y > caps.maxInvocationsPerWorkgroup) {
    return `workgroup ${x}x${y} has ${x * y} invocations, more than the device's ` +
      `${caps.maxInvocationsPerWorkgroup}`;
  }
  if (x > caps.maxWorkgroupSizeX) {
    return `workgroup size x ${x} exceeds the device's ${caps.maxWorkgroupSizeX}`;
  }
  if (y > caps.maxWorkgroupSizeY) {
    return `workgroup size y ${y} exceeds the device's ${caps.maxWorkgroupSizeY}`;
  }
  const bytes = conv2dWorkgroupBytes(problem, config);
  if (bytes > caps.maxWorkgroupStorageBytes) {
    return `workgroup memory ${bytes} bytes exceeds the device's ${caps.maxWorkgroupStorageBytes}`;
  }
  const { dispatch } = conv2dGrid(problem, config, caps);
  for (let i = 0; i < 3; i++) {
    if (dispatch[i]! > caps.maxWorkgroupsPerDimension) {
      return `dispatch ${"xyz"[i]} of ${dispatch[i]} workgroups exceeds the device's ` +
        `${caps.maxWorkgroupsPerDimension}`;
    }
  }
  return undefined;
}
