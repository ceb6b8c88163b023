/**
 * `matmul()`: row-major matrix multiplication on the GPU with the best known config.
 *
 * @module
 */
import type { Gpu } from "../gpu/device.ts";
import type { HostTensor } from "../core/types.ts";
import {
  assertFloat32Array,
  assertLoadKernelOptions,
  assertObject,
  assertOpenGpu,
} from "./_check.ts";
import { runOp, type RunOpOptions } from "./run_op.ts";

/** Shape and options of {@linkcode matmul}. */
export interface MatmulShape {
  /** Rows of A and C. */
  m: number;
  /** Columns of B and C. */
  n: number;
  /** Columns of A, rows of B. */
  k: number;
  /**
   * Number of independent products (A is [batch, m, k], B [batch, k, n]).
   * @default {1}
   */
  batch?: number;
  /** Optional bias of length n added to every row of C. */
  bias?: Float32Array;
  /**
   * Epilogue applied after the bias.
   * @default {"none"}
   */
  activation?: "none" | "relu";
  /**
   * Storage type on the GPU (`"f16"` needs the `shader-f16` feature).
   * @default {"f32"}
   */
  dtype?: "f32" | "f16";
}

/**
 * C[m×n] = A[m×k] · B[k×n] (+ bias, ReLU), row-major, on the GPU.
 *
 * Checks every argument before any GPU work: `a`, `b` (and `shape.bias`) must be `Float32Array`s
 * of `batch·m·k`, `batch·k·n` (and `n`) elements, `shape` an object of positive integers, `gpu`
 * open. A wrong type is a `TypeError`, a wrong value or length a `RangeError`, both naming the
 * argument; a closed `gpu` throws "the GPU device is closed".
 *
 * @example
 * ```ts
 * import { matmul, openDevice } from "@wgtune/wgtune";
 * const gpu = await openDevice();
 * const c = await matmul(gpu, new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), {
 *   m: 2,
 *   n: 2,
 *   k: 2,
 * }, { cacheDir: null });
 * console.log(c); // Float32Array [19, 22, 43, 50]
 * gpu.close();
 * ```
 */
export async function matmul(
  gpu: Gpu,
  a: Float32Array,
  b: Float32Array,
  shape: MatmulShape,
  options: RunOpOptions = {},
): Promise<Float32Array> {
  assertOpenGpu(gpu);
  assertFloat32Array("a", a);
  assertFloat32Array("b", b);
  assertObject("shape", shape);
  assertFloat32Array("bias", shape.bias, true);
  assertLoadKernelOptions(options);
  const { bias, ...rest } = shape;
  const problem = { ...rest, bias: bias !== undefined };
  const inputs: HostTensor[] = [{ name: "a", data: a }, { name: "b", data: b }];
  if (bias !== undefined) inputs.push({ name: "bias", data: bias });
  return await runOp(gpu, "matmul", problem, inputs, options) as Float32Array;
}
