/**
 * `attention()`: scaled dot-product attention on the GPU with the best known config.
 *
 * @module
 */
import type { Gpu } from "../gpu/device.ts";
import { attentionFamily } from "../kernels/attention/family.ts";
import type { AttentionProblemInput } from "../kernels/attention/problem.ts";
import type { HostTensor } from "../core/types.ts";
import {
  assertFloat32Array,
  assertLoadKernelOptions,
  assertObject,
  assertOpenGpu,
} from "./_check.ts";
import { describeList } from "../core/describe.ts";
import { runOp, type RunOpOptions } from "./run_op.ts";

/**
 * Shape and options of {@linkcode attention}: the attention problem's fields (see
 * {@linkcode AttentionProblemInput}), with the mask given as data.
 */
export interface AttentionShape extends Omit<AttentionProblemInput, "mask" | "maskShape"> {
  /**
   * Additive float mask (`-Infinity` excludes a key). Its shape is `maskShape`, or inferred from
   * its length: `[seqQ, seqKV]` or `[batch, heads, seqQ, seqKV]`.
   */
  mask?: Float32Array;
  /** Shape of `mask`, broadcastable (numpy rules) to `[batch, heads, seqQ, seqKV]`. */
  maskShape?: readonly number[];
}

function inferMaskShape(shape: Record<string, unknown>, mask: Float32Array): readonly number[] {
  // The sizes are validated first, so that a bad size is reported as itself, not as a bad mask.
  const { batch, heads, seqQ, seqKV } = attentionFamily.normalizeProblem(shape);
  if (mask.length === seqQ * seqKV) return [seqQ, seqKV];
  if (mask.length === batch * heads * seqQ * seqKV) return [batch, heads, seqQ, seqKV];
  throw new RangeError(
    `'mask' must have seqQ·seqKV (${seqQ * seqKV}) or batch·heads·seqQ·seqKV ` +
      `(${batch * heads * seqQ * seqKV}) elements, or come with a maskShape: current length is ` +
      `${mask.length}`,
  );
}

/**
 * Y = softmax(scale·Q·Kᵀ + mask, causal)·V on the GPU. Q is `[batch, heads, seqQ, headDim]`,
 * K `[batch, kvHeads, seqKV, headDim]`, V `[batch, kvHeads, seqKV, headDimV]`, all row-major;
 * returns Y `[batch, heads, seqQ, headDimV]`. A query row whose keys are all masked gives 0.
 *
 * Every argument is checked before any GPU work: `q`, `k`, `v` (and `shape.mask`) must be
 * `Float32Array`s of exactly these sizes, `shape` an object, `gpu` open. A wrong type is a
 * `TypeError`, a wrong value or length a `RangeError`, both naming the argument; a closed `gpu`
 * throws "the GPU device is closed".
 *
 * @example Two queries attending to three keys with a causal mask
 * ```ts
 * import { attention, openDevice } from "@wgtune/wgtune";
 * const gpu = await openDevice();
 * const q = new Float32Array([1, 0, 0, 1]);
 * const k = new Float32Array([1, 0, 0, 1, 1, 1]);
 * const v = new Float32Array([1, 2, 3, 4, 5, 6]);
 * const y = await attention(gpu, q, k, v, {
 *   batch: 1, heads: 1, seqQ: 2, seqKV: 3, headDim: 2, causal: true,
 * }, { cacheDir: null });
 * console.log(y.slice(0, 2)); // Float32Array [1, 2]: query 0 sees key 0 only
 * gpu.close();
 * ```
 */
export async function attention(
  gpu: Gpu,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  shape: AttentionShape,
  options: RunOpOptions = {},
): Promise<Float32Array> {
  assertOpenGpu(gpu);
  assertFloat32Array("q", q);
  assertFloat32Array("k", k);
  assertFloat32Array("v", v);
  assertObject("shape", shape);
  assertFloat32Array("mask", shape.mask, true);
  assertLoadKernelOptions(options);
  const { mask, maskShape, ...rest } = shape;
  if (maskShape !== undefined && mask === undefined) {
    throw new TypeError(
      `'maskShape' needs a 'mask': current maskShape is ${describeList(maskShape)}`,
    );
  }
  const problem: Record<string, unknown> = { ...rest };
  const inputs: HostTensor[] = [
    { name: "q", data: q },
    { name: "k", data: k },
    { name: "v", data: v },
  ];
  if (mask !== undefined) {
    problem.maskShape = maskShape ?? inferMaskShape(rest, mask);
    inputs.push({ name: "mask", data: mask });
  }
  return await runOp(gpu, "attention", problem, inputs, options) as Float32Array;
}
