/**
 * The program for ONNX `Attention`'s `qk_matmul_output` (output 3), beside the attention kernel:
 * the scores of every query head against every key, `[B, N, Sq, Skv]`, in the form
 * `qk_matmul_output_mode` asks for (as the conformance adapter maps it):
 *
 * - 0 and 1: `scale·Q·Kᵀ`, soft-capped when the node has `softcap`;
 * - 2: that plus the additive mask and the causal −∞ terms;
 * - 3: the softmax of mode 2 over the keys (a fully masked row gives 0).
 *
 * Q and K are head-major (`[B, N, Sq, H]`, `[B, Nkv, Skv, H]`); query head `h` reads key head
 * `floor(h / (N / Nkv))`.
 *
 * @module
 */
import type { KernelProgram } from "../../core/types.ts";
import { elementProgram, lit } from "./_wgsl.ts";

/** Sizes and options of {@linkcode qkScoresProgram}. */
export interface QkScoresOptions {
  readonly batch: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly seqQ: number;
  readonly seqKV: number;
  readonly headDim: number;
  readonly scale: number;
  readonly softcap: number;
  readonly causal: boolean;
  readonly causalOffset: number;
  /** 4-D shape of the additive mask (bound as `in2`), broadcastable to `[B, N, Sq, Skv]`. */
  readonly maskShape?: readonly number[];
  /** `qk_matmul_output_mode`, 0 to 3. */
  readonly mode: number;
}

/**
 * Largest `seqKV · headDim` of mode 3, whose threads each walk the whole row twice (llvmpipe
 * stops a thread after 65,535 loop iterations).
 */
export const MAX_SOFTMAX_ROW_WORK = 30_000;

/**
 * The scores program: `in0` Q, `in1` K, `in2` the mask (when given), `out0` the scores.
 *
 * @example Mode 2 of a causal grouped-query problem
 * ```ts
 * import { qkScoresProgram } from "./attention_scores.ts";
 * const p = qkScoresProgram({
 *   batch: 1, heads: 4, kvHeads: 2, seqQ: 3, seqKV: 5, headDim: 8, scale: 0.5, softcap: 0,
 *   causal: true, causalOffset: 2, mode: 2,
 * });
 * console.log(p.bindings.map((b) => b.name)); // ["in0", "in1", "out0"]
 * ```
 */
export function qkScoresProgram(o: QkScoresOptions): KernelProgram {
  const { batch, heads, kvHeads, seqQ, seqKV, headDim, mode } = o;
  const group = heads / kvHeads;
  const total = batch * heads * seqQ * seqKV;
  const bias = mode >= 2;
  let maskTerm = "0.0f";
  if (bias && o.maskShape) {
    const m = [...new Array<number>(4 - o.maskShape.length).fill(1), ...o.maskShape];
    const strides = [m[1]! * m[2]! * m[3]!, m[2]! * m[3]!, m[3]!, 1];
    const terms = ["b", "h", "i", "jj"]
      .map((c, k) => (m[k] === 1 ? "" : `${c} * ${strides[k]}u`))
      .filter(Boolean);
    maskTerm = `in2[${terms.length ? terms.join(" + ") : "0u"}]`;
  }
  const cap = o.softcap ? `${lit(o.softcap, "f32")} * tanh(s / ${lit(o.softcap, "f32")})` : "s";
  const causal = bias && o.causal
    ? `if (i32(jj) > i32(i) + ${o.causalOffset}) { s = ${lit(-Infinity, "f32")}; }`
    : "";
  const helpers = `fn score(b: u32, h: u32, i: u32, jj: u32) -> f32 {
  let qBase = ((b * ${heads}u + h) * ${seqQ}u + i) * ${headDim}u;
  let kBase = ((b * ${kvHeads}u + h / ${group}u) * ${seqKV}u + jj) * ${headDim}u;
  var acc = 0.0f;
  for (var d = 0u; d < ${headDim}u; d++) { acc += in0[qBase + d] * in1[kBase + d]; }
  var s = acc * ${lit(o.scale, "f32")};
  s = ${cap};
  ${bias ? `s = s + ${maskTerm};` : ""}
  ${causal}
  return s;
}`;
  const coords = `  let j = idx % ${seqKV}u;
  let i = (idx / ${seqKV}u) % ${seqQ}u;
  let h = (idx / ${seqKV * seqQ}u) % ${heads}u;
  let b = idx / ${seqKV * seqQ * heads}u;`;
  const body = mode < 3 ? `${coords}\n  out0[idx] = score(b, h, i, j);` : `${coords}
  var best = ${lit(-Infinity, "f32")};
  for (var k = 0u; k < ${seqKV}u; k++) { best = max(best, score(b, h, i, k)); }
  if (best == ${lit(-Infinity, "f32")}) { out0[idx] = 0.0f; return; }
  var sum = 0.0f;
  for (var k = 0u; k < ${seqKV}u; k++) { sum += exp(score(b, h, i, k) - best); }
  out0[idx] = exp(score(b, h, i, j) - best) / sum;`;
  const bindings = [
    {
      name: "in0",
      dtype: "f32" as const,
      elements: batch * heads * seqQ * headDim,
      access: "read" as const,
    },
    {
      name: "in1",
      dtype: "f32" as const,
      elements: batch * kvHeads * seqKV * headDim,
      access: "read" as const,
    },
    ...(bias && o.maskShape
      ? [{
        name: "in2",
        dtype: "f32" as const,
        elements: o.maskShape.reduce((a, c) => a * c, 1),
        access: "read" as const,
      }]
      : []),
    { name: "out0", dtype: "f32" as const, elements: total, access: "read_write" as const },
  ];
  return elementProgram({
    key: `attention-qk|${JSON.stringify(o)}`,
    bindings,
    total,
    helpers,
    body,
  });
}
