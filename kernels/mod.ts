/**
 * Kernel families: the registry (`KERNELS`, `getKernel`, `registerKernel`), the contract every
 * family keeps (`KernelFamily` and its plain-data vocabulary), and the three built-in families.
 * Generators are pure: a problem, a config and device caps in, WGSL and launch geometry out, so
 * everything here runs without a GPU.
 *
 * @example Generate the default matmul kernel of a problem, without a GPU
 * ```ts
 * import { DEFAULT_CAPS, getKernel } from "@wgtune/wgtune/kernels";
 * const family = getKernel("matmul");
 * const problem = family.parseShape("64x64x64");
 * const program = family.generate(problem, family.defaultConfig(problem, DEFAULT_CAPS), DEFAULT_CAPS);
 * console.log(program.entryPoint, program.bindings.length); // "main" 3
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./registry.ts";
export * from "./limits.ts";
export * from "./config_params.ts";
export * from "./matmul/family.ts";
export * from "./conv2d/family.ts";
export { generateConv2d } from "./conv2d/codegen.ts";
export * from "./attention/family.ts";
export type { AttentionProblem } from "./attention/problem.ts";
