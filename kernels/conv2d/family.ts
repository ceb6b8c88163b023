/**
 * The conv2d kernel family: 2-D convolution with ONNX `Conv` semantics (strides, asymmetric
 * pads, dilations, groups and depthwise, NCHW or NHWC, optional bias and ReLU/ReLU6, f32 or f16
 * storage with f32 accumulation), by direct convolution, implicit GEMM, or (one input channel
 * per group) register-blocked depthwise convolution, in blocks or in streamed bands of rows.
 *
 * @module
 */
import type { KernelFamily } from "../types.ts";
import { generateConv2d } from "./codegen.ts";
import { parseConv2dShape } from "./parse_shape.ts";
import {
  conv2dFlops,
  type Conv2dProblem,
  conv2dProblemKey,
  normalizeConv2dProblem,
} from "./problem.ts";
import { conv2dReference, conv2dTolerance, makeConv2dInputs } from "./reference.ts";
import { conv2dDefaultConfig, conv2dSpace } from "./space.ts";
import { CONV2D_VERSION } from "./version.ts";

export type { Conv2dProblem } from "./problem.ts";

/**
 * The conv2d kernel family.
 *
 * @example Generate the default kernel of a ResNet layer, without a GPU
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { conv2dFamily } from "./family.ts";
 * const problem = conv2dFamily.parseShape("N8,C64,H56,W56,K64,R3,S3,stride1,pad1");
 * const config = conv2dFamily.defaultConfig(problem, DEFAULT_CAPS);
 * const program = conv2dFamily.generate(problem, config, DEFAULT_CAPS);
 * console.log(program.bindings.at(-1)!.elements); // 1605632
 * ```
 */
export const conv2dFamily: KernelFamily<Conv2dProblem> = Object.freeze({
  name: "conv2d",
  version: CONV2D_VERSION,
  normalizeProblem: normalizeConv2dProblem,
  parseShape: parseConv2dShape,
  defaultShapes: Object.freeze([
    "N1,C32,H32,K32,R3,pad1",
    "N1,C64,H14,K64,R3,pad1",
    "N1,C64,H28,K128,R1",
  ]),
  testShapes: Object.freeze(["N1,C3,H9,W7,K5,R3,S3,stride2,pad1"]),
  problemKey: conv2dProblemKey,
  space: conv2dSpace,
  defaultConfig: conv2dDefaultConfig,
  generate: generateConv2d,
  flops: conv2dFlops,
  makeInputs: makeConv2dInputs,
  reference: conv2dReference,
  tolerance: conv2dTolerance,
});
