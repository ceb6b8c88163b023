/**
 * Runs one operation on host arrays with the best known config for this device.
 *
 * @module
 */
import type { Gpu } from "../gpu/device.ts";
import { bindProgram, dispatchAndRead } from "../gpu/program.ts";
import type { HostTensor } from "../kernels/types.ts";
import { loadKernel, type LoadKernelOptions } from "./kernel_handle.ts";

/** Options of {@linkcode runOp}: the same as for `loadKernel`. */
export type RunOpOptions = LoadKernelOptions;

/**
 * Runs operation `op` on `problem` with host inputs (named as the family's bindings) and returns
 * the output (the family's last binding).
 *
 * @example
 * ```ts ignore
 * import { openDevice, runOp } from "@wgtune/wgtune";
 * const gpu = await openDevice();
 * const c = await runOp(gpu, "matmul", { m: 2, n: 2, k: 2 }, [
 *   { name: "a", data: new Float32Array([1, 2, 3, 4]) },
 *   { name: "b", data: new Float32Array([1, 0, 0, 1]) },
 * ]);
 * ```
 */
export async function runOp(
  gpu: Gpu,
  op: string,
  problem: unknown,
  inputs: readonly HostTensor[],
  options: RunOpOptions = {},
): Promise<Float32Array | Int32Array> {
  const kernel = await loadKernel(gpu, op, problem, options);
  for (const binding of kernel.program.bindings) {
    if (binding.access !== "read") continue;
    const input = inputs.find((t) => t.name === binding.name);
    if (!input) throw new TypeError(`${op}: missing input '${binding.name}'`);
    if (input.data.length !== binding.elements) {
      throw new RangeError(
        `${op}: input '${binding.name}' must have ${binding.elements} elements: current length is ${input.data.length}`,
      );
    }
  }
  const bound = bindProgram(gpu, { program: kernel.program, pipeline: kernel.pipeline }, inputs);
  try {
    return await dispatchAndRead(gpu, bound);
  } finally {
    bound.destroy();
  }
}
