/**
 * The geometry of the `"direct"` conv2d algorithm (beside its generator, `direct.ts`): the output
 * block of a workgroup and the input patch it stages in workgroup memory.
 *
 * @module
 */
import { type Conv2dConfig, conv2dWorkgroupSize, pixelVectorWidth } from "./config.ts";
import { conv2dDims, type Conv2dProblem } from "./problem.ts";

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
 * import { parseConv2dConfig } from "./config.ts";
 * import { directBlock } from "./direct_geometry.ts";
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
