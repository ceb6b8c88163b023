/**
 * Where the adapters' kernel runs happen: on the GPU through `runOp`, or on the kernel families'
 * float64 CPU references (to tell a mapping error from a kernel error, and to check the mappings
 * on machines without a GPU).
 *
 * @module
 */
import type { Gpu } from "../gpu/device.ts";
import { getKernel } from "../kernels/registry.ts";
import type { HostTensor } from "../core/types.ts";
import { runOp } from "../ops/run_op.ts";

/** Runs one registered kernel family on host inputs (named as the family's bindings). */
export interface OpExecutor {
  /** `"gpu"` or `"reference"`. */
  readonly name: string;
  /** Whether f16 problems can run. */
  readonly shaderF16: boolean;
  /** Runs family `op` on `problem` and returns its output. */
  run(op: string, problem: unknown, inputs: readonly HostTensor[]): Promise<ArrayLike<number>>;
}

/**
 * An executor that runs the families' default configs on `gpu` (`runOp` with `cacheDir: null`:
 * results never depend on what this machine tuned before).
 *
 * @example Run a kernel on the GPU
 * ```ts ignore
 * import { openDevice } from "../gpu/device.ts";
 * import { gpuExecutor } from "./executor.ts";
 * const exec = gpuExecutor(await openDevice());
 * const c = await exec.run("matmul", { m: 1, n: 1, k: 2 }, [
 *   { name: "a", data: new Float32Array([1, 2]) },
 *   { name: "b", data: new Float32Array([3, 4]) },
 * ]);
 * console.log(c[0]); // 11
 * ```
 */
export function gpuExecutor(gpu: Gpu): OpExecutor {
  return {
    name: "gpu",
    shaderF16: gpu.caps.shaderF16,
    run: (op, problem, inputs) => runOp(gpu, op, problem, inputs, { cacheDir: null }),
  };
}

/**
 * An executor that evaluates each family's float64 CPU reference instead of a kernel.
 *
 * @example Run a family's CPU reference instead of its kernel
 * ```ts ignore
 * import { referenceExecutor } from "./executor.ts";
 * const c = await referenceExecutor().run("matmul", { m: 1, n: 1, k: 2 }, [
 *   { name: "a", data: new Float32Array([1, 2]) },
 *   { name: "b", data: new Float32Array([3, 4]) },
 * ]);
 * console.log(c[0]); // 11
 * ```
 */
export function referenceExecutor(): OpExecutor {
  return {
    name: "reference",
    shaderF16: true,
    run(op, problem, inputs) {
      const family = getKernel(op);
      return Promise.resolve(family.reference(family.normalizeProblem(problem), inputs));
    },
  };
}
