/**
 * Runs one operation on host arrays with the best known config for this device.
 *
 * @module
 */
import type { Gpu } from "../gpu/device.ts";
import { bindProgram, dispatchAndRead } from "../gpu/program.ts";
import type { BufferBinding, HostTensor } from "../core/types.ts";
import { getKernel } from "../kernels/registry.ts";
import {
  assertHostTensors,
  assertInputsMatch,
  assertLoadKernelOptions,
  assertOpenGpu,
} from "./_check.ts";
import { loadKernel, type LoadKernelOptions } from "./kernel_handle.ts";

/** Options of {@linkcode runOp}: the same as for `loadKernel`. */
export type RunOpOptions = LoadKernelOptions;

/**
 * Runs operation `op` on `problem` with host inputs (named as the family's bindings) and returns
 * the output (the family's last binding).
 *
 * Every argument is checked before any GPU work: an open `gpu`, a registered `op`, `inputs` an
 * array of `{ name, data }` naming each input binding once (float bindings take a `Float32Array`,
 * integer ones an `Int32Array`, of exactly the binding's length), and the options' types. Errors
 * are one-line `TypeError`/`RangeError`s naming the argument; a closed `gpu` is an `Error`.
 *
 * @example
 * ```ts
 * import { openDevice, runOp } from "@wgtune/wgtune";
 * const gpu = await openDevice();
 * const c = await runOp(gpu, "matmul", { m: 2, n: 2, k: 2 }, [
 *   { name: "a", data: new Float32Array([1, 2, 3, 4]) },
 *   { name: "b", data: new Float32Array([1, 0, 0, 1]) },
 * ], { cacheDir: null });
 * console.log(c); // Float32Array [1, 2, 3, 4]
 * gpu.close();
 * ```
 */
export async function runOp(
  gpu: Gpu,
  op: string,
  problem: unknown,
  inputs: readonly HostTensor[],
  options: RunOpOptions = {},
): Promise<Float32Array | Int32Array> {
  assertOpenGpu(gpu);
  const family = getKernel(op);
  assertHostTensors(inputs);
  assertLoadKernelOptions(options);
  // Bindings (names, dtypes, lengths) depend on the problem only: the default config's program,
  // generated without the GPU, checks the inputs before any cache lookup or compilation.
  const normalized = family.normalizeProblem(problem);
  let expected: readonly BufferBinding[] | undefined;
  try {
    expected = family.generate(normalized, family.defaultConfig(normalized, gpu.caps), gpu.caps)
      .bindings;
  } catch {
    expected = undefined; // loadKernel reports why the problem cannot run
  }
  if (expected) assertInputsMatch(op, expected, inputs);
  const kernel = await loadKernel(gpu, op, problem, options);
  assertInputsMatch(op, kernel.program.bindings, inputs);
  const bound = bindProgram(gpu, { program: kernel.program, pipeline: kernel.pipeline }, inputs);
  try {
    return await dispatchAndRead(gpu, bound);
  } finally {
    bound.destroy();
  }
}
