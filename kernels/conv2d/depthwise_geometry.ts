/**
 * The geometry of the `"depthwise"` and `"rows"` conv2d algorithms (beside their generators,
 * `depthwise.ts` and `rows.ts`): the output block of a thread and the input it reads, bounded by
 * `DEPTHWISE_MAX_FMAS`.
 *
 * @module
 */
import { MAX_UNROLLED_FMAS } from "../limits.ts";
import type { Conv2dConfig } from "./config.ts";
import { conv2dDims, type Conv2dProblem } from "./problem.ts";

/**
 * Most multiply-adds the fully unrolled body of one `"depthwise"` thread may hold,
 * `threadM · threadN · kernelH · kernelW` (lavapipe's compile time grows with the unrolled body;
 * the same bound as the `"direct"` kernel's unrolled step, `MAX_UNROLLED_FMAS`).
 *
 * @example An 8×8 block of a 5×5 kernel is too big, a 4×8 block is not
 * ```ts
 * import { DEPTHWISE_MAX_FMAS } from "./depthwise_geometry.ts";
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
 * import { parseConv2dConfig } from "./config.ts";
 * import { depthwiseBlock } from "./depthwise_geometry.ts";
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
