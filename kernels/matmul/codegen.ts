/**
 * WGSL generation for matmul. Pure: problem + config + device capabilities in, a
 * {@linkcode KernelProgram} out.
 *
 * The sizes m, n and k are baked into the WGSL as constants rather than passed as uniforms: the
 * generator then resolves index clamps, loop trip counts and the k-loop remainder at generation
 * time, and every size appears in the shader key. The price is one compiled pipeline per shape,
 * which a per-shape autotuner pays anyway. The batch count is not baked in: batch `z` is
 * `workgroup_id.z`, so problems that differ only in batch share code and shader key.
 *
 * Both variants give each thread a `threadM × threadN` block of C held in registers as
 * `threadN / vec` vectors per row, accumulate in f32 (also for f16 storage) and clamp load indices
 * into range instead of branching, so the inner loop has no conditions; only the final stores are
 * guarded. The epilogue adds the bias and applies the activation.
 *
 * - `"register"`: every thread streams its rows of A (as vec4 along k when 4 divides k and the
 *   unroll) and its columns of B (as vecN along n) from storage; no workgroup memory, no barriers.
 *   On CPU-backed adapters (lavapipe), where each storage load is a per-lane scalar loop, large
 *   per-thread tiles that reuse every loaded value many times win.
 * - `"shared"`: the workgroup stages a tileM×tileK slice of A and a tileK×tileN slice of B in
 *   workgroup memory (zero-filled past the edges), then every thread reads its operands there.
 *
 * Each variant has its own file (`register.ts`, `shared.ts`) over shared WGSL helpers (`wgsl.ts`);
 * this file checks the config and dispatches.
 *
 * @module
 */
import type { BufferBinding, DeviceCaps, KernelProgram } from "../types.ts";
import {
  type MatmulConfig,
  matmulConfigError,
  matmulDispatch,
  matmulProblemError,
  matmulWorkgroupSize,
} from "./config.ts";
import type { MatmulProblem } from "./problem.ts";
import { registerKernel } from "./register.ts";
import { sharedKernel } from "./shared.ts";

/**
 * The shader key: exactly the values the generated code depends on (kernel version aside). The
 * batch is not among them: it only sets the dispatch's z count.
 *
 * @example Key of a register-blocked config
 * ```ts
 * import { matmulShaderKey } from "./codegen.ts";
 * import { normalizeMatmulProblem } from "./problem.ts";
 * const problem = normalizeMatmulProblem({ m: 64, n: 64, k: 64 });
 * console.log(matmulShaderKey(problem, {
 *   variant: "register", tileM: 32, tileN: 64, tileK: 8, threadM: 4, threadN: 8, vec: 4, unroll: 4,
 * }));
 * // "matmul_register_f32_m64_n64_k64_none_tm32_tn64_thm4_thn8_v4_u4"
 * ```
 */
export function matmulShaderKey(problem: MatmulProblem, config: MatmulConfig): string {
  const { dtype, m, n, k, bias, activation } = problem;
  const { variant, tileM, tileN, tileK, threadM, threadN, vec, unroll } = config;
  return [
    "matmul",
    variant,
    dtype,
    `m${m}`,
    `n${n}`,
    `k${k}`,
    ...(bias ? ["bias"] : []),
    activation,
    `tm${tileM}`,
    `tn${tileN}`,
    ...(variant === "shared" ? [`tk${tileK}`] : []),
    `thm${threadM}`,
    `thn${threadN}`,
    `v${vec}`,
    `u${unroll}`,
  ].join("_");
}

/**
 * Generates the WGSL program of a matmul config. Bindings are `a`, `b`, then `bias` when the
 * problem has one, then the output `c`. Throws a `RangeError` with the reason when the config
 * cannot run this problem on this device.
 *
 * @example Generate a register-blocked kernel
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { generateMatmul } from "./codegen.ts";
 * import { normalizeMatmulProblem } from "./problem.ts";
 * const problem = normalizeMatmulProblem({ m: 100, n: 64, k: 30 });
 * const program = generateMatmul(problem, {
 *   variant: "register", tileM: 32, tileN: 64, tileK: 8, threadM: 4, threadN: 8, vec: 4, unroll: 4,
 * }, DEFAULT_CAPS);
 * console.log(program.workgroupSize, program.dispatch); // [8, 8, 1] [1, 4, 1]
 * ```
 */
export function generateMatmul(
  problem: MatmulProblem,
  config: MatmulConfig,
  caps: DeviceCaps,
): KernelProgram {
  const problemError = matmulProblemError(problem, caps);
  if (problemError) throw new RangeError(problemError);
  const error = matmulConfigError(problem, config, caps);
  if (error) throw new RangeError(error);
  const { m, n, k, batch, dtype } = problem;
  const bindings: BufferBinding[] = [
    { name: "a", dtype, elements: batch * m * k, access: "read" },
    { name: "b", dtype, elements: batch * k * n, access: "read" },
  ];
  if (problem.bias) bindings.push({ name: "bias", dtype, elements: n, access: "read" });
  bindings.push({ name: "c", dtype, elements: batch * m * n, access: "read_write" });
  const code = config.variant === "register"
    ? registerKernel(problem, config)
    : sharedKernel(problem, config);
  return {
    code,
    entryPoint: "main",
    workgroupSize: matmulWorkgroupSize(config),
    dispatch: matmulDispatch(problem, config),
    bindings,
    shaderKey: matmulShaderKey(problem, config),
  };
}
