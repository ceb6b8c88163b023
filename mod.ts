/**
 * wgtune: a WebGPU kernel autotuner. It generates parameterized WGSL compute kernels, searches
 * their config spaces under budgets, checks every candidate against a float64 reference, and caches
 * the winner per device fingerprint.
 *
 * @example Open a device, multiply, and tune
 * ```ts ignore
 * import { matmul, openDevice, tune } from "@wgtune/wgtune";
 * const gpu = await openDevice();
 * const c = await matmul(gpu, a, b, { m: 256, n: 256, k: 256 });
 * const r = await tune(gpu, { op: "matmul", problem: { m: 256, n: 256, k: 256 } }, {
 *   strategy: "random",
 *   maxEvals: 20,
 * });
 * console.log(r.best.config, `${r.speedup.toFixed(2)}x over the default`);
 * ```
 *
 * @module
 */
export * from "./gpu/device.ts";
export * from "./gpu/fingerprint.ts";
export * from "./gpu/program.ts";
export * from "./gpu/tensor_io.ts";
export { bufferBytes, roundToDtype } from "./core/dtype.ts";
export * from "./kernels/types.ts";
export * from "./kernels/registry.ts";
export * from "./kernels/limits.ts";
export * from "./kernels/config_params.ts";
export * from "./kernels/matmul/family.ts";
export * from "./kernels/conv2d/family.ts";
export * from "./kernels/attention/family.ts";
export type {
  AttentionDtype,
  AttentionMaskKind,
  AttentionProblem,
  AttentionProblemInput,
} from "./kernels/attention/problem.ts";
export * from "./search/types.ts";
export * from "./core/space.ts";
export * from "./core/random.ts";
export * from "./search/grid.ts";
export * from "./search/random.ts";
export * from "./search/bayes.ts";
export * from "./search/replay.ts";
export * from "./search/registry.ts";
export type { TrialRecord, TrialStatus } from "./core/trial.ts";
export * from "./tuner/types.ts";
export * from "./tuner/tune.ts";
export * from "./tuner/candidate.ts";
export * from "./tuner/runners.ts";
export * from "./tuner/warm_start.ts";
export * from "./tuner/confirm.ts";
export * from "./core/device_fit.ts";
export * from "./tuner/measure.ts";
export { quantile, summarizeTimings, type TimingSummary } from "./core/stats.ts";
export * from "./core/compare.ts";
export * from "./cache/mod.ts";
export * from "./ops/kernel_handle.ts";
export * from "./ops/run_op.ts";
export * from "./ops/matmul.ts";
export * from "./ops/conv2d.ts";
export * from "./ops/attention.ts";
export * from "./runtime/session.ts";
