/**
 * How an ONNX `Attention` node (opsets 23 and 24) maps onto the attention problem: its sizes from
 * the dims of Q, K and V (4-D `[B, N, S, H]`, or 3-D `[B, S, N·H]` with `q_num_heads` and
 * `kv_num_heads`), its scale, soft cap and causal flag from the attributes, and `attn_mask` as the
 * kernel's additive mask. Pure: shared by the conformance adapter and the model runtime.
 *
 * @module
 */

/** The attributes of an ONNX `Attention` node that decide the problem (absent ones undefined). */
export interface OnnxAttentionAttributes {
  /** `q_num_heads` (3-D inputs). */
  readonly qNumHeads?: number | undefined;
  /** `kv_num_heads` (3-D inputs). */
  readonly kvNumHeads?: number | undefined;
  /** `scale`; the default is `1 / sqrt(headDim)`. */
  readonly scale?: number | undefined;
  /** `softcap`; 0 or absent for none. */
  readonly softcap?: number | undefined;
  /** `is_causal`. */
  readonly isCausal?: number | undefined;
}

/** Sizes and options of an ONNX `Attention` node. */
export interface OnnxAttentionSizes {
  /** Rank of Q, K and V: 3 (sequence-major, heads folded) or 4 (head-major). */
  readonly rank: 3 | 4;
  readonly batch: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly seqQ: number;
  /** Key/value positions of K and V themselves (without a past cache). */
  readonly seqNew: number;
  readonly headDim: number;
  readonly headDimV: number;
  readonly scale: number;
  readonly softcap: number;
  readonly causal: boolean;
}

/**
 * The sizes of an ONNX `Attention` node from its Q, K and V dims and attributes. Throws a
 * `RangeError` for dims that are not all 3-D or all 4-D, 3-D inputs without head counts, a head
 * size that does not divide the hidden size, or a negative soft cap.
 *
 * @example Grouped-query 3-D inputs
 * ```ts
 * import { onnxAttentionSizes } from "./onnx_mapping.ts";
 * const s = onnxAttentionSizes([2, 4, 72], [2, 6, 24], [2, 6, 24], { qNumHeads: 9, kvNumHeads: 3 });
 * console.log(s.heads, s.kvHeads, s.headDim, s.seqNew); // 9 3 8 6
 * ```
 */
export function onnxAttentionSizes(
  q: readonly number[],
  k: readonly number[],
  v: readonly number[],
  attributes: OnnxAttentionAttributes,
): OnnxAttentionSizes {
  const rank = q.length;
  if ((rank !== 3 && rank !== 4) || k.length !== rank || v.length !== rank) {
    throw new RangeError(
      `Attention: Q, K and V must all be 3-D or all be 4-D: they are [${q}], [${k}], [${v}]`,
    );
  }
  const softcap = attributes.softcap ?? 0;
  if (!(softcap >= 0)) throw new RangeError(`Attention: softcap must be >= 0: it is ${softcap}`);
  const common = { softcap, causal: (attributes.isCausal ?? 0) !== 0 };
  let sizes: Omit<OnnxAttentionSizes, "scale" | "softcap" | "causal">;
  if (rank === 4) {
    sizes = {
      rank,
      batch: q[0]!,
      heads: q[1]!,
      seqQ: q[2]!,
      headDim: q[3]!,
      kvHeads: k[1]!,
      seqNew: k[2]!,
      headDimV: v[3]!,
    };
  } else {
    const heads = attributes.qNumHeads;
    const kvHeads = attributes.kvNumHeads;
    if (heads === undefined || kvHeads === undefined || heads < 1 || kvHeads < 1) {
      throw new RangeError("Attention: 3-D inputs need q_num_heads and kv_num_heads");
    }
    if (q[2]! % heads !== 0 || k[2]! % kvHeads !== 0 || v[2]! % kvHeads !== 0) {
      throw new RangeError(
        `Attention: hidden sizes ${q[2]}, ${k[2]}, ${v[2]} do not split into ${heads} and ` +
          `${kvHeads} heads`,
      );
    }
    sizes = {
      rank,
      batch: q[0]!,
      heads,
      kvHeads,
      seqQ: q[1]!,
      seqNew: k[1]!,
      headDim: q[2]! / heads,
      headDimV: v[2]! / kvHeads,
    };
  }
  const scale = attributes.scale ?? 1 / Math.sqrt(sizes.headDim);
  return { ...sizes, ...common, scale };
}

/**
 * `attn_mask` as the kernel's additive mask: a bool mask becomes 0 where true and −∞ where false,
 * a float mask stays as it is, and a mask with fewer keys than `seqKV` is padded with −∞ (ONNX:
 * the missing keys are masked out). The shape keeps the mask's leading dims.
 *
 * @example A bool mask of two keys padded to three
 * ```ts
 * import { onnxAdditiveMask } from "./onnx_mapping.ts";
 * const m = onnxAdditiveMask([1, 0], [1, 2], true, 3);
 * console.log(m.data, m.shape); // Float32Array(3) [0, -Infinity, -Infinity] [1, 3]
 * ```
 */
export function onnxAdditiveMask(
  values: ArrayLike<number>,
  dims: readonly number[],
  isBool: boolean,
  seqKV: number,
): { data: Float32Array; shape: number[] } {
  const given = dims.at(-1) ?? 1;
  if (given > seqKV) {
    throw new RangeError(`Attention: attn_mask has ${given} keys, more than ${seqKV}`);
  }
  const rows = given === 0 ? 0 : values.length / given;
  const data = new Float32Array(rows * seqKV).fill(-Infinity);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < given; j++) {
      const x = values[r * given + j]!;
      data[r * seqKV + j] = isBool ? (x ? 0 : -Infinity) : x;
    }
  }
  return { data, shape: [...dims.slice(0, -1), seqKV] };
}
