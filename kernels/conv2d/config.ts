/**
 * The conv2d kernel config (the tunables), its launch geometry and its legality rules: what the
 * code generators can produce for a problem on a device. The search space (`space.ts`) is a
 * pruned subset of the legal configs.
 *
 * @module
 */
import { bufferSizeError, dtypeSupportError, MAX_UNROLLED_FMAS } from "../limits.ts";
import { LOOP_BUDGET, loopBudgetError, loopCost } from "../loop_budget.ts";
import { assertConfigObject, readPowerOfTwoParams } from "../config_params.ts";
import type { Config, DeviceCaps } from "../types.ts";
import { conv2dDims, type Conv2dProblem, conv2dTensorSizes } from "./problem.ts";

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
 * Most multiply-adds the fully unrolled body of one `"depthwise"` thread may hold,
 * `threadM · threadN · kernelH · kernelW` (lavapipe's compile time grows with the unrolled body;
 * the same bound as the `"direct"` kernel's unrolled step, `MAX_UNROLLED_FMAS`).
 *
 * @example An 8×8 block of a 5×5 kernel is too big, a 4×8 block is not
 * ```ts
 * import { DEPTHWISE_MAX_FMAS } from "./config.ts";
 * console.log(64 * 25 <= DEPTHWISE_MAX_FMAS, 32 * 25 <= DEPTHWISE_MAX_FMAS); // true true
 * console.log(64 * 49 <= DEPTHWISE_MAX_FMAS); // false
 * ```
 */
export const DEPTHWISE_MAX_FMAS: number = MAX_UNROLLED_FMAS;

/** The output block of a `"depthwise"` or `"rows"` thread and the input it reads. */
export interface DepthwiseBlock {
  /**
   * Output columns per thread. The block is the split of `threadM` into `rows × columns` (powers
   * of two, the columns capped at outW rounded up to the vector width) that loads and stores the
   * fewest vectors per output pixel (see {@linkcode depthwiseBlock}).
   */
  readonly threadCols: number;
  /** Output rows per thread. */
  readonly threadRows: number;
  /** Thread blocks along the output width. */
  readonly blocksW: number;
  /** Thread blocks along the output height. */
  readonly blocksH: number;
  /** Thread blocks per output channel: `batch · blocksH · blocksW`. */
  readonly blocks: number;
  /** Threads of a workgroup along pixels (`tileM / threadM`); the rest go along channels. */
  readonly pixelThreads: number;
  /**
   * The distinct input rows a thread reads, as offsets from its first one, ascending:
   * `th·strideH + r·dilationH` for `th < threadRows`, `r < kernelH`.
   */
  readonly rowOffsets: readonly number[];
  /**
   * The distinct input columns a thread reads in each of those rows, as offsets from its first
   * one, ascending: `tw·strideW + s·dilationW` for `tw < threadCols`, `s < kernelW`.
   */
  readonly colOffsets: readonly number[];
  /**
   * Width of the vectors a row is read in: `vec` in NCHW (vectors of columns), 1 in NHWC (one
   * column, a vector of channels, per read).
   */
  readonly readWidth: number;
  /**
   * Columns between the start of the vector holding a thread's first input column and that
   * column (`(readWidth − padLeft mod readWidth) mod readWidth`); column offset `off` lies in
   * vector `⌊(lead + off) / readWidth⌋`, component `(lead + off) mod readWidth`.
   */
  readonly lead: number;
  /**
   * The vector holding the first input column a block starting at output column `ow0` reads,
   * relative to vector `ow0 · strideW / readWidth` of the row: `−(padLeft + lead) / readWidth`.
   */
  readonly firstVector: number;
  /** The distinct vectors a thread reads in each row, ascending, as offsets from its first. */
  readonly readVectors: readonly number[];
  /**
   * The vectors of `readVectors` that lie wholly in the padding of every thread's rows, known
   * when a block spans the output's width (`blocksW` 1, every block starts at column 0); they
   * are neither loaded nor multiplied. Empty otherwise.
   */
  readonly paddingVectors: readonly number[];
}

function distinctOffsets(count: number, stride: number, taps: number, dilation: number): number[] {
  const set = new Set<number>();
  for (let i = 0; i < count; i++) {
    for (let t = 0; t < taps; t++) set.add(i * stride + t * dilation);
  }
  return [...set].sort((a, b) => a - b);
}

/** The block of `threadRows × threadCols` pixels of a problem, with what a thread reads. */
function depthwiseBlockOf(
  problem: Conv2dProblem,
  threadRows: number,
  threadCols: number,
  readWidth: number,
): Omit<DepthwiseBlock, "pixelThreads"> {
  const p = problem;
  const { outH, outW } = conv2dDims(p);
  const blocksW = Math.ceil(outW / threadCols);
  const blocksH = Math.ceil(outH / threadRows);
  const colOffsets = distinctOffsets(threadCols, p.strideW, p.kernelW, p.dilationW);
  const lead = (readWidth - (p.padLeft % readWidth)) % readWidth;
  const readVectors = [...new Set(colOffsets.map((off) => Math.floor((lead + off) / readWidth)))];
  // With one block across the width, every thread's vector t is vector firstVector + t of the row.
  const firstVector = -(p.padLeft + lead) / readWidth;
  const rowVectors = p.width / readWidth;
  const paddingVectors = blocksW === 1
    ? readVectors.filter((t) => firstVector + t < 0 || firstVector + t >= rowVectors)
    : [];
  return {
    threadCols,
    threadRows,
    blocksW,
    blocksH,
    blocks: p.batch * blocksH * blocksW,
    rowOffsets: distinctOffsets(threadRows, p.strideH, p.kernelH, p.dilationH),
    colOffsets,
    readWidth,
    lead,
    firstVector,
    readVectors,
    paddingVectors,
  };
}

/**
 * The output block of a `"depthwise"` or `"rows"` config. A `"rows"` thread's block is a band of
 * `threadM` rows, each the output's width rounded up to the vector width. A `"depthwise"`
 * thread's pixels form `threadRows` rows of
 * `threadCols` neighbouring columns of one channel; the blocks of a channel are numbered
 * row-major over (image, block row, block column), and a workgroup takes `tileM / threadM`
 * consecutive blocks of each of its `tileN` channels.
 *
 * The split of `threadM` into rows × columns is chosen for the problem: on SIMD-across-lanes
 * implementations every load and store costs one access per lane while the multiply-adds are
 * cheap, so of the splits into powers of two (columns capped at the output width rounded up to
 * the vector width, so a block as wide as the output has no wasted columns) it takes the one
 * that loads and stores the fewest vectors per output pixel over the whole output, the fewest
 * rows on ties.
 *
 * @example A 3×3 depthwise layer on 56×56: blocks of 4 rows × the whole width
 * ```ts
 * import { depthwiseBlock, parseConv2dConfig } from "./config.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 64, height: 56, width: 56, outChannels: 64, kernelH: 3, kernelW: 3,
 *   padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, groups: 64,
 * });
 * const c = parseConv2dConfig({
 *   algorithm: "depthwise", tileM: 512, tileN: 8, tileK: 1, threadM: 256, threadN: 1, vec: 4,
 * });
 * const b = depthwiseBlock(p, c);
 * console.log(b.threadRows, b.threadCols, b.blocks, b.rowOffsets.length, b.paddingVectors);
 * // 4 56 14 6 [ 0, 15 ]
 * ```
 */
export function depthwiseBlock(problem: Conv2dProblem, config: Conv2dConfig): DepthwiseBlock {
  const { outH, outW } = conv2dDims(problem);
  const { threadM } = config;
  const readWidth = problem.layout === "NHWC" ? 1 : config.vec;
  const widest = Math.ceil(outW / readWidth) * readWidth;
  if (config.algorithm === "rows") {
    const band = depthwiseBlockOf(problem, threadM, widest, readWidth);
    return { ...band, pixelThreads: config.tileM / threadM };
  }
  let best: Omit<DepthwiseBlock, "pixelThreads"> | undefined;
  let bestTraffic = Infinity;
  for (let rows = 1; rows <= threadM; rows *= 2) {
    const cols = Math.min(threadM / rows, widest);
    if (cols % readWidth !== 0) continue;
    const b = depthwiseBlockOf(problem, rows, cols, readWidth);
    const loads = b.rowOffsets.length * (b.readVectors.length - b.paddingVectors.length);
    const stores = (rows * cols) / readWidth;
    const traffic = ((loads + stores) * b.blocksW * b.blocksH) / (outH * outW);
    if (traffic < bestTraffic) [best, bestTraffic] = [b, traffic];
  }
  // No split has whole vectors of columns: the widest block, which conv2dConfigError rejects.
  best ??= depthwiseBlockOf(problem, 1, Math.min(threadM, widest), readWidth);
  return { ...best, pixelThreads: config.tileM / threadM };
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
  if (readsOwnChannel(config.algorithm)) return 0;
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
  } else if (readsOwnChannel(config.algorithm)) {
    const b = depthwiseBlock(problem, config);
    pixelTiles = Math.ceil(b.blocks / b.pixelThreads);
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
 * Most copy steps per thread that a cooperative copy into workgroup memory unrolls; longer
 * copies loop.
 *
 * @example
 * ```ts
 * import { MAX_UNROLLED_COPIES } from "./config.ts";
 * console.log(MAX_UNROLLED_COPIES); // 4
 * ```
 */
export const MAX_UNROLLED_COPIES = 4;

/** Loop cost of a cooperative copy of `units` items by `threads` threads. */
function copyCost(units: number, threads: number): number {
  const steps = Math.ceil(units / threads);
  return steps > MAX_UNROLLED_COPIES ? loopCost(steps) : 0;
}

/**
 * Whether the `"direct"` kernel unrolls its kernel-row loop (its body per staged input channel
 * stays within {@linkcode MAX_UNROLLED_FMAS}).
 *
 * @example
 * ```ts
 * import { directUnrollsRows, parseConv2dConfig } from "./config.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 8, height: 8, width: 8, outChannels: 8, kernelH: 3, kernelW: 3,
 * });
 * const c = parseConv2dConfig({
 *   algorithm: "direct", tileM: 64, tileN: 8, tileK: 4, threadM: 4, threadN: 8, vec: 4,
 * });
 * console.log(directUnrollsRows(p, c)); // true
 * ```
 */
export function directUnrollsRows(problem: Conv2dProblem, config: Conv2dConfig): boolean {
  return problem.kernelH * problem.kernelW * config.threadM * config.threadN <= MAX_UNROLLED_FMAS;
}

/** The loop costs of a config with its inner reduction loop kept and unrolled. */
function reductionCosts(
  problem: Conv2dProblem,
  config: Conv2dConfig,
): { rolled: number; unrolled: number } {
  const { algorithm, tileK, tileM, tileN, threadM, vec } = config;
  const [x, y] = conv2dWorkgroupSize(config);
  const threads = x * y;
  if (algorithm === "rows") {
    const cost = loopCost(depthwiseBlock(problem, config).threadRows + problem.kernelH - 1);
    return { rolled: cost, unrolled: cost };
  }
  if (algorithm === "depthwise") return { rolled: 0, unrolled: 0 };
  const { cg, k } = conv2dDims(problem);
  if (algorithm === "gemm") {
    const copies = copyCost(tileK * (tileM / pixelVectorWidth(threadM)), threads) +
      copyCost(tileK * (tileN / vec), threads);
    const steps = Math.ceil(k / tileK);
    return {
      rolled: loopCost(steps, copies + loopCost(tileK)),
      unrolled: loopCost(steps, copies),
    };
  }
  const b = directBlock(problem, config);
  const copies = copyCost(tileK * b.patchH * b.patchRowVectors, threads) +
    copyCost(tileK * problem.kernelH * problem.kernelW * (tileN / vec), threads);
  const rows = directUnrollsRows(problem, config) ? 0 : loopCost(problem.kernelH);
  const steps = Math.ceil(cg / tileK);
  return {
    rolled: loopCost(steps, copies + loopCost(tileK, rows)),
    unrolled: loopCost(steps, copies + tileK * rows),
  };
}

/**
 * Whether the `"direct"` or `"gemm"` kernel unrolls its inner reduction loop (over the `tileK`
 * staged input channels, or K values): only when keeping it would take the kernel past the loop
 * budget (see `loop_budget.ts`), as for very many input channels.
 *
 * @example 80,000 input channels of a 1×1 convolution
 * ```ts
 * import { conv2dUnrollsReduction, parseConv2dConfig } from "./config.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 80000, height: 1, width: 1, outChannels: 1, kernelH: 1, kernelW: 1,
 * });
 * const c = parseConv2dConfig({
 *   algorithm: "direct", tileM: 8, tileN: 1, tileK: 8, threadM: 1, threadN: 1, vec: 1,
 * });
 * console.log(conv2dUnrollsReduction(p, c)); // true
 * ```
 */
export function conv2dUnrollsReduction(problem: Conv2dProblem, config: Conv2dConfig): boolean {
  return reductionCosts(problem, config).rolled > LOOP_BUDGET;
}

/**
 * Loop passes one invocation of the generated kernel runs (see `loop_budget.ts`), from the
 * generators' geometry: `"direct"`, ⌈(inC/groups) / tileK⌉ passes of the channel loop, each with
 * the cooperative copies that loop (more than {@linkcode MAX_UNROLLED_COPIES} steps per thread)
 * and the loop over the tileK staged channels (unrolled when keeping it would pass the budget,
 * see {@linkcode conv2dUnrollsReduction}), itself holding the kernel-row loop unless that is
 * unrolled; `"gemm"`, ⌈K / tileK⌉ passes with the copies and the tileK loop; `"rows"`, one loop
 * over the band's threadRows + kernelH − 1 input rows; `"depthwise"`, no loop.
 *
 * @example A 1×1 convolution over 80,000 input channels, staged 8 at a time
 * ```ts
 * import { conv2dLoopCost, parseConv2dConfig } from "./config.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 80000, height: 1, width: 1, outChannels: 1, kernelH: 1, kernelW: 1,
 * });
 * const c = parseConv2dConfig({
 *   algorithm: "direct", tileM: 8, tileN: 1, tileK: 8, threadM: 1, threadN: 1, vec: 1,
 * });
 * console.log(conv2dLoopCost(p, c)); // 10001: the loop over the 8 staged channels is unrolled
 * ```
 */
export function conv2dLoopCost(problem: Conv2dProblem, config: Conv2dConfig): number {
  const { rolled, unrolled } = reductionCosts(problem, config);
  return rolled > LOOP_BUDGET ? unrolled : rolled;
}

/** Largest `tileK` the space lists (bounds the longest reduction the loop budget allows). */
const MAX_TILE_K = 32;

/**
 * The config the space always keeps for reductions too long for a tileK of 1 (more than 65,534
 * values): `"gemm"` with 8 × 8 threads staging 32 values per pass, whose copies into workgroup
 * memory take 4 steps per thread (unrolled), so that its loops run ⌈K / 32⌉ + 1 passes. It is
 * legal on every device with the spec's default limits, so every problem that
 * {@linkcode conv2dProblemError} accepts has a config within the loop budget.
 *
 * @example
 * ```ts
 * import { LONG_REDUCTION_CONFIG } from "./config.ts";
 * console.log(LONG_REDUCTION_CONFIG.tileK); // 32
 * ```
 */
export const LONG_REDUCTION_CONFIG: Conv2dConfig = Object.freeze({
  algorithm: "gemm",
  tileM: 8,
  tileN: 8,
  tileK: MAX_TILE_K,
  threadM: 1,
  threadN: 1,
  vec: 1,
});

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
  const { k } = conv2dDims(problem);
  if (loopCost(Math.ceil(k / MAX_TILE_K)) > LOOP_BUDGET) {
    return `the reduction length (inChannels / groups) · kernelH · kernelW must be at most ` +
      `${(LOOP_BUDGET - 1) * MAX_TILE_K} (the reduction loop would run more than ${LOOP_BUDGET} ` +
      `passes even staging ${MAX_TILE_K} values per pass): current value is ${k}`;
  }
  const bytes = problem.dtype === "f16" ? 2 : 4;
  return bufferSizeError(Object.entries(conv2dTensorSizes(problem)), bytes, caps);
}

/**
 * Most accumulators a `"rows"` thread may hold, `kernelH ·` the output width (register spills:
 * each input row feeds `kernelH` output rows held at once).
 */
export const ROWS_MAX_ACCUMULATORS = 256;

/** The rules only `"depthwise"` and `"rows"` have (see {@linkcode conv2dConfigError}). */
function depthwiseError(problem: Conv2dProblem, config: Conv2dConfig): string | undefined {
  const { cg, ng, outW } = conv2dDims(problem);
  const { algorithm, tileK, threadM, threadN, vec } = config;
  if (cg !== 1) {
    return `the ${algorithm} algorithm needs one input channel per group (inChannels / groups = ` +
      `1): this problem has ${cg}`;
  }
  if (tileK !== 1) {
    return `'tileK' must be 1 for the ${algorithm} algorithm (it stages nothing): current value ` +
      `is ${tileK}`;
  }
  if (vec > 4) return `'vec' must be 1, 2 or 4: current value is ${vec}`;
  if (algorithm === "rows") {
    if (problem.layout === "NHWC") {
      return `the rows algorithm reads NCHW only: this problem is NHWC`;
    }
    if (problem.strideH !== 1 || problem.dilationH !== 1) {
      return `the rows algorithm needs strideH and dilationH 1 (it streams the input rows): this ` +
        `problem has ${problem.strideH} and ${problem.dilationH}`;
    }
  }
  if (problem.layout === "NHWC") {
    if (threadN !== vec) {
      return `'threadN' must equal vec (${vec}) for the depthwise algorithm in NHWC (a thread ` +
        `computes one vector of channels): current value is ${threadN}`;
    }
    if (vec > 1 && ng !== 1) {
      return `'vec' must be 1 for the depthwise algorithm in NHWC with a channel multiplier ` +
        `(outChannels / groups = ${ng}): current value is ${vec}`;
    }
    if (problem.inChannels % vec !== 0) {
      return `'vec' must divide the channels (${problem.inChannels}) for the depthwise ` +
        `algorithm in NHWC: current value is ${vec}`;
    }
  } else {
    if (threadN !== 1) {
      return `'threadN' must be 1 for the ${algorithm} algorithm in NCHW (one channel per ` +
        `thread): current value is ${threadN}`;
    }
    const { threadCols } = depthwiseBlock(problem, config);
    if (vec > 1 && (problem.width % vec !== 0 || outW % vec !== 0 || threadCols % vec !== 0)) {
      return `'vec' must divide the input width (${problem.width}), the output width (${outW}) ` +
        `and the thread's columns (${threadCols}) for the ${algorithm} algorithm in NCHW: ` +
        `current value is ${vec}`;
    }
  }
  if (algorithm === "rows") {
    const { threadCols } = depthwiseBlock(problem, config);
    const accumulators = problem.kernelH * threadCols;
    if (accumulators > ROWS_MAX_ACCUMULATORS) {
      return `the rows algorithm holds kernelH · the output width (${problem.kernelH} · ` +
        `${threadCols} = ${accumulators}) accumulators, more than ${ROWS_MAX_ACCUMULATORS}`;
    }
    const fmas = accumulators * problem.kernelW;
    if (fmas > DEPTHWISE_MAX_FMAS) {
      return `the rows algorithm unrolls kernelH · kernelW · the output width (${fmas}) ` +
        `multiply-adds per input row, more than ${DEPTHWISE_MAX_FMAS}`;
    }
    return undefined;
  }
  const fmas = threadM * threadN * problem.kernelH * problem.kernelW;
  if (fmas > DEPTHWISE_MAX_FMAS) {
    return `'threadM' · threadN · kernelH · kernelW must be at most ${DEPTHWISE_MAX_FMAS} for the ` +
      `depthwise algorithm (its body is fully unrolled): current value is ${threadM} · ` +
      `${threadN} · ${problem.kernelH} · ${problem.kernelW} = ${fmas}`;
  }
  return undefined;
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
  if (readsOwnChannel(algorithm)) {
    const error = depthwiseError(problem, config);
    if (error) return error;
  }
  if (threadM > tileM) {
    return `'threadM' must be at most tileM (${tileM}): current value is ${threadM}`;
  }
  if (threadN > tileN) {
    return `'threadN' must be at most tileN (${tileN}): current value is ${threadN}`;
  }
  if (vec > 4) return `'vec' must be 1, 2 or 4: current value is ${vec}`;
  if (!readsOwnChannel(algorithm) && vec > threadN) {
    return `'vec' must divide threadN (${threadN}): current value is ${vec}`;
  }
  if (!readsOwnChannel(algorithm) && ng % vec !== 0) {
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
  const loopError = loopBudgetError(
    `the ${algorithm} kernel's loops`,
    conv2dLoopCost(problem, config),
  );
  if (loopError) return loopError;
  const { dispatch } = conv2dGrid(problem, config, caps);
  for (let i = 0; i < 3; i++) {
    if (dispatch[i]! > caps.maxWorkgroupsPerDimension) {
      return `dispatch ${"xyz"[i]} of ${dispatch[i]} workgroups exceeds the device's ` +
        `${caps.maxWorkgroupsPerDimension}`;
    }
  }
  return undefined;
}
