/**
 * The loop budget every generated kernel keeps, and the cost model that checks it.
 *
 * Mesa's llvmpipe (lavapipe) ends a shader's loops after 65,535 iterations and then goes on with
 * the wrong partial result, silently. The counter is shared by every loop of the shader and
 * counts each pass through a loop's end, including the last pass, in which the loop's condition
 * fails (measured on Mesa 22: two loops of 40,000 iterations stop after 65,534 bodies, a loop of
 * 100 followed by one of 65,435 loses one). Nesting a long loop inside another therefore does not
 * help: only fewer passes do (more work per pass, or more invocations). It is counted per
 * invocation (per SIMD group of lanes), not per workgroup.
 *
 * The cost of a loop that runs `trips` passes, each containing inner loops of cost `inner`, is
 * `trips · (1 + inner) + 1`; a kernel's cost is the sum of its top-level loops' costs. Kernel
 * families reject configs whose cost exceeds {@linkcode LOOP_BUDGET} (so generated kernels never
 * hit the limit), and problems no config can run within it.
 *
 * @module
 */

/**
 * Most loop passes (see the module doc) one invocation of a generated kernel may run: llvmpipe's
 * `LP_MAX_TGSI_LOOP_ITERATIONS`, shared by all loops of a shader.
 *
 * @example
 * ```ts
 * import { LOOP_BUDGET } from "./loop_budget.ts";
 * console.log(LOOP_BUDGET); // 65535
 * ```
 */
export const LOOP_BUDGET = 65_535;

/**
 * The cost of one loop: `trips` passes, each of which also runs inner loops costing `inner`,
 * plus the final pass whose condition fails. A loop of 0 trips costs 1.
 *
 * @example A loop of 100 passes with an inner loop of 4 passes in each
 * ```ts
 * import { loopCost } from "./loop_budget.ts";
 * console.log(loopCost(100, loopCost(4))); // 100 * (1 + 5) + 1 = 601
 * ```
 */
export function loopCost(trips: number, inner = 0): number {
  return Math.max(0, trips) * (1 + inner) + 1;
}

/**
 * Why a kernel of the given loop cost cannot run correctly everywhere, or `undefined` when the
 * cost is within {@linkcode LOOP_BUDGET}. `what` names the loops (for example `"the k loop"`).
 *
 * @example
 * ```ts
 * import { loopBudgetError } from "./loop_budget.ts";
 * console.log(loopBudgetError("the k loop", 100_001));
 * // "the k loop runs 100001 loop passes per invocation, more than the 65535 that llvmpipe allows"
 * ```
 */
export function loopBudgetError(what: string, cost: number): string | undefined {
  if (cost <= LOOP_BUDGET) return undefined;
  return `${what} runs ${cost} loop passes per invocation, more than the ${LOOP_BUDGET} that ` +
    `llvmpipe allows`;
}
