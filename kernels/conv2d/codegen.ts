/**
 * The conv2d code generator: checks a config against the legality rules (`legality.ts`) and
 * dispatches to the generator of its algorithm, one file each (`direct.ts`, `gemm.ts`,
 * `depthwise.ts`, `rows.ts`), each beside its geometry.
 *
 * @module
 */
import { configKey } from "../../core/space.ts";
import type { Config, DeviceCaps, KernelProgram } from "../types.ts";
import { parseConv2dConfig, readsOwnChannel } from "./config.ts";
import { generateDepthwise } from "./depthwise.ts";
import { generateDirect } from "./direct.ts";
import { generateGemm } from "./gemm.ts";
import { conv2dConfigError } from "./legality.ts";
import { type Conv2dProblem, conv2dProblemKey } from "./problem.ts";
import { generateRows } from "./rows.ts";
import { CONV2D_VERSION } from "./version.ts";

/**
 * Generates the program of a config, checking it first; throws a `RangeError` naming what the
 * space would reject.
 *
 * @example Generate an implicit-GEMM program
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { generateConv2d } from "./codegen.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 3, height: 8, width: 8, outChannels: 4, kernelH: 3, kernelW: 3,
 * });
 * const program = generateConv2d(p, {
 *   algorithm: "gemm", tileM: 32, tileN: 4, tileK: 8, threadM: 4, threadN: 4, vec: 1,
 * }, DEFAULT_CAPS);
 * console.log(program.bindings.map((b) => b.name)); // ["input", "weight", "output"]
 * ```
 */
export function generateConv2d(
  problem: Conv2dProblem,
  config: Config,
  caps: DeviceCaps,
): KernelProgram {
  const parsed = parseConv2dConfig(config);
  const error = conv2dConfigError(problem, parsed, caps);
  if (error) throw new RangeError(`conv2d config ${configKey(config)} is not legal: ${error}`);
  const program = parsed.algorithm === "direct"
    ? generateDirect(problem, parsed, caps)
    : parsed.algorithm === "rows"
    ? generateRows(problem, parsed, caps)
    : readsOwnChannel(parsed.algorithm)
    ? generateDepthwise(problem, parsed, caps)
    : generateGemm(problem, parsed, caps);
  return {
    ...program,
    shaderKey: `conv2d_v${CONV2D_VERSION}_${conv2dProblemKey(problem)}_${
      configKey(Object.fromEntries(Object.entries(parsed)))
    }`,
  };
}
