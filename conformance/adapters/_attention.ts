/**
 * Private: what the attention adapters share. Head-major (`[B, N, S, H]`) host tensors in, one
 * run of the `attention` family out, plus the layout moves around it.
 *
 * @module
 */
import type { AttentionProblem } from "../../kernels/attention/problem.ts";
import type { OpExecutor } from "../executor.ts";
import { transpose } from "../host_ops.ts";

/** One attention-kernel run: the normalized problem's sizes and options, and head-major data. */
export type AttentionRun = Omit<AttentionProblem, "maskShape" | "softcap"> & {
  /** Logit soft-capping value; absent or 0 for none. */
  readonly softcap?: number;
  /** Additive mask and its shape (rank ≤ 4, numpy-broadcastable to `[B, N, Sq, Skv]`). */
  readonly mask: { readonly data: Float32Array; readonly shape: readonly number[] } | undefined;
};

/**
 * The problem object for `runOp("attention", ...)`: `causalOffset` only when causal, `maskShape`
 * only with a mask.
 *
 * @example Problem of an unmasked run
 * ```ts ignore
 * const problem = attentionProblem(run); // { batch, heads, ..., causal: false, dtype: "f32" }
 * ```
 */
export function attentionProblem(r: AttentionRun): Record<string, unknown> {
  const problem: Record<string, unknown> = {
    batch: r.batch,
    heads: r.heads,
    kvHeads: r.kvHeads,
    seqQ: r.seqQ,
    seqKV: r.seqKV,
    headDim: r.headDim,
    headDimV: r.headDimV,
    scale: r.scale,
    causal: r.causal,
    dtype: r.dtype,
  };
  if (r.causal) problem.causalOffset = r.causalOffset;
  if (r.softcap) problem.softcap = r.softcap;
  if (r.mask) problem.maskShape = [...r.mask.shape];
  return problem;
}

/**
 * Short text of a run for the report.
 *
 * @example Describe a grouped-query causal run
 * ```ts ignore
 * console.log(describeAttention(run)); // "attention B2 H9 KV3 Sq4 Skv18 D8 causal+12 f32"
 * ```
 */
export function describeAttention(r: AttentionRun): string {
  return `attention B${r.batch} H${r.heads}` + (r.kvHeads !== r.heads ? ` KV${r.kvHeads}` : "") +
    ` Sq${r.seqQ} Skv${r.seqKV} D${r.headDim}` +
    (r.headDimV !== r.headDim ? ` Dv${r.headDimV}` : "") +
    (r.causal
      ? ` causal${r.causalOffset ? (r.causalOffset > 0 ? "+" : "") + r.causalOffset : ""}`
      : "") +
    (r.softcap ? ` softcap${r.softcap}` : "") +
    (r.mask ? ` mask[${r.mask.shape}]` : "") + ` ${r.dtype}`;
}

/**
 * Runs the kernel on head-major q `[B,N,Sq,H]`, k `[B,Nkv,Skv,H]`, v `[B,Nkv,Skv,Hv]`.
 *
 * @example Run through an executor
 * ```ts ignore
 * const y = await runAttention(exec, run, q, k, v); // [B, N, Sq, Hv]
 * ```
 */
export async function runAttention(
  exec: OpExecutor,
  r: AttentionRun,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
): Promise<ArrayLike<number>> {
  const inputs = [{ name: "q", data: q }, { name: "k", data: k }, { name: "v", data: v }];
  if (r.mask) inputs.push({ name: "mask", data: r.mask.data });
  return await exec.run("attention", attentionProblem(r), inputs);
}

/**
 * `[B, S, N·H]` (sequence-major) to `[B, N, S, H]` (head-major).
 *
 * @example Two positions of two heads of size 1
 * ```ts
 * import { toHeadMajor } from "./_attention.ts";
 * console.log(toHeadMajor([1, 2, 3, 4], 1, 2, 2, 1)); // Float32Array(4) [1, 3, 2, 4]
 * ```
 */
export function toHeadMajor(
  data: ArrayLike<number>,
  batch: number,
  seq: number,
  heads: number,
  size: number,
): Float32Array {
  return transpose(data, [batch, seq, heads, size], [0, 2, 1, 3]);
}

/**
 * `[B, N, S, H]` (head-major) to `[B, S, N·H]` (sequence-major).
 *
 * @example Two heads of two positions, size 1
 * ```ts
 * import { toSequenceMajor } from "./_attention.ts";
 * console.log(toSequenceMajor([1, 3, 2, 4], 1, 2, 2, 1)); // Float32Array(4) [1, 2, 3, 4]
 * ```
 */
export function toSequenceMajor(
  data: ArrayLike<number>,
  batch: number,
  heads: number,
  seq: number,
  size: number,
): Float32Array {
  return transpose(data, [batch, heads, seq, size], [0, 2, 1, 3]);
}

/**
 * Concatenates `[B, N, P, H]` and `[B, N, S, H]` along the sequence: `[B, N, P+S, H]`.
 *
 * @example A past of one position before one new position, two heads
 * ```ts
 * import { concatSequence } from "./_attention.ts";
 * console.log(concatSequence([1, 2], [10, 20], 2, 1, 1, 1)); // Float32Array(4) [1, 10, 2, 20]
 * ```
 */
export function concatSequence(
  past: ArrayLike<number>,
  current: ArrayLike<number>,
  batchHeads: number,
  pastLength: number,
  length: number,
  size: number,
): Float32Array {
  const out = new Float32Array(batchHeads * (pastLength + length) * size);
  for (let bh = 0; bh < batchHeads; bh++) {
    const dst = bh * (pastLength + length) * size;
    for (let i = 0; i < pastLength * size; i++) out[dst + i] = past[bh * pastLength * size + i]!;
    for (let i = 0; i < length * size; i++) {
      out[dst + pastLength * size + i] = current[bh * length * size + i]!;
    }
  }
  return out;
}
