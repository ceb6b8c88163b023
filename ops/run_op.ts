/**
 * Runs one operation on host arrays with the best known config for this device.
 *
 * @module
 */
import type { Gpu } from "../gpu/device.ts";
import { bindProgram, dispatchAndRead } from "../gpu/program.ts";
import type { HostTensor } from "../kernels/types.ts";
import { getKernel } from "../kernels/registry.ts";
import { assertHostTensors, assertLoadKernelOptions, assertOpenGpu } from "./_check.ts";
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
  assertOpenGpu(gpu);
  getKernel(op);
  assertHostTensors(inputs);
  assertLoadKernelOptions(options);
  const kernel = await loadKernel(gpu, op, problem, options);
  const { bindings } = kernel.program;
  const readable = bindings.filter((b) => b.access === "read");
  for (const input of inputs) {
    if (!readable.some((b) => b.name === input.name)) {
      throw new RangeError(
        `${op}: 'inputs' has an unknown tensor '${input.name}': expected ${
          readable.map((b) => b.name).join(", ")
        }`,
      );
    }
  }
  for (const binding of readable) {
    const input = inputs.find((t) => t.name === binding.name);
    if (!input) throw new TypeError(`${op}: missing input '${binding.name}'`);
    const float = binding.dtype === "f32" || binding.dtype === "f16";
    if (float !== (input.data instanceof Float32Array)) {
      throw new TypeError(
        `${op}: input '${binding.name}' (${binding.dtype}) must be ${
          float ? "a Float32Array" : "an Int32Array"
        }: current value is a ${input.data.constructor.name}`,
      );
    }
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
