/**
 * The matmul kernel family: `C[batch, m, n] = A[batch, m, k] · B[batch, k, n] (+ bias[n])`,
 * then an optional ReLU, row-major, f32 or f16 storage. Two variants (register-blocked, and
 * workgroup-memory tiled) with tunable tiles, per-thread blocks, vector width and k unrolling.
 * Shapes are baked into the WGSL, so every program is specific to one problem.
 *
 * @module
 */
import { parseMatmulShape } from "./parse_shape.ts";
import type {
  Config,
  DeviceCaps,
  HostTensor,
  KernelFamily,
  KernelProgram,
  SearchSpace,
  Tolerance,
} from "../types.ts";
import { generateMatmul } from "./codegen.ts";
import { MATMUL_VERSION } from "./version.ts";
import { parseMatmulConfig } from "./config.ts";
import {
  matmulFlops,
  type MatmulProblem,
  matmulProblemKey,
  normalizeMatmulProblem,
} from "./problem.ts";
import { makeMatmulInputs, matmulReference, matmulTolerance } from "./reference.ts";
import { defaultMatmulConfig, matmulSpace } from "./space.ts";

export type { MatmulConfig } from "./config.ts";
export type { MatmulProblem } from "./problem.ts";

/**
 * The matmul family as the tuner and `runOp` see it. Bindings are `a`, `b`, `bias` (when
 * `problem.bias`) and the output `c`.
 *
 * @example Generate the default kernel of a problem (no GPU needed)
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { matmulFamily } from "./family.ts";
 * const problem = matmulFamily.parseShape("256x256x256");
 * const config = matmulFamily.defaultConfig(problem, DEFAULT_CAPS);
 * const program = matmulFamily.generate(problem, config, DEFAULT_CAPS);
 * console.log(program.bindings.map((b) => b.name)); // ["a", "b", "c"]
 * ```
 *
 * @example Run it on the GPU and compare with the reference
 * ```ts
 * import { openDevice } from "@wgtune/wgtune";
 * import { runProgram } from "@wgtune/wgtune/gpu";
 * import { matmulFamily } from "@wgtune/wgtune/kernels";
 * import { compareToReference } from "@wgtune/wgtune/tuner";
 * const gpu = await openDevice();
 * const problem = matmulFamily.normalizeProblem({ m: 9, n: 5, k: 17, bias: true });
 * const program = matmulFamily.generate(problem, matmulFamily.defaultConfig(problem, gpu.caps), gpu.caps);
 * const inputs = matmulFamily.makeInputs(problem, 1);
 * const out = await runProgram(gpu, program, inputs);
 * const check = compareToReference(out, matmulFamily.reference(problem, inputs), matmulFamily.tolerance(problem));
 * console.log(check.ok); // true
 * gpu.close();
 * ```
 */
export const matmulFamily: KernelFamily<MatmulProblem> = Object.freeze({
  name: "matmul",
  version: MATMUL_VERSION,
  normalizeProblem: (problem: unknown): MatmulProblem => normalizeMatmulProblem(problem),
  parseShape: (shape: string, dtype?: string): MatmulProblem => parseMatmulShape(shape, dtype),
  defaultShapes: Object.freeze([
    "256x256x256",
    "512x512x512",
    "1024x1024x1024",
    "128x1024x512",
    "257x129x511",
  ]),
  testShapes: Object.freeze(["7x13x5"]),
  problemKey: (problem: MatmulProblem): string => matmulProblemKey(problem),
  space: (problem: MatmulProblem, caps: DeviceCaps): SearchSpace => matmulSpace(problem, caps),
  defaultConfig: (problem: MatmulProblem, caps: DeviceCaps): Config =>
    defaultMatmulConfig(problem, caps),
  generate: (problem: MatmulProblem, config: Config, caps: DeviceCaps): KernelProgram =>
    generateMatmul(problem, parseMatmulConfig(config), caps),
  flops: (problem: MatmulProblem): number => matmulFlops(problem),
  makeInputs: (problem: MatmulProblem, seed: number): HostTensor[] =>
    makeMatmulInputs(problem, seed),
  reference: (problem: MatmulProblem, inputs: readonly HostTensor[]): Float64Array =>
    matmulReference(problem, inputs),
  tolerance: (problem: MatmulProblem): Tolerance => matmulTolerance(problem),
});
