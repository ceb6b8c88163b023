/**
 * Code generator of the `"rows"` conv2d algorithm, a variant of `"depthwise"` (see `depthwise.ts`
 * for the register-blocked design both share, in `register_block.ts`).
 *
 * `"rows"` (NCHW, stride and dilation 1 along the height) cuts the halo rows further: a thread
 * owns a band of `threadM` output rows, each the whole output width, and loops over the band's
 * input rows. Every input row is loaded once and multiplied into the `kernelH` rows of
 * accumulators it contributes to; the oldest of them is then complete, is stored, and the rows
 * shift down (register moves). A band of 32 rows on a 56-wide 3×3 layer loads 34 input rows for
 * 32 output rows, 0.54 vector accesses per pixel; its loop body holds `kernelH · kernelW ·` the
 * width multiply-adds.
 *
 * @module
 */
import type { DeviceCaps, KernelProgram } from "../types.ts";
import type { Conv2dConfig } from "./config.ts";
import type { Conv2dProblem } from "./problem.ts";
import { registerBlockedProgram } from "./register_block.ts";

/**
 * Generates the `"rows"` program of a problem and a config already checked by
 * `conv2dConfigError`.
 *
 * @example Stream bands of 8 rows: one loop over each band's 10 input rows
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { parseConv2dConfig } from "./config.ts";
 * import { generateRows } from "./rows.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 8, height: 16, width: 16, outChannels: 8, kernelH: 3, kernelW: 3,
 *   padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, groups: 8,
 * });
 * const c = parseConv2dConfig({
 *   algorithm: "rows", tileM: 16, tileN: 8, tileK: 1, threadM: 8, threadN: 1, vec: 4,
 * });
 * const program = generateRows(p, c, DEFAULT_CAPS);
 * console.log(program.workgroupSize, program.dispatch); // [16, 1, 1] [1, 1, 1]
 * console.log(program.code.includes("for (var i = 0u; i < TH + 2u; i++)")); // true
 * ```
 */
export function generateRows(
  problem: Conv2dProblem,
  config: Conv2dConfig,
  caps: DeviceCaps,
): KernelProgram {
  return registerBlockedProgram(
    problem,
    config,
    caps,
    ({ p, b, emit, loadRow, accumulate, storeRow }) => {
      // Streams the band's input rows: after input row i, accumulator row j holds output row
      // oh0 + i − (R − 1) + j, which takes kernel row R − 1 − j of it; row 0 is then complete,
      // is stored, and the rows shift down (stride and dilation along the height are 1).
      const rows = p.kernelH;
      for (let j = 0; j < rows; j++) {
        for (let tw = 0; tw < b.threadCols; tw++) emit(`var a${j}_${tw} = init;`);
      }
      emit(`for (var i = 0u; i < TH + ${rows - 1}u; i++) {`);
      loadRow(`ihb + i32(i)`, 2);
      for (let j = 0; j < rows; j++) accumulate(j, rows - 1 - j, 2);
      storeRow(0, `oh0 + i - ${rows - 1}u`, [`i >= ${rows - 1}u`, `oh < OH`], 2);
      for (let j = 0; j + 1 < rows; j++) {
        for (let tw = 0; tw < b.threadCols; tw++) emit(`a${j}_${tw} = a${j + 1}_${tw};`, 2);
      }
      for (let tw = 0; tw < b.threadCols; tw++) emit(`a${rows - 1}_${tw} = init;`, 2);
      emit(`}`);
    },
  );
}
