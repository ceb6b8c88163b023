/**
 * ONNX `Attention` nodes (opset 23, default domain) on the tuned `attention` family. The node's
 * sizes, scale, soft cap, causal flag and mask come from the mapping the conformance adapter uses
 * (`kernels/attention/onnx_mapping.ts`).
 *
 * - 4-D Q/K/V `[B, N, S, H]` bind as they are; 3-D `[B, S, N·H]` ones are split into heads by a
 *   Transpose program into scratch buffers before the kernel, and the output is merged back after
 *   it (skipped where the move is the identity: one head, or one position).
 * - Grouped-query heads, `scale`, `softcap` and `is_causal` are the family's own.
 * - `past_key`/`past_value` are concatenated in front of K and V by Concat programs, straight into
 *   `present_key`/`present_value` when the node has them; the causal diagonal moves by the past
 *   length.
 * - `attn_mask`: a float mask known only at run time binds as the kernel's additive mask when it
 *   covers every key; other run-time masks (bool, or shorter than the keys) are converted by a
 *   program before the kernel; a mask known at plan time (bool or float, shorter ones padded with
 *   −∞) is converted on the host once.
 *
 * - `nonpad_kv_seqlen` (opset 24): the per-batch key lengths, and for causal attention without a
 *   past the per-batch causal frontier `j <= i + len[b] - Sq`, are composed with the mask by a
 *   program into one mask `[B, N or 1, Sq, Skv]`.
 *
 * - `qk_matmul_output` (output 3): a program after the kernel computes the scores in the mode the
 *   node asks for (`runtime/ops/attention_scores.ts`).
 *
 * Declined (the node then runs on onnxruntime's CPU provider): mode-3 scores of long rows,
 * `present_*` without a past, `softmax_precision` below float32, and empty tensors.
 *
 * @module
 */
import { attentionFamily } from "../kernels/attention/family.ts";
import {
  onnxAdditiveMask,
  type OnnxAttentionSizes,
  onnxAttentionSizes,
} from "../kernels/attention/onnx_mapping.ts";
import type { OnnxAttributes } from "../onnx/graph.ts";
import { floatAttr, intAttr } from "./ops/attributes.ts";
import { additiveMaskProgram, nonpadMaskProgram } from "./ops/attention_mask.ts";
import { MAX_SOFTMAX_ROW_WORK, qkScoresProgram } from "./ops/attention_scores.ts";
import { concatOp, transposeOp } from "./ops/movement.ts";
import type { OpNode } from "./ops/types.ts";
import type { TunedBinding, TunedNodePlan, TunedProgram } from "./tuned_types.ts";

/** `softmax_precision` codes (FLOAT, DOUBLE) that the kernel's f32 softmax satisfies. */
const FINE_PRECISIONS = [1, 11];

const sizeOf = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

const optionalInt = (a: OnnxAttributes, name: string) =>
  a[name] === undefined ? undefined : intAttr(a, name, 0);
const optionalFloat = (a: OnnxAttributes, name: string) =>
  a[name] === undefined ? undefined : floatAttr(a, name, 0);

/** A Transpose `[d0, d1, d2, d3]` → `[d0, d2, d1, d3]` between two bindings. */
function swapMiddle(
  dims: readonly number[],
  from: TunedBinding,
  to: TunedBinding,
): TunedProgram {
  const outDims = [dims[0]!, dims[2]!, dims[1]!, dims[3]!];
  const plan = transposeOp.plan({
    opType: "Transpose",
    attributes: { perm: { name: "perm", docString: "", type: "ints", value: [0, 2, 1, 3] } },
    inputs: [{ dims, dtype: "f32" }],
    outputs: [{ dims: outDims, dtype: "f32" }],
    constants: [undefined],
  });
  return { program: plan.programs[0]!, bindings: { in0: from, out0: to } };
}

function sizesOf(node: OpNode): OnnxAttentionSizes | undefined {
  const [q, k, v] = node.inputs;
  if (!q || !k || !v) return undefined;
  const a = node.attributes;
  try {
    return onnxAttentionSizes(q.dims, k.dims, v.dims, {
      qNumHeads: optionalInt(a, "q_num_heads"),
      kvNumHeads: optionalInt(a, "kv_num_heads"),
      scale: optionalFloat(a, "scale"),
      softcap: optionalFloat(a, "softcap"),
      isCausal: optionalInt(a, "is_causal"),
    });
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

/**
 * The tuned plan of an ONNX `Attention` node, or `undefined` for a form the family does not
 * compute (see the module doc).
 *
 * @example Grouped-query 4-D attention with a causal mask
 * ```ts
 * import { attentionPlan } from "./tuned_attention.ts";
 * const plan = attentionPlan({
 *   opType: "Attention",
 *   attributes: { is_causal: { name: "is_causal", docString: "", type: "int", value: 1 } },
 *   inputs: [[2, 6, 4, 8], [2, 2, 5, 8], [2, 2, 5, 8]].map((dims) => ({ dims, dtype: "f32" as const })),
 *   outputs: [{ dims: [2, 6, 4, 8], dtype: "f32" }],
 *   constants: [],
 * });
 * console.log(plan?.op, plan?.problem.kvHeads, plan?.problem.causal); // "attention" 2 true
 * ```
 */
export function attentionPlan(node: OpNode): TunedNodePlan | undefined {
  if (node.inputs.slice(0, 3).some((t) => !t || t.dtype !== "f32")) return undefined;
  const [, , , , pastKey, pastValue, nonpad] = node.inputs;
  if ((pastKey === undefined) !== (pastValue === undefined)) return undefined;
  if (nonpad && (nonpad.dtype !== "i32" || nonpad.dims.length !== 1)) return undefined;
  const qkMode = node.outputs[3] ? intAttr(node.attributes, "qk_matmul_output_mode", 0) : undefined;
  if (qkMode !== undefined && (qkMode < 0 || qkMode > 3)) return undefined;
  const [, presentKey, presentValue] = node.outputs;
  if ((presentKey || presentValue) && !pastKey) return undefined;
  if ([pastKey, pastValue].some((t) => t && t.dtype !== "f32")) return undefined;
  const precision = optionalInt(node.attributes, "softmax_precision");
  if (precision !== undefined && !FINE_PRECISIONS.includes(precision)) return undefined;
  const s = sizesOf(node);
  const y = node.outputs[0];
  if (!s || !y) return undefined;
  const { batch, heads, kvHeads, seqQ, seqNew, headDim, headDimV } = s;
  const past = pastKey ? pastKey.dims[2]! : 0;
  const seqKV = past + seqNew;
  const cacheFits = (t: typeof pastKey, size: number) =>
    !t || (t.dims.length === 4 && t.dims[0] === batch && t.dims[1] === kvHeads &&
      t.dims[2] === past && t.dims[3] === size);
  if (!cacheFits(pastKey, headDim) || !cacheFits(pastValue, headDimV)) return undefined;
  if ([batch, heads, kvHeads, seqQ, seqNew, headDim, headDimV].some((d) => !(d >= 1))) {
    return undefined;
  }
  const problem: Record<string, unknown> = {
    batch,
    heads,
    kvHeads,
    seqQ,
    seqKV,
    headDim,
    headDimV,
    scale: s.scale,
    causal: s.causal,
    dtype: "f32",
  };
  // With a past cache, the causal diagonal moves by its length (ONNX aligns to the cache).
  if (s.causal) problem.causalOffset = past;
  if (s.softcap) problem.softcap = s.softcap;
  const bindings: Record<string, TunedBinding> = {};
  const scratch: number[] = [];
  const before: TunedProgram[] = [];
  const after: TunedProgram[] = [];
  const maskInfo = node.inputs[3];
  if (maskInfo) {
    const constant = node.constants[3];
    const isBool = maskInfo.elemType === "bool";
    if (constant) {
      const mask = onnxAdditiveMask(constant, maskInfo.dims, isBool, seqKV);
      problem.maskShape = mask.shape;
      bindings.mask = { kind: "constant", data: mask.data };
    } else if (!isBool && maskInfo.dtype === "f32" && maskInfo.dims.at(-1) === seqKV) {
      problem.maskShape = [...maskInfo.dims];
      bindings.mask = { kind: "input", index: 3 };
    } else {
      // A bool mask, or one shorter than the keys: converted on the GPU before the kernel.
      if ((maskInfo.dims.at(-1) ?? 1) > seqKV) return undefined;
      problem.maskShape = [...maskInfo.dims.slice(0, -1), seqKV];
      bindings.mask = { kind: "scratch", index: scratch.length };
      scratch.push(sizeOf(maskInfo.dims.slice(0, -1)) * seqKV);
      before.push({
        program: additiveMaskProgram(maskInfo, seqKV),
        bindings: { in0: { kind: "input", index: 3 }, out0: bindings.mask },
      });
    }
  }
  if (nonpad) {
    // nonpad_kv_seqlen: per-batch key lengths (and, causal without a past, the per-batch causal
    // frontier) composed with attn_mask into one mask [B, N or 1, Sq, Skv] by a program.
    const given = problem.maskShape as number[] | undefined;
    const maskHeads = given && given.length >= 3 ? given.at(-3)! : 1;
    const causalFrontier = s.causal && !past;
    const target: TunedBinding = { kind: "scratch", index: scratch.length };
    scratch.push(batch * maskHeads * seqQ * seqKV);
    before.push({
      program: nonpadMaskProgram({
        batch,
        maskHeads,
        seqQ,
        seqKV,
        ...(given ? { maskShape: given } : {}),
        causalFrontier,
      }),
      bindings: {
        in0: { kind: "input", index: 6 },
        ...(given ? { in1: bindings.mask! } : {}),
        out0: target,
      },
    });
    problem.maskShape = [batch, maskHeads, seqQ, seqKV];
    bindings.mask = target;
    if (causalFrontier) {
      problem.causal = false;
      delete problem.causalOffset;
    }
  }
  try {
    attentionFamily.normalizeProblem(problem);
  } catch (error) {
    if (error instanceof RangeError || error instanceof TypeError) return undefined;
    throw error;
  }
  // 3-D [B, S, N·H] is [B, S, N, H] in memory; head-major needs [B, N, S, H].
  const headMajor = (index: number, n: number, seq: number, size: number): TunedBinding => {
    const source: TunedBinding = { kind: "input", index };
    if (s.rank === 4 || n === 1 || seq === 1) return source;
    const target: TunedBinding = { kind: "scratch", index: scratch.length };
    scratch.push(batch * n * seq * size);
    before.push(swapMiddle([batch, seq, n, size], source, target));
    return target;
  };
  // past_key/past_value go in front of K and V; the concatenations are present_key/present_value.
  const withPast = (
    current: TunedBinding,
    pastIndex: number,
    presentIndex: number,
    size: number,
  ): TunedBinding => {
    if (!past) return current;
    const target: TunedBinding = node.outputs[presentIndex]
      ? { kind: "output", index: presentIndex }
      : { kind: "scratch", index: scratch.length };
    if (target.kind === "scratch") scratch.push(batch * kvHeads * seqKV * size);
    const plan = concatOp.plan({
      opType: "Concat",
      attributes: { axis: { name: "axis", docString: "", type: "int", value: 2 } },
      inputs: [past, seqNew].map((n) => ({ dims: [batch, kvHeads, n, size], dtype: "f32" })),
      outputs: [{ dims: [batch, kvHeads, seqKV, size], dtype: "f32" }],
      constants: [undefined, undefined],
    });
    for (const program of plan.programs) {
      before.push({
        program,
        bindings: { in0: { kind: "input", index: pastIndex }, in1: current, out0: target },
      });
    }
    return target;
  };
  bindings.q = headMajor(0, heads, seqQ, headDim);
  bindings.k = withPast(headMajor(1, kvHeads, seqNew, headDim), 4, 1, headDim);
  bindings.v = withPast(headMajor(2, kvHeads, seqNew, headDimV), 5, 2, headDimV);
  const out: TunedBinding = { kind: "output", index: 0 };
  if (s.rank === 4 || heads === 1 || seqQ === 1) {
    bindings.output = out;
  } else {
    bindings.output = { kind: "scratch", index: scratch.length };
    scratch.push(batch * heads * seqQ * headDimV);
    after.push(swapMiddle([batch, heads, seqQ, headDimV], bindings.output, out));
  }
  if (qkMode !== undefined) {
    if (qkMode === 3 && seqKV * headDim > MAX_SOFTMAX_ROW_WORK) return undefined;
    const mask = problem.maskShape as number[] | undefined;
    after.push({
      program: qkScoresProgram({
        batch,
        heads,
        kvHeads,
        seqQ,
        seqKV,
        headDim,
        scale: s.scale,
        softcap: s.softcap,
        causal: problem.causal === true,
        causalOffset: (problem.causalOffset as number | undefined) ?? 0,
        ...(mask ? { maskShape: mask } : {}),
        mode: qkMode,
      }),
      bindings: {
        in0: bindings.q!,
        in1: bindings.k!,
        ...(bindings.mask ? { in2: bindings.mask } : {}),
        out0: { kind: "output", index: 3 },
      },
    });
  }
  return {
    op: "attention",
    problem,
    bindings,
    ...(before.length || after.length ? { scratch, before, after } : {}),
  };
}
