/**
 * Code generator of the `"depthwise"` and `"rows"` conv2d algorithms: register-blocked direct
 * convolution for problems with one input channel per group (depthwise convolution, with any
 * channel multiplier `outChannels / groups`), without workgroup memory or barriers.
 *
 * Each thread owns one output channel (in NHWC, one vector of `vec` neighbouring channels) and a
 * block of `threadRows × threadCols` output pixels of one image (at most `threadM`, see
 * `depthwiseBlock`). It loads its channel's `kernelH·kernelW` weights once into named registers.
 * Then, for every distinct input row its block reads (offset `th·strideH + r·dilationH`), it
 * loads the row segment once, only the distinct columns the block reads (offsets
 * `tw·strideW + s·dilationW`), into named registers, and accumulates every (output row, kernel
 * row) pair that uses that row. In NCHW the segment is read, and the outputs stored, in vectors
 * of `vec` columns (the widths must be multiples of `vec`, so that a vector never straddles a
 * row or the edge of the image). The whole body is unrolled: the kernel holds no loop and no
 * array, only named `let` and `var` registers, and its size is bounded by `DEPTHWISE_MAX_FMAS`.
 * Padding reads give 0 through `select` on an index clamped into the image, so no access leaves
 * the tensors; when a block spans the output's width, its column offsets are constants and the
 * vectors wholly in the left or right padding are neither loaded nor multiplied. The bias is
 * loaded once per thread as the accumulators' initial value.
 *
 * A workgroup is one-dimensional: `tileM / threadM` consecutive blocks (numbered row-major over
 * image, block row and block column) times `tileN / threadN` consecutive channel slots. In NCHW
 * the invocation index runs along blocks first (neighbouring invocations read the same channel
 * plane), in NHWC along channels first (neighbouring invocations read neighbouring elements).
 *
 * Why this shape: on SIMD-across-invocations implementations such as Mesa's lavapipe, every load
 * from storage or workgroup memory runs as one scalar access per lane and component (with a
 * branch per lane), while multiply-adds are 8 lanes wide, and every workgroup has a fixed launch
 * cost. A depthwise convolution reuses each input value only `kernelH·kernelW` times, so staging
 * it in workgroup memory (as `"direct"` and `"gemm"` do) adds a second round of per-lane
 * accesses for little reuse, and the cost is set by the number of values loaded and stored per
 * output. On a 56×56 image with a 3×3 kernel and padding 1, in vectors of 4, a block of 4 rows ×
 * the whole width reads 6 rows × 14 vectors (the 2 vectors in the padding skipped) and stores 56
 * vectors for 224 pixels: 0.625 vector accesses per pixel, against 0.73 per pixel inside the
 * image for 8 rows × 32 columns (100 loads and 64 stores for 256 pixels, 32 of them past the
 * edge). Dynamically indexed private arrays would become per-lane gathers too, hence the named
 * registers.
 *
 * @module
 */
import type { DeviceCaps, KernelProgram } from "../types.ts";
import type { Conv2dConfig } from "./config.ts";
import { conv2dDims, type Conv2dProblem } from "./problem.ts";
import { registerBlockedProgram } from "./register_block.ts";

/**
 * Generates the `"depthwise"` program of a problem and a config already checked by
 * `conv2dConfigError`.
 *
 * @example Generate a depthwise kernel of 16-pixel blocks, 4 blocks × 4 channels per workgroup
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { parseConv2dConfig } from "./config.ts";
 * import { generateDepthwise } from "./depthwise.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 8, height: 16, width: 16, outChannels: 8, kernelH: 3, kernelW: 3,
 *   padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, groups: 8,
 * });
 * const c = parseConv2dConfig({
 *   algorithm: "depthwise", tileM: 64, tileN: 4, tileK: 1, threadM: 16, threadN: 1, vec: 1,
 * });
 * const program = generateDepthwise(p, c, DEFAULT_CAPS);
 * console.log(program.workgroupSize, program.dispatch); // [16, 1, 1] [4, 1, 2]
 * ```
 */
export function generateDepthwise(
  problem: Conv2dProblem,
  config: Conv2dConfig,
  caps: DeviceCaps,
): KernelProgram {
  return registerBlockedProgram(
    problem,
    config,
    caps,
    ({ p, b, emit, loadRow, accumulate, storeRow }) => {
      const { outH } = conv2dDims(p);
      for (let th = 0; th < b.threadRows; th++) {
        for (let tw = 0; tw < b.threadCols; tw++) emit(`var a${th}_${tw} = init;`);
      }
      for (const offset of b.rowOffsets) {
        emit(`{`);
        loadRow(`ihb + ${offset}i`, 2);
        for (let th = 0; th < b.threadRows; th++) {
          for (let r = 0; r < p.kernelH; r++) {
            if (th * p.strideH + r * p.dilationH === offset) accumulate(th, r, 2);
          }
        }
        emit(`}`);
      }
      for (let th = 0; th < b.threadRows; th++) {
        storeRow(th, `oh0 + ${th}u`, outH % b.threadRows !== 0 ? [`oh < OH`] : [], 1);
      }
    },
  );
}
