/**
 * The attention problem: scaled dot-product attention
 * `Y = softmax(scale · Q·Kᵀ + mask, causal) · V` with grouped-query heads, in the layout of ONNX
 * `Attention` (opset 23): Q `[batch, heads, seqQ, headDim]`, K `[batch, kvHeads, seqKV, headDim]`,
 * V `[batch, kvHeads, seqKV, headDimV]`, Y `[batch, heads, seqQ, headDimV]`, all row-major.
 * Validation, defaults, CLI shape parsing, the tuning key and the flop count.
 *
 * @module
 */
import { assertKnownFields, positiveInteger } from "../../core/checks.ts";
import { describeList } from "../../core/describe.ts";

/** Element type of the inputs and output. f16 needs the device's `shader-f16` feature. */
export type AttentionDtype = "f32" | "f16";

/** Shorthand for an additive mask: none, `[seqQ, seqKV]`, or `[batch, heads, seqQ, seqKV]`. */
export type AttentionMaskKind = "none" | "2d" | "4d";

/** A normalized attention problem: every field present and validated. */
export interface AttentionProblem {
  /** Batch size. */
  readonly batch: number;
  /** Query heads. */
  readonly heads: number;
  /** Key/value heads; divides `heads`. Query head h reads kv head `floor(h / (heads / kvHeads))`. */
  readonly kvHeads: number;
  /** Query sequence length. */
  readonly seqQ: number;
  /** Key/value sequence length. */
  readonly seqKV: number;
  /** Head size of Q and K (the dot-product length). */
  readonly headDim: number;
  /** Head size of V and of the output (ONNX allows it to differ from `headDim`). */
  readonly headDimV: number;
  /**
   * Causal masking: query i attends to keys `j <= i + causalOffset` only. With `causalOffset = 0`
   * this is the upper-left aligned mask of ONNX `Attention` with `is_causal = 1` (also when
   * seqQ ≠ seqKV).
   */
  readonly causal: boolean;
  /**
   * Shift of the causal diagonal. ONNX with `past_key` concatenated in front of K uses the past
   * length here; `seqKV - seqQ` gives a lower-right aligned mask. 0 when not causal.
   */
  readonly causalOffset: number;
  /** Multiplier of Q·Kᵀ (finite as an f32); the default is `1 / sqrt(headDim)`. */
  readonly scale: number;
  /**
   * Logit soft-capping (ONNX Attention `softcap`): each scaled score `s` becomes
   * `softcap · tanh(s / softcap)` before the mask is added. 0 turns it off.
   */
  readonly softcap: number;
  /**
   * Shape of the additive float mask as a 4-d shape broadcastable to
   * `[batch, heads, seqQ, seqKV]` (every dim equal to its target or 1), or `null` for no mask.
   */
  readonly maskShape: readonly [number, number, number, number] | null;
  /** Storage type of Q, K, V, the mask and the output; math runs in f32. */
  readonly dtype: AttentionDtype;
}

/** The problem as callers write it: only the sizes are required. */
export interface AttentionProblemInput {
  /** Batch size. */
  batch: number;
  /** Query heads. */
  heads: number;
  /**
   * Key/value heads (grouped-query attention when fewer than `heads`).
   * @default {heads}
   */
  kvHeads?: number;
  /** Query sequence length. */
  seqQ: number;
  /** Key/value sequence length. */
  seqKV: number;
  /** Head size of Q and K. */
  headDim: number;
  /**
   * Head size of V and of the output.
   * @default {headDim}
   */
  headDimV?: number;
  /**
   * Causal masking (query i attends to keys `j <= i + causalOffset`).
   * @default {false}
   */
  causal?: boolean;
  /**
   * Shift of the causal diagonal (only with `causal`).
   * @default {0}
   */
  causalOffset?: number;
  /**
   * Multiplier of Q·Kᵀ.
   * @default {1 / Math.sqrt(headDim)}
   */
  scale?: number;
  /**
   * Logit soft-capping value (`softcap · tanh(s / softcap)` on the scaled scores, before the
   * mask); 0 for none.
   * @default {0}
   */
  softcap?: number;
  /**
   * Additive mask shorthand; `maskShape` gives any broadcastable shape instead.
   * @default {"none"}
   */
  mask?: AttentionMaskKind;
  /** Additive mask shape of rank 1 to 4, broadcastable (numpy rules) to `[batch, heads, seqQ, seqKV]`. */
  maskShape?: readonly number[] | null;
  /**
   * Storage type.
   * @default {"f32"}
   */
  dtype?: AttentionDtype;
}

const FIELDS = [
  "batch",
  "heads",
  "kvHeads",
  "seqQ",
  "seqKV",
  "headDim",
  "headDimV",
  "causal",
  "causalOffset",
  "scale",
  "softcap",
  "mask",
  "maskShape",
  "dtype",
];
const DTYPES: readonly AttentionDtype[] = ["f32", "f16"];
const MASK_KINDS: readonly AttentionMaskKind[] = ["none", "2d", "4d"];
/** Largest accepted head size: accumulators live in per-thread arrays of this length. */
export const MAX_HEAD_DIM = 1024;

function broadcastMaskShape(
  shape: unknown,
  target: readonly [number, number, number, number],
): [number, number, number, number] {
  if (!Array.isArray(shape)) {
    throw new TypeError(
      `'maskShape' must be an array of 1 to 4 sizes: current value is ${describeList(shape)}`,
    );
  }
  if (shape.length < 1 || shape.length > 4) {
    throw new RangeError(
      `'maskShape' must have 1 to 4 dims: current value is ${describeList(shape)}`,
    );
  }
  const padded = [...new Array<number>(4 - shape.length).fill(1), ...shape];
  const names = ["batch", "heads", "seqQ", "seqKV"];
  return padded.map((size, i) => {
    if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 1) {
      throw new RangeError(
        `'maskShape' must hold positive integers: current value is ${describeList(shape)}`,
      );
    }
    if (size !== 1 && size !== target[i]) {
      throw new RangeError(
        `'maskShape' must broadcast to [batch, heads, seqQ, seqKV] = [${target.join(", ")}]: ` +
          `dim for ${names[i]} is ${size} in ${describeList(shape)}`,
      );
    }
    return size;
  }) as [number, number, number, number];
}

/**
 * Validates an attention problem and fills its defaults (`kvHeads = heads`,
 * `headDimV = headDim`, `causal = false`, `causalOffset = 0`, `scale = 1/sqrt(headDim)`, no mask,
 * `dtype = "f32"`). The mask is given either as `mask: "2d" | "4d"` or as any broadcastable
 * `maskShape`; both normalize to a 4-d `maskShape`. Throws a `TypeError` or `RangeError` naming
 * the bad field and its value; unknown fields are rejected.
 *
 * @example Grouped-query attention with a 2-d mask
 * ```ts
 * import { normalizeAttentionProblem } from "./problem.ts";
 * const p = normalizeAttentionProblem({
 *   batch: 1, heads: 8, kvHeads: 2, seqQ: 16, seqKV: 32, headDim: 64, mask: "2d",
 * });
 * console.log(p.scale, p.maskShape); // 0.125 [1, 1, 16, 32]
 * ```
 */
export function normalizeAttentionProblem(problem: unknown): AttentionProblem {
  assertKnownFields("problem", problem, FIELDS);
  const p = problem;
  const batch = positiveInteger("batch", p.batch);
  const heads = positiveInteger("heads", p.heads);
  const kvHeads = p.kvHeads === undefined ? heads : positiveInteger("kvHeads", p.kvHeads);
  if (heads % kvHeads !== 0) {
    throw new RangeError(`'kvHeads' must divide heads (${heads}): current value is ${kvHeads}`);
  }
  const seqQ = positiveInteger("seqQ", p.seqQ);
  const seqKV = positiveInteger("seqKV", p.seqKV);
  const headDim = positiveInteger("headDim", p.headDim, MAX_HEAD_DIM);
  const headDimV = p.headDimV === undefined
    ? headDim
    : positiveInteger("headDimV", p.headDimV, MAX_HEAD_DIM);
  const causal = p.causal ?? false;
  if (typeof causal !== "boolean") {
    throw new TypeError(`'causal' must be a boolean: current value is ${describeList(causal)}`);
  }
  const causalOffset = p.causalOffset ?? 0;
  if (typeof causalOffset !== "number") {
    throw new TypeError(
      `'causalOffset' must be an integer: current value is ${describeList(causalOffset)}`,
    );
  }
  if (!Number.isInteger(causalOffset) || Math.abs(causalOffset) > 2 ** 30) {
    throw new RangeError(
      `'causalOffset' must be an integer in [-2^30, 2^30]: current value is ${causalOffset}`,
    );
  }
  if (!causal && causalOffset !== 0) {
    throw new RangeError(
      `'causalOffset' needs causal: true: current value is ${causalOffset} with causal false`,
    );
  }
  const scale = p.scale ?? 1 / Math.sqrt(headDim);
  if (typeof scale !== "number") {
    throw new TypeError(`'scale' must be a finite number: current value is ${describeList(scale)}`);
  }
  if (!Number.isFinite(Math.fround(scale))) {
    throw new RangeError(`'scale' must be a finite f32 number: current value is ${scale}`);
  }
  const softcap = p.softcap ?? 0;
  if (typeof softcap !== "number") {
    throw new TypeError(
      `'softcap' must be a finite number >= 0: current value is ${describeList(softcap)}`,
    );
  }
  if (!(softcap >= 0) || !Number.isFinite(Math.fround(softcap))) {
    throw new RangeError(`'softcap' must be a finite f32 number >= 0: current value is ${softcap}`);
  }
  const mask = p.mask ?? "none";
  if (!MASK_KINDS.includes(mask as AttentionMaskKind)) {
    throw new RangeError(`'mask' must be none, 2d or 4d: current value is ${describeList(mask)}`);
  }
  const target = [batch, heads, seqQ, seqKV] as const;
  let maskShape: [number, number, number, number] | null = null;
  if (mask === "2d") maskShape = [1, 1, seqQ, seqKV];
  if (mask === "4d") maskShape = [batch, heads, seqQ, seqKV];
  if (p.maskShape !== undefined && p.maskShape !== null) {
    const given = broadcastMaskShape(p.maskShape, target);
    if (mask === "none" && p.mask !== undefined) {
      throw new RangeError(
        `'maskShape' conflicts with mask 'none': current value is ${describeList(p.maskShape)}`,
      );
    }
    if (maskShape && maskShape.join() !== given.join()) {
      throw new RangeError(
        `'maskShape' conflicts with mask '${mask}' (${maskShape.join("x")}): current value is ` +
          describeList(p.maskShape),
      );
    }
    maskShape = given;
  }
  const dtype = p.dtype ?? "f32";
  if (!DTYPES.includes(dtype as AttentionDtype)) {
    throw new RangeError(`'dtype' must be f32 or f16: current value is ${describeList(dtype)}`);
  }
  return {
    batch,
    heads,
    kvHeads,
    seqQ,
    seqKV,
    headDim,
    headDimV,
    causal,
    causalOffset,
    scale,
    softcap,
    maskShape,
    dtype: dtype as AttentionDtype,
  };
}

/**
 * The tuning key of a problem: dtype and sizes, then `_dv<n>` when V's head size differs,
 * `_causal` (with `+n`/`-n` for a shifted diagonal), `_softcap` and `_mask<shape>` when present.
 * The scale and the softcap value do not change speed and are not part of the key.
 *
 * @example Key of a grouped-query causal problem
 * ```ts
 * import { attentionProblemKey, normalizeAttentionProblem } from "./problem.ts";
 * const p = normalizeAttentionProblem({
 *   batch: 1, heads: 8, kvHeads: 2, seqQ: 128, seqKV: 512, headDim: 64, causal: true, mask: "2d",
 * });
 * console.log(attentionProblemKey(p)); // "f32_b1_h8_kv2_sq128_skv512_d64_causal_mask1x1x128x512"
 * ```
 */
export function attentionProblemKey(problem: AttentionProblem): string {
  const { dtype, batch, heads, kvHeads, seqQ, seqKV, headDim, headDimV } = problem;
  let key = `${dtype}_b${batch}_h${heads}_kv${kvHeads}_sq${seqQ}_skv${seqKV}_d${headDim}`;
  if (headDimV !== headDim) key += `_dv${headDimV}`;
  if (problem.causal) {
    const offset = problem.causalOffset;
    key += `_causal${offset > 0 ? `+${offset}` : offset < 0 ? String(offset) : ""}`;
  }
  if (problem.softcap > 0) key += "_softcap";
  if (problem.maskShape) key += `_mask${problem.maskShape.join("x")}`;
  return key;
}

/**
 * Number of (query, key) pairs that are not removed by the causal mask, for one head: the
 * work a kernel that skips masked blocks must do. Equal to `seqQ·seqKV` when not causal.
 *
 * @example
 * ```ts
 * import { attendedPairs, normalizeAttentionProblem } from "./problem.ts";
 * const p = normalizeAttentionProblem({ batch: 1, heads: 1, seqQ: 4, seqKV: 6, headDim: 8, causal: true });
 * console.log(attendedPairs(p)); // 1 + 2 + 3 + 4 = 10
 * ```
 */
export function attendedPairs(problem: AttentionProblem): number {
  const { seqQ, seqKV, causal, causalOffset } = problem;
  if (!causal) return seqQ * seqKV;
  let pairs = 0;
  for (let i = 0; i < seqQ; i++) pairs += Math.min(seqKV, Math.max(0, i + causalOffset + 1));
  return pairs;
}

/**
 * Floating-point operations of one run: `2·batch·heads·pairs·(headDim + headDimV)` where `pairs`
 * is {@linkcode attendedPairs} (so `4·batch·heads·seqQ·seqKV·headDim` when not causal and
 * `headDimV = headDim`; for causal problems only the unmasked pairs count). Softmax and mask
 * arithmetic are not counted.
 *
 * @example
 * ```ts
 * import { attentionFlops, normalizeAttentionProblem } from "./problem.ts";
 * const p = normalizeAttentionProblem({ batch: 1, heads: 8, seqQ: 512, seqKV: 512, headDim: 64 });
 * console.log(attentionFlops(p)); // 536870912
 * ```
 */
export function attentionFlops(problem: AttentionProblem): number {
  const { batch, heads, headDim, headDimV } = problem;
  return 2 * batch * heads * attendedPairs(problem) * (headDim + headDimV);
}
