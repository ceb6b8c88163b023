/**
 * TF.js's WebGPU backend running on a wgtune device, for side-by-side benchmarks.
 *
 * `@tensorflow/tfjs-backend-webgpu` registers itself when `navigator.gpu` exists, which it does in
 * Deno, so no browser shims are needed. Its own registration opens a second device on the same
 * adapter; here it is replaced by a backend built over the wgtune device, so that both libraries
 * submit to the same queue and are waited for the same way.
 *
 * @module
 */
// Bench-only dependencies stay out of the package's import map (deno.json), so they are pinned here.
// deno-lint-ignore no-import-prefix
import * as tf from "npm:@tensorflow/tfjs-core@4.22.0";
// deno-lint-ignore no-import-prefix
import { WebGPUBackend } from "npm:@tensorflow/tfjs-backend-webgpu@4.22.0";
import type { Gpu } from "../gpu/device.ts";

/** TF.js version the benchmarks run against. */
export const TFJS_VERSION = tf.version_core;

/** TF.js set up on a wgtune device. */
export interface TfjsOnGpu {
  /** The TF.js namespace, with the `webgpu` backend active. */
  readonly tf: typeof tf;
  /** The active backend. */
  readonly backend: WebGPUBackend;
  /** Wraps a GPU buffer of `float32` values as a tensor without copying it. */
  wrap(buffer: GPUBuffer, shape: number[]): tf.Tensor;
  /**
   * Submits the commands TF.js has recorded but not yet submitted (it batches up to
   * `WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE` dispatches per submit). After this, waiting on the device
   * queue waits for every op issued so far.
   */
  flush(): void;
}

/** The members of `WebGPUBackend` that the flush needs; private in its typings. */
interface BackendInternals {
  commandEncoder: GPUCommandEncoder | null;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

let active: { device: GPUDevice; tfjs: TfjsOnGpu } | undefined;

/**
 * Makes TF.js's `webgpu` backend run on `gpu.device` and activates it. Calling it again with the
 * same device returns the same object; another device is refused.
 *
 * @example Multiply two matrices on the wgtune device with TF.js
 * ```ts ignore
 * const gpu = await openDevice();
 * const { tf } = await useTfjsOn(gpu);
 * const c = tf.matMul(tf.ones([4, 3]), tf.ones([3, 2]));
 * console.log(await c.data());
 * ```
 */
export async function useTfjsOn(gpu: Gpu): Promise<TfjsOnGpu> {
  if (active) {
    if (active.device !== gpu.device) {
      throw new RangeError("'gpu' must be the device TF.js was first set up on");
    }
    return active.tfjs;
  }
  if (tf.findBackendFactory("webgpu")) tf.removeBackend("webgpu");
  const adapterInfo = { vendor: gpu.info.vendor, architecture: gpu.info.architecture };
  tf.registerBackend(
    "webgpu",
    () => new WebGPUBackend(gpu.device, adapterInfo as unknown as GPUAdapterInfo),
    3,
  );
  if (!await tf.setBackend("webgpu")) {
    throw new Error("TF.js could not initialize its webgpu backend on the wgtune device");
  }
  await tf.ready();
  const backend = tf.backend() as WebGPUBackend;
  const internals = backend as unknown as BackendInternals;
  const tfjs: TfjsOnGpu = {
    tf,
    backend,
    wrap: (buffer, shape) => tf.tensor({ buffer, zeroCopy: true }, shape, "float32"),
    flush() {
      internals.endComputePassEncoder();
      if (internals.commandEncoder) internals.submitQueue();
    },
  };
  active = { device: gpu.device, tfjs };
  return tfjs;
}

/** Deterministic values in [-1, 1) (a 32-bit LCG), so runs are reproducible. */
export function lcgValues(count: number, seed: number): Float32Array<ArrayBuffer> {
  const out = new Float32Array(count);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

/**
 * Runs one small, odd-shaped `tf.matMul` on the GPU and compares it with a float64 product on the
 * CPU; throws when the largest error exceeds `1e-4 · k`. Returns the largest absolute error.
 *
 * @example
 * ```ts ignore
 * const maxError = await checkTfjsMatmul(await useTfjsOn(gpu));
 * ```
 */
export async function checkTfjsMatmul(
  tfjs: TfjsOnGpu,
  m = 37,
  n = 29,
  k = 45,
): Promise<number> {
  const a = lcgValues(m * k, 11);
  const b = lcgValues(k * n, 12);
  const { tf } = tfjs;
  const ta = tf.tensor2d(a, [m, k]);
  const tb = tf.tensor2d(b, [k, n]);
  const tc = tf.matMul(ta, tb);
  const got = await tc.data();
  tf.dispose([ta, tb, tc]);
  let maxError = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[i * k + p]! * b[p * n + j]!;
      maxError = Math.max(maxError, Math.abs(sum - got[i * n + j]!));
    }
  }
  if (!(maxError <= 1e-4 * k)) {
    throw new Error(`TF.js matMul ${m}x${k}x${n} differs from the float64 product by ${maxError}`);
  }
  return maxError;
}
