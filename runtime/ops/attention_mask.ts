/**
 * The program that turns an ONNX `Attention` node's run-time `attn_mask` into the additive f32
 * mask the attention kernel reads: a bool mask becomes 0 where true and −∞ where false, a float
 * mask is copied, and keys past the mask's last dim (a mask shorter than the keys) are −∞.
 *
 * @module
 */
import { elementProgram, lit, sizeOf } from "./_wgsl.ts";
import type { TensorInfo } from "./types.ts";
import type { KernelProgram } from "../../core/types.ts";

/**
 * A program from `mask` (bound as `in0`, bool masks stored as i32) to the additive mask
 * `[...mask.dims[:-1], seqKV]` (bound as `out0`, f32).
 *
 * @example A bool mask of 2 keys, padded to 3
 * ```ts
 * import { additiveMaskProgram } from "./attention_mask.ts";
 * const p = additiveMaskProgram({ dims: [4, 2], dtype: "i32", elemType: "bool" }, 3);
 * console.log(p.bindings.map((b) => `${b.name}:${b.dtype}:${b.elements}`)); // ["in0:i32:8", "out0:f32:12"]
 * ```
 */
export function additiveMaskProgram(mask: TensorInfo, seqKV: number): KernelProgram {
  const given = mask.dims.at(-1) ?? 1;
  if (given > seqKV) throw new RangeError(`'mask' has ${given} keys, more than ${seqKV}`);
  const rows = sizeOf(mask.dims) / Math.max(1, given);
  const isBool = mask.elemType === "bool" || mask.dtype === "i32";
  const value = isBool ? `select(${lit(-Infinity, "f32")}, 0.0f, x != 0)` : "f32(x)";
  return elementProgram({
    key: `attention-mask|${mask.dtype}|${isBool}|r${rows}|g${given}|s${seqKV}`,
    bindings: [
      { name: "in0", dtype: mask.dtype, elements: sizeOf(mask.dims), access: "read" },
      { name: "out0", dtype: "f32", elements: rows * seqKV, access: "read_write" },
    ],
    total: rows * seqKV,
    body: `  let row = idx / ${seqKV}u;
  let col = idx % ${seqKV}u;
  if (col >= ${given}u) { out0[idx] = ${lit(-Infinity, "f32")}; return; }
  let x = in0[row * ${given}u + col];
  out0[idx] = ${value};`,
  });
}

/**
 * The additive mask of an ONNX `Attention` node with `nonpad_kv_seqlen` (opset 24), shape
 * `[batch, maskHeads, seqQ, seqKV]`: keys `j >= len[b]` are −∞, and with `causalFrontier` (causal
 * attention without a past cache) so are keys `j > i + len[b] - seqQ`; elsewhere the value of the
 * additive `attn_mask` (bound as `in1`, f32, its shape right-aligned and broadcast) or 0. The
 * lengths are `in0` (i32, one per batch), the result `out0`.
 *
 * @example Two batches, no attn_mask, causal
 * ```ts
 * import { nonpadMaskProgram } from "./attention_mask.ts";
 * const p = nonpadMaskProgram({ batch: 2, maskHeads: 1, seqQ: 3, seqKV: 5, causalFrontier: true });
 * console.log(p.bindings.map((b) => b.name)); // ["in0", "out0"]
 * ```
 */
export function nonpadMaskProgram(opts: {
  readonly batch: number;
  readonly maskHeads: number;
  readonly seqQ: number;
  readonly seqKV: number;
  /** Shape of the additive `attn_mask` (rank ≤ 4, last dim `seqKV`); none when absent. */
  readonly maskShape?: readonly number[];
  readonly causalFrontier: boolean;
}): KernelProgram {
  const { batch, maskHeads, seqQ, seqKV, maskShape, causalFrontier } = opts;
  const total = batch * maskHeads * seqQ * seqKV;
  let value = "0.0f";
  if (maskShape) {
    const m = [...new Array<number>(4 - maskShape.length).fill(1), ...maskShape];
    const strides = [m[1]! * m[2]! * m[3]!, m[2]! * m[3]!, m[3]!, 1];
    const coords = ["b", "h", "i", "j"];
    const terms = coords.map((c, k) => (m[k] === 1 ? "" : `${c} * ${strides[k]}u`)).filter(Boolean);
    value = `in1[${terms.length ? terms.join(" + ") : "0u"}]`;
  }
  const bindings = [
    { name: "in0", dtype: "i32" as const, elements: batch, access: "read" as const },
    ...(maskShape
      ? [{
        name: "in1",
        dtype: "f32" as const,
        elements: sizeOf(maskShape),
        access: "read" as const,
      }]
      : []),
    { name: "out0", dtype: "f32" as const, elements: total, access: "read_write" as const },
  ];
  const frontier = causalFrontier ? ` || i32(j) > i32(i) + len - ${seqQ}` : "";
  return elementProgram({
    key: `attention-nonpad|${batch},${maskHeads},${seqQ},${seqKV}|${
      maskShape ?? "none"
    }|${causalFrontier}`,
    bindings,
    total,
    body: `  let j = idx % ${seqKV}u;
  let i = (idx / ${seqKV}u) % ${seqQ}u;
  let h = (idx / ${seqKV * seqQ}u) % ${maskHeads}u;
  let b = idx / ${seqKV * seqQ * maskHeads}u;
  let len = in0[b];
  if (i32(j) >= len${frontier}) { out0[idx] = ${lit(-Infinity, "f32")}; return; }
  out0[idx] = ${value};`,
  });
}
