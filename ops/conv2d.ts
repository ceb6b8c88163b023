/**
 * `conv2d()`: 2-D convolution with ONNX `Conv` semantics on the GPU with the best known config.
 *
 * @module
 */
import type { Gpu } from "../gpu/device.ts";
import type { Conv2dProblem } from "../kernels/conv2d/problem.ts";
import type { HostTensor } from "../core/types.ts";
import {
  assertFloat32Array,
  assertLoadKernelOptions,
  assertObject,
  assertOpenGpu,
} from "./_check.ts";
import { runOp, type RunOpOptions } from "./run_op.ts";

/**
 * Shape and options of {@linkcode conv2d}: the conv2d problem without `dtype` and `bias` (the
 * bias is present when the `bias` argument is). Optional fields default as in ONNX: strides,
 * dilations and groups 1, pads 0, layout `"NCHW"`, activation `"none"`.
 */
export type Conv2dShape =
  & Pick<
    Conv2dProblem,
    "batch" | "inChannels" | "height" | "width" | "outChannels" | "kernelH" | "kernelW"
  >
  & Partial<Omit<Conv2dProblem, "dtype" | "bias">>;

/**
 * Convolves `input` (`[batch, inChannels, height, width]` in NCHW, or `[batch, height, width,
 * inChannels]` in NHWC) with `weight` (ONNX order `[outChannels, inChannels/groups, kernelH,
 * kernelW]`), adds `bias` (`[outChannels]`) when given and applies the activation. The output
 * is in the input's layout. Runs in f32 with the tuned config for this device when the cache has
 * one, else the family's default (`options` can force a config or skip the cache).
 *
 * Every argument is checked before any GPU work: `input`, `weight` (and `bias`) must be
 * `Float32Array`s of exactly the problem's sizes, `shape` an object, `gpu` open. A wrong type is a
 * `TypeError`, a wrong value or length a `RangeError`, both naming the argument; a closed `gpu`
 * throws "the GPU device is closed".
 *
 * @example A 3×3 box filter with "same" padding
 * ```ts
 * import { conv2d, openDevice } from "@wgtune/wgtune";
 * const gpu = await openDevice();
 * const input = new Float32Array(16).fill(1);
 * const weight = new Float32Array(9).fill(1);
 * const out = await conv2d(gpu, input, weight, undefined, {
 *   batch: 1, inChannels: 1, height: 4, width: 4, outChannels: 1, kernelH: 3, kernelW: 3,
 *   padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
 * }, { cacheDir: null });
 * console.log(out[0], out[5]); // 4 9
 * gpu.close();
 * ```
 */
export async function conv2d(
  gpu: Gpu,
  input: Float32Array,
  weight: Float32Array,
  bias: Float32Array | undefined,
  shape: Conv2dShape,
  options: RunOpOptions = {},
): Promise<Float32Array> {
  assertOpenGpu(gpu);
  assertFloat32Array("input", input);
  assertFloat32Array("weight", weight);
  assertFloat32Array("bias", bias, true);
  assertObject("shape", shape);
  assertLoadKernelOptions(options);
  for (const key of ["dtype", "bias"]) {
    if (key in shape) {
      throw new TypeError(
        `'shape' must not have '${key}': conv2d() runs in f32 and takes the bias as an argument`,
      );
    }
  }
  const problem = { ...shape, bias: bias !== undefined };
  const inputs: HostTensor[] = [{ name: "input", data: input }, { name: "weight", data: weight }];
  if (bias !== undefined) inputs.push({ name: "bias", data: bias });
  return await runOp(gpu, "conv2d", problem, inputs, options) as Float32Array;
}
