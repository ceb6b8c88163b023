/**
 * ONNX `Attention` (opsets 23 and 24) on the `attention` family.
 *
 * - 4-D inputs `[B, N, S, H]` go to the kernel as they are; 3-D inputs `[B, S, N·H]` (with
 *   `q_num_heads` / `kv_num_heads`) are split into heads on the host and the output is merged back.
 * - Grouped-query heads (`kv_num_heads < q_num_heads`), `scale` (default `1/sqrt(H)`) and V's own
 *   head size are the kernel's `kvHeads`, `scale` and `headDimV`.
 * - `attn_mask`: a bool mask becomes an additive mask (0 where true, −∞ where false), a float mask
 *   is used as is; a mask shorter than the total key length is padded with −∞ (false), as ONNX
 *   specifies. It is the kernel's additive mask with its own broadcastable shape.
 * - `is_causal`: the kernel's causal mask, with the diagonal shifted by the past length when
 *   `past_key` is given (ONNX's bottom-right alignment to the cache).
 * - `past_key` / `past_value`: concatenated in front of K and V on the host; `present_key` /
 *   `present_value` are those concatenations.
 * - `nonpad_kv_seqlen` (opset 24): the per-batch padding (keys `j ≥ len[b]` masked) and, without
 *   `past_key`, the per-batch causal frontier `j ≤ i + len[b] − Sq` are composed with `attn_mask`
 *   into one additive mask `[B, N or 1, Sq, Skv]` on the host.
 *
 * - `qk_matmul_output` (output 3): modes 0 and 1 (the same in ONNX's reference) are
 *   `scale·Q·Kᵀ` from the `matmul` family with the scale and the soft cap applied on the host; mode 2 adds the
 *   mask and the causal −∞ terms on the host; mode 3 (the softmax probabilities) runs the
 *   `attention` family with V = identity, so the probabilities come from the kernel's own softmax.
 *
 * `softcap` is the kernel's own (`softcap · tanh(s / softcap)` before the mask).
 *
 * Skipped with a reason: `softmax_precision` below float32 (the kernel's
 * softmax runs in f32).
 *
 * @module
 */
import type { OpExecutor } from "../executor.ts";
import { getAttribute } from "../../onnx/attribute.ts";
import { type OpAdapter, type OpPlan, UnsupportedCase } from "../case.ts";
import { broadcastTo, kernelDtype, toFloat32, transpose } from "../host_ops.ts";
import {
  type AttentionRun,
  concatSequence,
  describeAttention,
  runAttention,
  toHeadMajor,
  toSequenceMajor,
} from "./_attention.ts";
import { product, requiredInput, requireDtype } from "./_util.ts";
import { onnxAdditiveMask, onnxAttentionSizes } from "../../kernels/attention/onnx_mapping.ts";

/** `TensorProto.DataType` codes of `softmax_precision` that the f32 softmax satisfies. */
const FINE_SOFTMAX_PRECISIONS = [1, 11]; // FLOAT, DOUBLE (f32 math is below double, within tolerance)

/**
 * The ONNX Attention adapter.
 *
 * @example Plan grouped-query attention with a past KV cache
 * ```ts
 * import { onnxAttentionAdapter } from "./attention.ts";
 * const t = (dims: number[]) => ({ name: "", dataType: "float" as const, dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)), docString: "" });
 * const plan = onnxAttentionAdapter.plan({
 *   id: "x", source: "onnx-node", opType: "Attention", domain: "", opset: 23,
 *   attributes: { is_causal: { name: "is_causal", docString: "", type: "int", value: 1 } },
 *   inputs: [t([2, 9, 4, 8]), t([2, 3, 6, 8]), t([2, 3, 6, 8]), undefined, t([2, 3, 12, 8]), t([2, 3, 12, 8])],
 *   outputs: [t([2, 9, 4, 8])],
 * });
 * console.log(plan.mapping); // "attention B2 H9 KV3 Sq4 Skv18 D8 causal+12 f32; past KV concatenated on host"
 * ```
 */
export const onnxAttentionAdapter: OpAdapter = {
  name: "Attention",
  matches: (c) => c.opType === "Attention" && c.domain === "",
  plan(c): OpPlan {
    const a = c.attributes;
    const qkMode = c.outputs[3] ? getAttribute(a, "qk_matmul_output_mode", "int") ?? 0 : undefined;
    if (qkMode !== undefined && (qkMode < 0 || qkMode > 3)) {
      throw new RangeError(`${c.id}: qk_matmul_output_mode must be 0 to 3: it is ${qkMode}`);
    }
    const precision = getAttribute(a, "softmax_precision", "int");
    if (precision !== undefined && !FINE_SOFTMAX_PRECISIONS.includes(precision)) {
      throw new UnsupportedCase(
        `softmax_precision ${precision}: the kernel's softmax runs in float32, not the lower ` +
          `precision asked for`,
      );
    }
    const q = requiredInput(c, 0, "Q");
    const k = requiredInput(c, 1, "K");
    const v = requiredInput(c, 2, "V");
    const [attnMask, pastKey, pastValue, nonpad] = [3, 4, 5, 6].map((i) => c.inputs[i]);
    const dtype = kernelDtype(q, "Q");
    const others = { K: k, V: v, past_key: pastKey, past_value: pastValue };
    for (const [role, t] of Object.entries(others)) {
      if (t && kernelDtype(t, role) !== dtype) {
        throw new RangeError(`${c.id}: ${role} is ${t.dataType}, Q is ${q.dataType}`);
      }
    }
    if ((pastKey === undefined) !== (pastValue === undefined)) {
      throw new RangeError(`${c.id}: past_key and past_value must be given together`);
    }
    const sizes = (() => {
      try {
        return onnxAttentionSizes(q.dims, k.dims, v.dims, {
          qNumHeads: getAttribute(a, "q_num_heads", "int"),
          kvNumHeads: getAttribute(a, "kv_num_heads", "int"),
          scale: getAttribute(a, "scale", "float"),
          softcap: getAttribute(a, "softcap", "float"),
          isCausal: getAttribute(a, "is_causal", "int"),
        });
      } catch (error) {
        if (error instanceof RangeError) throw new RangeError(`${c.id}: ${error.message}`);
        throw error;
      }
    })();
    const { rank, batch, heads, kvHeads, seqQ, seqNew, headDim, headDimV } = sizes;
    const { causal, scale, softcap } = sizes;
    const past = pastKey ? pastKey.dims[2]! : 0;
    const seqKV = past + seqNew;
    const lengths = nonpad ? Array.from(toFloat32(nonpad)) : undefined;

    // The additive mask: attn_mask (bool → 0/−∞, padded to seqKV), plus nonpad_kv_seqlen terms.
    let mask: AttentionRun["mask"];
    if (attnMask) {
      mask = onnxAdditiveMask(
        attnMask.dataType === "bool" ? attnMask.data as Uint8Array : toFloat32(attnMask),
        attnMask.dims,
        attnMask.dataType === "bool",
        seqKV,
      );
    }
    let kernelCausal = causal;
    if (lengths) {
      const maskHeads = mask && mask.shape.length >= 3 ? mask.shape.at(-3)! : 1;
      const shape = [batch, maskHeads, seqQ, seqKV];
      const full = mask
        ? broadcastTo(mask.data, mask.shape, shape)
        : new Float32Array(product(shape));
      const causalHere = causal && !pastKey; // with past_key the kernel's causal offset applies
      for (let b = 0; b < batch; b++) {
        const len = lengths[b]!;
        for (let h = 0; h < maskHeads; h++) {
          for (let i = 0; i < seqQ; i++) {
            const row = ((b * maskHeads + h) * seqQ + i) * seqKV;
            for (let j = 0; j < seqKV; j++) {
              if (j >= len || (causalHere && j > i + len - seqQ)) full[row + j] = -Infinity;
            }
          }
        }
      }
      mask = { data: full, shape };
      if (causalHere) kernelCausal = false;
    }
    const run: AttentionRun = {
      batch,
      heads,
      kvHeads,
      seqQ,
      seqKV,
      headDim,
      headDimV,
      scale,
      softcap,
      dtype,
      mask,
      causal: kernelCausal,
      causalOffset: kernelCausal ? past : 0,
    };
    const notes = [
      rank === 3 ? "3-D heads split/merged on host" : "",
      attnMask?.dataType === "bool" ? "bool mask → additive" : "",
      attnMask && attnMask.dims.at(-1)! < seqKV ? "mask padded with −∞" : "",
      pastKey ? "past KV concatenated on host" : "",
      lengths
        ? `nonpad_kv_seqlen${causal && !pastKey ? " + per-batch causal" : ""} composed into mask`
        : "",
    ].filter(Boolean);
    const qkShape = [batch, heads, seqQ, seqKV];
    if (qkMode === 3) notes.push("qk_matmul_output (softmax) = attention with V = identity");
    if (qkMode !== undefined && qkMode < 3) {
      notes.push(
        `qk_matmul_output mode ${qkMode} = matmul batch=${batch * heads} m=${seqQ} n=${seqKV} ` +
          `k=${headDim} (K per head, transposed on host) × scale${
            qkMode === 2 ? " + mask" : ""
          } on host`,
      );
    }
    const yShape = rank === 4 ? [batch, heads, seqQ, headDimV] : [batch, seqQ, heads * headDimV];
    return {
      mapping: describeAttention(run) + (notes.length ? `; ${notes.join("; ")}` : ""),
      shapes: [
        yShape,
        [batch, kvHeads, seqKV, headDim],
        [batch, kvHeads, seqKV, headDimV],
        qkShape,
      ],
      async run(exec) {
        requireDtype(exec, dtype);
        const headMajor = (t: typeof q, n: number, s: number, size: number) =>
          rank === 4 ? toFloat32(t) : toHeadMajor(toFloat32(t), batch, s, n, size);
        const qh = headMajor(q, heads, seqQ, headDim);
        let kh = headMajor(k, kvHeads, seqNew, headDim);
        let vh = headMajor(v, kvHeads, seqNew, headDimV);
        if (pastKey && pastValue) {
          kh = concatSequence(toFloat32(pastKey), kh, batch * kvHeads, past, seqNew, headDim);
          vh = concatSequence(toFloat32(pastValue), vh, batch * kvHeads, past, seqNew, headDimV);
        }
        const y = await runAttention(exec, run, qh, kh, vh);
        const out = rank === 4 ? y : toSequenceMajor(y, batch, heads, seqQ, headDimV);
        const qk = qkMode === undefined ? undefined : qkMode === 3
          ? await runAttention(
            exec,
            { ...run, headDimV: seqKV },
            qh,
            kh,
            identityValues(batch * kvHeads, seqKV),
          )
          : await qkScores(exec, run, qh, kh, qkMode === 2);
        return [out, kh, vh, qk];
      },
    };
  },
};

/** V = identity `[B·Nkv, Skv, Skv]`: attention then returns the softmax probabilities. */
function identityValues(batchHeads: number, seqKV: number): Float32Array {
  const v = new Float32Array(batchHeads * seqKV * seqKV);
  for (let bh = 0; bh < batchHeads; bh++) {
    for (let j = 0; j < seqKV; j++) v[(bh * seqKV + j) * seqKV + j] = 1;
  }
  return v;
}

/**
 * `scale·Q·Kᵀ` per query head on the `matmul` family (K's head expanded for grouped queries and
 * transposed on the host), plus, with `withBias`, the additive mask and causal −∞ terms that the
 * attention kernel would add.
 */
async function qkScores(
  exec: OpExecutor,
  r: AttentionRun,
  q: Float32Array,
  k: Float32Array,
  withBias: boolean,
): Promise<Float64Array> {
  const { batch, heads, kvHeads, seqQ, seqKV, headDim, scale } = r;
  const group = heads / kvHeads;
  const kt = new Float32Array(batch * heads * headDim * seqKV);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const src = (b * kvHeads + Math.floor(h / group)) * seqKV * headDim;
      const one = transpose(k.subarray(src, src + seqKV * headDim), [seqKV, headDim], [1, 0]);
      kt.set(one, (b * heads + h) * headDim * seqKV);
    }
  }
  const problem = { m: seqQ, n: seqKV, k: headDim, batch: batch * heads, dtype: r.dtype };
  const raw = await exec.run("matmul", problem, [{ name: "a", data: q }, {
    name: "b",
    data: kt,
  }]);
  const shape = [batch, heads, seqQ, seqKV];
  const bias = withBias && r.mask ? broadcastTo(r.mask.data, r.mask.shape, shape) : undefined;
  const out = new Float64Array(raw.length);
  for (let i = 0; i < out.length; i++) {
    const j = i % seqKV;
    const row = Math.floor(i / seqKV) % seqQ;
    const masked = withBias && r.causal && j > row + r.causalOffset;
    const scaled = raw[i]! * scale;
    // ONNX applies the soft cap before the mask, so that −∞ stays −∞.
    const capped = r.softcap ? r.softcap * Math.tanh(scaled / r.softcap) : scaled;
    out[i] = capped + (bias ? bias[i]! : 0) + (masked ? -Infinity : 0);
  }
  return out;
}
