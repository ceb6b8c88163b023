/**
 * wgtune: a WebGPU kernel autotuner and model runtime. It generates parameterized WGSL compute
 * kernels, searches their config spaces under budgets, checks every candidate against a float64
 * reference, caches the winner per device fingerprint, and runs ONNX models on the tuned kernels.
 *
 * This module is what a user of the library needs: open a device (`openDevice`), run an op with
 * the best known config (`matmul`, `conv2d`, `attention`, `runOp`, `loadKernel`), tune
 * (`tune`, strategies by name in `STRATEGIES`, the shared `DEFAULT_*` budgets), read the cache
 * (`TuneCache`, `defaultCacheDir`) and run a model (`createSession`, `Session`). Deeper layers
 * have sub-path exports of their own: `@wgtune/wgtune/kernels` (families, the registry and
 * `registerKernel`), `/search` (spaces, strategies), `/tuner` (measurement, statistics,
 * validation), `/gpu` (programs, tensor encoding, fingerprints), `/cache`, `/onnx`, `/graph` and
 * `/cli`.
 *
 * @example Open a device, multiply, and tune
 * ```ts
 * import { matmul, openDevice, tune } from "@wgtune/wgtune";
 * const gpu = await openDevice();
 * const a = new Float32Array([1, 2, 3, 4]);
 * const b = new Float32Array([5, 6, 7, 8]);
 * const c = await matmul(gpu, a, b, { m: 2, n: 2, k: 2 }, { cacheDir: null });
 * console.log(c); // Float32Array [19, 22, 43, 50]
 * const r = await tune(gpu, { op: "matmul", problem: { m: 16, n: 16, k: 16 } }, {
 *   maxEvals: 2,
 *   measureMs: 5,
 *   cacheDir: null,
 * });
 * console.log(r.best.config, `${r.speedup.toFixed(2)}x over the default`);
 * gpu.close();
 * ```
 *
 * @module
 */
export {
  type BackendChoice,
  DeviceLostError,
  type Gpu,
  NoAdapterError,
  openDevice,
  type OpenDeviceOptions,
} from "./gpu/device.ts";
export { matmul, type MatmulShape } from "./ops/matmul.ts";
export { conv2d, type Conv2dShape } from "./ops/conv2d.ts";
export { attention, type AttentionShape } from "./ops/attention.ts";
export { runOp, type RunOpOptions } from "./ops/run_op.ts";
export { type KernelHandle, loadKernel, type LoadKernelOptions } from "./ops/kernel_handle.ts";
export { tune } from "./tuner/tune.ts";
export type {
  TimedConfig,
  TuneEvent,
  TuneOptions,
  TuneRequest,
  TuneResult,
} from "./tuner/types.ts";
export type { TrialRecord } from "./core/trial.ts";
export * from "./tuner/defaults.ts";
export { getStrategy, STRATEGIES } from "./search/registry.ts";
export type { SearchStrategy } from "./search/types.ts";
export type { TrialStatus } from "./core/trial.ts";
export type { Config, ParamValue } from "./core/types.ts";
export { defaultCacheDir, TuneCache } from "./cache/mod.ts";
export type { CacheEntry } from "./cache/types.ts";
export {
  createSession,
  Session,
  type SessionInput,
  type SessionOptions,
  type SessionOutput,
  type SessionReport,
} from "./runtime/session.ts";
export type { HostTensor } from "./runtime/host_tensor.ts";
