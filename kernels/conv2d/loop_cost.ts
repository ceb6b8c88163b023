/**
 * Loop costs of a conv2d config (llvmpipe stops any shader loop after 65,535 iterations): which
 * reduction and copy loops are unrolled, and the longest loop a config runs.
 *
 * @module
 */
import { MAX_UNROLLED_FMAS } from "../limits.ts";
import { LOOP_BUDGET, loopCost } from "../loop_budget.ts";
import { type Conv2dConfig, conv2dWorkgroupSize, pixelVectorWidth } from "./config.ts";
import { depthwiseBlock } from "./depthwise_geometry.ts";
import { directBlock } from "./direct_geometry.ts";
import { conv2dDims, type Conv2dProblem } from "./problem.ts";

export { MAX_UNROLLED_FMAS } from "../limits.ts";

/**
 * Most copy steps per thread that a cooperative copy into workgroup memory unrolls; longer
 * copies loop.
 *
 * @example
 * ```ts
 * import { MAX_UNROLLED_COPIES } from "./loop_cost.ts";
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
 * import { parseConv2dConfig } from "./config.ts";
 * import { directUnrollsRows } from "./loop_cost.ts";
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
 * import { parseConv2dConfig } from "./config.ts";
 * import { conv2dUnrollsReduction } from "./loop_cost.ts";
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
 * import { parseConv2dConfig } from "./config.ts";
 * import { conv2dLoopCost } from "./loop_cost.ts";
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
