/**
 * The attention kernel family: flash-style scaled dot-product attention with grouped-query
 * heads, causal and additive masks, f32 and f16.
 *
 * @module
 */
import { parseAttentionShape } from "./parse_shape.ts";
import type { KernelFamily } from "../types.ts";
import { generateAttention } from "./codegen.ts";
import { ATTENTION_VERSION } from "./version.ts";
import {
  attentionFlops,
  type AttentionProblem,
  attentionProblemKey,
  normalizeAttentionProblem,
} from "./problem.ts";
import { attentionReference, attentionTolerance, makeAttentionInputs } from "./reference.ts";
import { attentionSpace, defaultAttentionConfig } from "./space.ts";

/**
 * Scaled dot-product attention (ONNX `Attention`, opset 23 semantics). Bindings: `q`, `k`, `v`,
 * `mask` (when the problem has one), `output`.
 *
 * @example Generate the default kernel for a CLI shape
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { attentionFamily } from "./family.ts";
 * const problem = attentionFamily.parseShape("B1,H8,KV2,Sq128,Skv512,D64,causal");
 * const config = attentionFamily.defaultConfig(problem, DEFAULT_CAPS);
 * const program = attentionFamily.generate(problem, config, DEFAULT_CAPS);
 * console.log(attentionFamily.problemKey(problem), program.workgroupSize);
 * ```
 */
export const attentionFamily: KernelFamily<AttentionProblem> = {
  name: "attention",
  version: ATTENTION_VERSION,
  normalizeProblem: normalizeAttentionProblem,
  parseShape: parseAttentionShape,
  defaultShapes: Object.freeze(["B1,H4,S128,D64", "B1,H8,KV2,Sq64,Skv256,D64,causal"]),
  testShapes: Object.freeze(["B1,H2,Sq7,Skv13,D8,causal"]),
  problemKey: attentionProblemKey,
  space: attentionSpace,
  defaultConfig: defaultAttentionConfig,
  generate: generateAttention,
  flops: attentionFlops,
  makeInputs: makeAttentionInputs,
  reference: attentionReference,
  tolerance: attentionTolerance,
};
