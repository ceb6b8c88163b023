/**
 * The program that turns an ONNX `Attention` node's run-time `attn_mask` into the additive f32
 * mask the attention kernel reads: a bool mask becomes 0 where true and −∞ where false, a float
 * mask is copied, and keys past the mask's last dim (a mask shorter than the keys) are −∞.
 *
 * @module
 */
import { elementProgram, lit, sizeOf } from "./_wgsl.ts";
import type { TensorInfo } from "./types.ts";
import type { KernelProgram } from "../../kernels/types.ts";

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
