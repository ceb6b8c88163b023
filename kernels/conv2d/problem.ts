/**
 * The conv2d problem with ONNX `Conv` semantics: validation, defaults, output size, the tuning key
 * and the operation count.
 *
 * `output[n, co, oh, ow] = act(bias[co] + Σ input[n, g·Cg + ci, oh·sH − padTop + r·dH,
 * ow·sW − padLeft + s·dW] · weight[co, ci, r, s])`, summed over `ci < Cg = inChannels / groups`,
 * `r < kernelH`, `s < kernelW`, where `g = floor(co / (outChannels / groups))` and taps that fall
 * into the padding read zero. The weight is in ONNX order `[outChannels, Cg, kernelH, kernelW]`;
 * input and output use the problem's layout (`NCHW` or `NHWC`).
 *
 * @module
 */
import {
  assertKnownFields,
  nonNegativeInteger,
  oneOf,
  positiveInteger,
} from "../../core/checks.ts";
import { describeList } from "../../core/describe.ts";

/** Element type of the input, weight, bias and output. */
export type Conv2dDtype = "f32" | "f16";

/** Memory layout of the input and output tensors. */
export type Conv2dLayout = "NCHW" | "NHWC";

/** Activation applied after the optional bias. */
export type Conv2dActivation = "none" | "relu" | "relu6";

/** A normalized conv2d problem: every field present and validated. */
export interface Conv2dProblem {
  /** Images per batch (N). */
  readonly batch: number;
  /** Input channels (C). */
  readonly inChannels: number;
  /** Input height (H). */
  readonly height: number;
  /** Input width (W). */
  readonly width: number;
  /** Output channels (K, ONNX's M). */
  readonly outChannels: number;
  /** Kernel height (R). */
  readonly kernelH: number;
  /** Kernel width (S). */
  readonly kernelW: number;
  /** Vertical stride. */
  readonly strideH: number;
  /** Horizontal stride. */
  readonly strideW: number;
  /** Zero rows added above the input. */
  readonly padTop: number;
  /** Zero columns added left of the input. */
  readonly padLeft: number;
  /** Zero rows added below the input. */
  readonly padBottom: number;
  /** Zero columns added right of the input. */
  readonly padRight: number;
  /** Vertical dilation of the kernel taps. */
  readonly dilationH: number;
  /** Horizontal dilation of the kernel taps. */
  readonly dilationW: number;
  /** Channel groups; `groups == inChannels == outChannels` is a depthwise convolution. */
  readonly groups: number;
  /** Layout of input and output. */
  readonly layout: Conv2dLayout;
  /** Activation after the bias. */
  readonly activation: Conv2dActivation;
  /** Whether a bias of `outChannels` values is added. */
  readonly bias: boolean;
  /** Storage type (f16 needs the device's `shader-f16` feature; accumulation is f32). */
  readonly dtype: Conv2dDtype;
}

const POSITIVE = [
  "batch",
  "inChannels",
  "height",
  "width",
  "outChannels",
  "kernelH",
  "kernelW",
] as const;
const DEFAULTED_ONE = ["strideH", "strideW", "dilationH", "dilationW", "groups"] as const;
const PADS = ["padTop", "padLeft", "padBottom", "padRight"] as const;
const FIELDS: readonly string[] = [
  ...POSITIVE,
  ...DEFAULTED_ONE,
  ...PADS,
  "layout",
  "activation",
  "bias",
  "dtype",
];
const LAYOUTS: readonly Conv2dLayout[] = ["NCHW", "NHWC"];
const ACTIVATIONS: readonly Conv2dActivation[] = ["none", "relu", "relu6"];
const DTYPES: readonly Conv2dDtype[] = ["f32", "f16"];

/**
 * Output height of a problem: `floor((H + padTop + padBottom − dilationH·(kernelH − 1) − 1) /
 * strideH) + 1`.
 *
 * @example A 3×3 "same" convolution keeps the height
 * ```ts
 * import { conv2dOutputHeight, normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 3, height: 56, width: 56, outChannels: 8, kernelH: 3, kernelW: 3,
 *   padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
 * });
 * console.log(conv2dOutputHeight(p)); // 56
 * ```
 */
export function conv2dOutputHeight(
  problem: Pick<
    Conv2dProblem,
    "height" | "padTop" | "padBottom" | "dilationH" | "kernelH" | "strideH"
  >,
): number {
  const { height, padTop, padBottom, dilationH, kernelH, strideH } = problem;
  return Math.floor((height + padTop + padBottom - dilationH * (kernelH - 1) - 1) / strideH) + 1;
}

/**
 * Output width of a problem: `floor((W + padLeft + padRight − dilationW·(kernelW − 1) − 1) /
 * strideW) + 1`.
 *
 * @example The 7×7 stride-2 stem halves 224
 * ```ts
 * import { conv2dOutputWidth, normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 3, height: 224, width: 224, outChannels: 64, kernelH: 7, kernelW: 7,
 *   strideH: 2, strideW: 2, padTop: 3, padLeft: 3, padBottom: 3, padRight: 3,
 * });
 * console.log(conv2dOutputWidth(p)); // 112
 * ```
 */
export function conv2dOutputWidth(
  problem: Pick<
    Conv2dProblem,
    "width" | "padLeft" | "padRight" | "dilationW" | "kernelW" | "strideW"
  >,
): number {
  const { width, padLeft, padRight, dilationW, kernelW, strideW } = problem;
  return Math.floor((width + padLeft + padRight - dilationW * (kernelW - 1) - 1) / strideW) + 1;
}

/**
 * Validates a conv2d problem and fills its defaults (strides, dilations and groups 1, pads 0,
 * `layout = "NCHW"`, `activation = "none"`, `bias = false`, `dtype = "f32"`). Throws a
 * `TypeError` or `RangeError` naming the bad field and its value; unknown fields are rejected so
 * that typos do not go unnoticed.
 *
 * @example Fill defaults of a depthwise convolution
 * ```ts
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 32, height: 28, width: 28, outChannels: 32, kernelH: 3, kernelW: 3,
 *   groups: 32,
 * });
 * console.log(p.strideH, p.padTop, p.layout, p.dtype); // 1 0 "NCHW" "f32"
 * ```
 */
export function normalizeConv2dProblem(problem: unknown): Conv2dProblem {
  assertKnownFields("problem", problem, FIELDS);
  const p = problem;
  const out: Record<string, unknown> = {};
  for (const name of POSITIVE) out[name] = positiveInteger(name, p[name]);
  for (const name of DEFAULTED_ONE) {
    out[name] = p[name] === undefined ? 1 : positiveInteger(name, p[name]);
  }
  for (const name of PADS) {
    out[name] = p[name] === undefined ? 0 : nonNegativeInteger(name, p[name]);
  }
  out.layout = oneOf("layout", p.layout ?? "NCHW", LAYOUTS);
  out.activation = oneOf("activation", p.activation ?? "none", ACTIVATIONS);
  const bias = p.bias ?? false;
  if (typeof bias !== "boolean") {
    throw new TypeError(`'bias' must be a boolean: current value is ${describeList(bias)}`);
  }
  out.bias = bias;
  out.dtype = oneOf("dtype", p.dtype ?? "f32", DTYPES);
  const result = out as unknown as Conv2dProblem;
  const { inChannels, outChannels, groups } = result;
  if (inChannels % groups !== 0) {
    throw new RangeError(
      `'groups' must divide inChannels (${inChannels}): current value is ${groups}`,
    );
  }
  if (outChannels % groups !== 0) {
    throw new RangeError(
      `'groups' must divide outChannels (${outChannels}): current value is ${groups}`,
    );
  }
  const outH = conv2dOutputHeight(result);
  if (outH < 1) {
    throw new RangeError(
      `output height must be at least 1: 'height' ${result.height} with padTop ${result.padTop}, ` +
        `padBottom ${result.padBottom}, kernelH ${result.kernelH}, dilationH ${result.dilationH} ` +
        `and strideH ${result.strideH} gives ${outH}`,
    );
  }
  const outW = conv2dOutputWidth(result);
  if (outW < 1) {
    throw new RangeError(
      `output width must be at least 1: 'width' ${result.width} with padLeft ${result.padLeft}, ` +
        `padRight ${result.padRight}, kernelW ${result.kernelW}, dilationW ${result.dilationW} ` +
        `and strideW ${result.strideW} gives ${outW}`,
    );
  }
  return Object.freeze(result);
}

/** Derived sizes of a problem that every kernel and the reference use. */
export interface Conv2dDims {
  /** Output height. */
  readonly outH: number;
  /** Output width. */
  readonly outW: number;
  /** Input channels per group. */
  readonly cg: number;
  /** Output channels per group. */
  readonly ng: number;
  /** Reduction length per output: `cg · kernelH · kernelW`. */
  readonly k: number;
  /** Output pixels: `batch · outH · outW`. */
  readonly m: number;
}

/**
 * The derived sizes of a problem (output size, channels per group, GEMM sizes).
 *
 * @example Implicit-GEMM sizes of a grouped convolution
 * ```ts
 * import { conv2dDims, normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 2, inChannels: 8, height: 5, width: 5, outChannels: 4, kernelH: 3, kernelW: 3, groups: 2,
 * });
 * const { m, k, cg, ng } = conv2dDims(p);
 * console.log(m, k, cg, ng); // 18 36 4 2
 * ```
 */
export function conv2dDims(problem: Conv2dProblem): Conv2dDims {
  const outH = conv2dOutputHeight(problem);
  const outW = conv2dOutputWidth(problem);
  const cg = problem.inChannels / problem.groups;
  const ng = problem.outChannels / problem.groups;
  return {
    outH,
    outW,
    cg,
    ng,
    k: cg * problem.kernelH * problem.kernelW,
    m: problem.batch * outH * outW,
  };
}

/**
 * Element counts of the tensors: input, weight, bias (0 without bias) and output.
 *
 * @example Tensor sizes of a 3×3 convolution
 * ```ts
 * import { conv2dTensorSizes, normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 2, height: 4, width: 4, outChannels: 3, kernelH: 3, kernelW: 3,
 * });
 * console.log(conv2dTensorSizes(p)); // { input: 32, weight: 54, bias: 0, output: 12 }
 * ```
 */
export function conv2dTensorSizes(
  problem: Conv2dProblem,
): { input: number; weight: number; bias: number; output: number } {
  const { outH, outW, k } = conv2dDims(problem);
  const { batch, inChannels, height, width, outChannels } = problem;
  return {
    input: batch * inChannels * height * width,
    weight: outChannels * k,
    bias: problem.bias ? outChannels : 0,
    output: batch * outChannels * outH * outW,
  };
}

/**
 * The tuning key of a problem: every field, always in the same order, with only `[a-z0-9_x]`
 * characters, for example `"f32_nchw_n8_c64_h56_w56_k64_r3_s3_str1x1_pad1x1x1x1_dil1x1_g1"`
 * followed by `_bias` and `_relu` / `_relu6` when present. Pads are top, left, bottom, right.
 *
 * @example Key of a ResNet 3×3 layer
 * ```ts
 * import { conv2dProblemKey, normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 8, inChannels: 64, height: 56, width: 56, outChannels: 64, kernelH: 3, kernelW: 3,
 *   padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, bias: true, activation: "relu",
 * });
 * console.log(conv2dProblemKey(p));
 * // "f32_nchw_n8_c64_h56_w56_k64_r3_s3_str1x1_pad1x1x1x1_dil1x1_g1_bias_relu"
 * ```
 */
export function conv2dProblemKey(problem: Conv2dProblem): string {
  const p = problem;
  return `${p.dtype}_${p.layout.toLowerCase()}_n${p.batch}_c${p.inChannels}_h${p.height}` +
    `_w${p.width}_k${p.outChannels}_r${p.kernelH}_s${p.kernelW}_str${p.strideH}x${p.strideW}` +
    `_pad${p.padTop}x${p.padLeft}x${p.padBottom}x${p.padRight}` +
    `_dil${p.dilationH}x${p.dilationW}_g${p.groups}` +
    (p.bias ? "_bias" : "") + (p.activation === "none" ? "" : `_${p.activation}`);
}

/**
 * Floating-point operations of one run: `2·batch·outC·outH·outW·(inC/groups)·kH·kW` (bias and
 * activation are not counted).
 *
 * @example Operations of a small convolution
 * ```ts
 * import { conv2dFlops, normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 4, height: 3, width: 3, outChannels: 2, kernelH: 3, kernelW: 3,
 * });
 * console.log(conv2dFlops(p)); // 144
 * ```
 */
export function conv2dFlops(problem: Conv2dProblem): number {
  const { m, k } = conv2dDims(problem);
  return 2 * m * problem.outChannels * k;
}
