/**
 * What the tuner checks conv2d kernels against: deterministic inputs, an independent float64
 * reference (plain nested loops over ONNX `Conv` semantics, sharing no code with the kernels) and
 * a dtype-aware tolerance.
 *
 * @module
 */
import { roundToDtype } from "../../core/dtype.ts";
import { seededRandom } from "../../core/random.ts";
import type { HostTensor, Tolerance } from "../types.ts";
import type { Conv2dProblem } from "./problem.ts";

/** Largest magnitude of the generated weights: inputs are in [-1, 1), weights in ±this. */
const WEIGHT_SCALE = 0.5;

/**
 * Deterministic pseudo-random inputs in binding order: `input` (the problem's layout) and
 * `weight` (ONNX order) uniform in [-1, 1) and [-0.5, 0.5), then `bias` in [-1, 1) when the
 * problem has one; values are already rounded to the storage dtype.
 *
 * @example Same seed, same tensors
 * ```ts
 * import { makeConv2dInputs } from "./reference.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 2, height: 3, width: 3, outChannels: 2, kernelH: 1, kernelW: 1,
 *   bias: true,
 * });
 * const a = makeConv2dInputs(p, 7);
 * console.log(a.map((t) => t.name), a[0]!.data[0] === makeConv2dInputs(p, 7)[0]!.data[0]);
 * // ["input", "weight", "bias"] true
 * ```
 */
export function makeConv2dInputs(problem: Conv2dProblem, seed: number): HostTensor[] {
  const { batch, inChannels, height, width, outChannels, kernelH, kernelW, groups, dtype } =
    problem;
  const random = seededRandom(seed);
  const fill = (length: number, scale: number): Float32Array =>
    roundToDtype(dtype, Float32Array.from({ length }, () => (2 * random() - 1) * scale));
  const tensors: HostTensor[] = [
    { name: "input", data: fill(batch * inChannels * height * width, 1) },
    {
      name: "weight",
      data: fill(outChannels * (inChannels / groups) * kernelH * kernelW, WEIGHT_SCALE),
    },
  ];
  if (problem.bias) tensors.push({ name: "bias", data: fill(outChannels, 1) });
  return tensors;
}

/**
 * The float64 reference output, in the problem's layout, computed with plain nested loops.
 * `inputs` are named tensors as from {@linkcode makeConv2dInputs}.
 *
 * @example A 1×1 input, 1×1 kernel with bias and ReLU
 * ```ts
 * import { conv2dReference } from "./reference.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 1, height: 1, width: 1, outChannels: 2, kernelH: 1, kernelW: 1,
 *   bias: true, activation: "relu",
 * });
 * const out = conv2dReference(p, [
 *   { name: "input", data: new Float32Array([2]) },
 *   { name: "weight", data: new Float32Array([3, -3]) },
 *   { name: "bias", data: new Float32Array([1, 1]) },
 * ]);
 * console.log([...out]); // [7, 0]
 * ```
 */
export function conv2dReference(
  problem: Conv2dProblem,
  inputs: readonly HostTensor[],
): Float64Array {
  const find = (name: string) => {
    const tensor = inputs.find((t) => t.name === name);
    if (!tensor) throw new TypeError(`'inputs' must contain a tensor named '${name}'`);
    return tensor.data;
  };
  const x = find("input");
  const w = find("weight");
  const b = problem.bias ? find("bias") : undefined;
  const {
    batch: N,
    inChannels: C,
    height: H,
    width: W,
    outChannels: K,
    kernelH: R,
    kernelW: S,
    strideH,
    strideW,
    padTop,
    padLeft,
    dilationH,
    dilationW,
    groups,
    layout,
    activation,
  } = problem;
  const P = Math.floor(
    (H + padTop + problem.padBottom - dilationH * (R - 1) - 1) / strideH,
  ) + 1;
  const Q = Math.floor(
    (W + padLeft + problem.padRight - dilationW * (S - 1) - 1) / strideW,
  ) + 1;
  const cPerGroup = C / groups;
  const kPerGroup = K / groups;
  const nhwc = layout === "NHWC";
  const inAt = (n: number, c: number, h: number, v: number): number =>
    nhwc ? ((n * H + h) * W + v) * C + c : ((n * C + c) * H + h) * W + v;
  const outAt = (n: number, k: number, p: number, q: number): number =>
    nhwc ? ((n * P + p) * Q + q) * K + k : ((n * K + k) * P + p) * Q + q;
  const out = new Float64Array(N * K * P * Q);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      const group = Math.floor(k / kPerGroup);
      for (let p = 0; p < P; p++) {
        for (let q = 0; q < Q; q++) {
          let sum = b ? b[k]! : 0;
          for (let c = 0; c < cPerGroup; c++) {
            for (let r = 0; r < R; r++) {
              const h = p * strideH - padTop + r * dilationH;
              if (h < 0 || h >= H) continue;
              for (let s = 0; s < S; s++) {
                const v = q * strideW - padLeft + s * dilationW;
                if (v < 0 || v >= W) continue;
                sum += x[inAt(n, group * cPerGroup + c, h, v)]! *
                  w[((k * cPerGroup + c) * R + r) * S + s]!;
              }
            }
          }
          if (activation === "relu") sum = Math.max(sum, 0);
          if (activation === "relu6") sum = Math.min(Math.max(sum, 0), 6);
          out[outAt(n, k, p, q)] = sum;
        }
      }
    }
  }
  return out;
}

/**
 * Tolerance for comparing a kernel's output with {@linkcode conv2dReference}, for inputs from
 * {@linkcode makeConv2dInputs}. Kernels accumulate in f32 in any order: the absolute part grows
 * with the reduction length `K = (inC/groups)·kH·kW` (rounding of partial sums of magnitude up
 * to about `√K`, over `K` additions); f16 adds the rounding of the output to half precision
 * (relative `2^-11`) and of the sum before the activation.
 *
 * @example f16 is looser than f32
 * ```ts
 * import { conv2dTolerance } from "./reference.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const shape = {
 *   batch: 1, inChannels: 64, height: 8, width: 8, outChannels: 8, kernelH: 3, kernelW: 3,
 * };
 * const f32 = conv2dTolerance(normalizeConv2dProblem(shape));
 * const f16 = conv2dTolerance(normalizeConv2dProblem({ ...shape, dtype: "f16" }));
 * console.log(f16.rtol > f32.rtol, f16.atol > f32.atol); // true true
 * ```
 */
export function conv2dTolerance(problem: Conv2dProblem): Tolerance {
  const k = (problem.inChannels / problem.groups) * problem.kernelH * problem.kernelW;
  const u32 = 2 ** -24;
  // Partial sums of K products of magnitude ≤ WEIGHT_SCALE grow like √K (random signs); K
  // roundings of relative size u32 each, with a safety factor of 8.
  const accumulate = 8 * u32 * (k + 1) * WEIGHT_SCALE * Math.sqrt(k + 1);
  if (problem.dtype === "f32") return { atol: accumulate + 1e-6, rtol: 8 * u32 };
  // f16 products are exact in f32; the output is rounded once (relative 2^-11, or the subnormal
  // spacing 2^-24 near zero).
  const u16 = 2 ** -11;
  return { atol: 2 * accumulate + 2 ** -24, rtol: 2 * u16 };
}
