/**
 * ONNX Runtime contrib attention ops (`com.microsoft`) on the wgtune kernels.
 *
 * `Attention`: the Q/K/V projection `input · weights + bias` is one run of the `matmul` family
 * (`m = B·S`, `k = input_hidden`, `n = q + k + v hidden`, with the kernel's bias); the columns are
 * split into Q, K and V on the host, then the `attention` family runs with `num_heads`, `scale`
 * and `unidirectional` (causal). `attention_bias` is the kernel's additive mask. Skipped:
 * `mask_index`, `past`, rotary embeddings.
 *
 * `MultiHeadAttention`: `bias` (when given) is added to Q, K and V on the host; 3-D Q/K/V
 * `[B, S, N·H]` are split into heads on the host, 4-D (BNSH) K/V are used as they are;
 * `past_key` / `past_value` are concatenated in front of K and V on the host (they are also the
 * `present_*` outputs), and `unidirectional` is the kernel's causal mask shifted by the past
 * length. `attention_bias` is the kernel's additive mask. Skipped: packed QKV/KV, the
 * `key_padding_mask`, 4-D (BNSH) K/V together with `past_key`, and `past_key` without the
 * `present_*` outputs: ONNX Runtime reads the past only when the present outputs exist
 * (`applyAttention` in `js/web/lib/wasm/jsep/webgpu/ops/attention.ts`:
 * `pastSequenceLength = outputCount > 1 ? parameters.pastSequenceLength : 0`), so those reference
 * values leave the past out, which the contrib op's definition does not say.
 *
 * @module
 */
import { getAttribute } from "../../onnx/attribute.ts";
import type { OnnxTensor } from "../../onnx/tensor.ts";
import { type ConformanceCase, type OpAdapter, type OpPlan, UnsupportedCase } from "../case.ts";
import { kernelDtype, toFloat32 } from "../host_ops.ts";
import {
  type AttentionRun,
  concatSequence,
  describeAttention,
  runAttention,
  toHeadMajor,
  toSequenceMajor,
} from "./_attention.ts";
import { requiredInput, requireDtype } from "./_util.ts";

function additiveBias(c: ConformanceCase, index: number): AttentionRun["mask"] {
  const bias = c.inputs[index];
  if (!bias) return undefined;
  if (bias.dims.length !== 4) {
    throw new RangeError(`${c.id}: attention_bias must be 4-D: it is [${bias.dims}]`);
  }
  return { data: toFloat32(bias), shape: [...bias.dims] };
}

/**
 * The `com.microsoft` `Attention` adapter.
 *
 * @example Plan the packed projection of a 5-head attention
 * ```ts
 * import { contribAttentionAdapter } from "./ort_attention.ts";
 * const t = (dims: number[]) => ({ name: "", dataType: "float" as const, dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)), docString: "" });
 * const plan = contribAttentionAdapter.plan({
 *   id: "x", source: "ort-web-ops", opType: "Attention", domain: "com.microsoft", opset: 1,
 *   attributes: { num_heads: { name: "num_heads", docString: "", type: "int", value: 5 } },
 *   inputs: [t([2, 3, 5]), t([5, 15]), t([15])], outputs: [t([2, 3, 5])],
 * });
 * console.log(plan.mapping); // "matmul m=6 n=15 k=5 f32 + bias (QKV projection); attention B2 H5 Sq3 Skv3 D1 f32"
 * ```
 */
export const contribAttentionAdapter: OpAdapter = {
  name: "Attention (com.microsoft)",
  matches: (c) => c.opType === "Attention" && c.domain === "com.microsoft",
  plan(c): OpPlan {
    const a = c.attributes;
    if (c.inputs[3]) {
      throw new UnsupportedCase("mask_index: its formats are not mapped onto the kernel mask");
    }
    if (c.inputs[4]) throw new UnsupportedCase("past (combined KV cache input) is not mapped");
    if ((getAttribute(a, "do_rotary", "int") ?? 0) !== 0) {
      throw new UnsupportedCase("do_rotary: rotary embeddings are not in the attention family");
    }
    const input = requiredInput(c, 0, "input");
    const weights = requiredInput(c, 1, "weights");
    const bias = c.inputs[2];
    const dtype = kernelDtype(input, "input");
    const heads = getAttribute(a, "num_heads", "int");
    if (heads === undefined) throw new RangeError(`${c.id}: num_heads is required`);
    const [batch, seq, inputHidden] = input.dims as [number, number, number];
    const width = weights.dims[1]!;
    const sizes = getAttribute(a, "qkv_hidden_sizes", "ints") ?? [width / 3, width / 3, width / 3];
    const [qHidden, kHidden, vHidden] = sizes as [number, number, number];
    if (qHidden + kHidden + vHidden !== width || qHidden !== kHidden) {
      throw new RangeError(`${c.id}: weights width ${width} does not split as [${sizes}]`);
    }
    const headDim = qHidden / heads;
    const headDimV = vHidden / heads;
    const run: AttentionRun = {
      batch,
      heads,
      kvHeads: heads,
      seqQ: seq,
      seqKV: seq,
      headDim,
      headDimV,
      dtype,
      scale: getAttribute(a, "scale", "float") ?? 1 / Math.sqrt(headDim),
      causal: (getAttribute(a, "unidirectional", "int") ?? 0) !== 0,
      causalOffset: 0,
      mask: additiveBias(c, 5),
    };
    const projection = {
      m: batch * seq,
      n: width,
      k: inputHidden,
      batch: 1,
      dtype,
      bias: bias !== undefined,
    };
    return {
      mapping: `matmul m=${projection.m} n=${width} k=${inputHidden} ${dtype}` +
        `${bias ? " + bias" : ""} (QKV projection); ${describeAttention(run)}`,
      shapes: [[batch, seq, vHidden]],
      async run(exec) {
        requireDtype(exec, dtype);
        const inputs = [{ name: "a", data: toFloat32(input) }, {
          name: "b",
          data: toFloat32(weights),
        }];
        if (bias) inputs.push({ name: "bias", data: toFloat32(bias) });
        const qkv = await exec.run("matmul", projection, inputs);
        const column = (start: number, size: number) => {
          const out = new Float32Array(batch * seq * size);
          for (let r = 0; r < batch * seq; r++) {
            for (let i = 0; i < size; i++) out[r * size + i] = qkv[r * width + start + i]!;
          }
          return toHeadMajor(out, batch, seq, heads, size / heads);
        };
        const y = await runAttention(
          exec,
          run,
          column(0, qHidden),
          column(qHidden, kHidden),
          column(qHidden + kHidden, vHidden),
        );
        return [toSequenceMajor(y, batch, heads, seq, headDimV)];
      },
    };
  },
};

/**
 * The `com.microsoft` `MultiHeadAttention` adapter.
 *
 * @example Plan a cross attention with one key
 * ```ts
 * import { multiHeadAttentionAdapter } from "./ort_attention.ts";
 * const t = (dims: number[]) => ({ name: "", dataType: "float" as const, dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)), docString: "" });
 * const plan = multiHeadAttentionAdapter.plan({
 *   id: "x", source: "ort-web-ops", opType: "MultiHeadAttention", domain: "com.microsoft", opset: 1,
 *   attributes: { num_heads: { name: "num_heads", docString: "", type: "int", value: 2 } },
 *   inputs: [t([1, 2, 8]), t([1, 1, 8]), t([1, 1, 8])], outputs: [t([1, 2, 8])],
 * });
 * console.log(plan.mapping); // "attention B1 H2 Sq2 Skv1 D4 f32; heads split/merged on host"
 * ```
 */
export const multiHeadAttentionAdapter: OpAdapter = {
  name: "MultiHeadAttention (com.microsoft)",
  matches: (c) => c.opType === "MultiHeadAttention" && c.domain === "com.microsoft",
  plan(c): OpPlan {
    const a = c.attributes;
    const query = requiredInput(c, 0, "query");
    const key = c.inputs[1];
    const value = c.inputs[2];
    if (!key || !value || query.dims.length !== 3 || key.dims.length > 4) {
      throw new UnsupportedCase("packed QKV or packed KV inputs are not mapped");
    }
    const bias = c.inputs[3];
    if (c.inputs[4]) {
      throw new UnsupportedCase("key_padding_mask is not mapped onto the kernel mask");
    }
    const [pastKey, pastValue] = [c.inputs[6], c.inputs[7]];
    const bnsh = key.dims.length === 4;
    if (bnsh && pastKey) {
      throw new UnsupportedCase(
        "4-D (BNSH) key/value with past_key: the contrib spec treats 4-D key/value as the cache " +
          "itself, so this combination has no defined meaning (ONNX Runtime Web leaves past_key " +
          "out of the scores yet concatenates it into present_key)",
      );
    }
    if (pastKey && !c.outputs[1]) {
      throw new UnsupportedCase(
        "past_key without the present_key output: ONNX Runtime then leaves the past out of the " +
          "scores (its reference values do), which the contrib op's definition does not say",
      );
    }
    if (bnsh && bias) throw new UnsupportedCase("bias with 4-D (BNSH) key/value is not mapped");
    const dtype = kernelDtype(query, "query");
    const heads = getAttribute(a, "num_heads", "int");
    if (heads === undefined) throw new RangeError(`${c.id}: num_heads is required`);
    const [batch, seqQ, qHidden] = query.dims as [number, number, number];
    const headDim = qHidden / heads;
    const seqNew = bnsh ? key.dims[2]! : key.dims[1]!;
    const headDimV = bnsh ? value.dims[3]! : value.dims[2]! / heads;
    const past = pastKey ? pastKey.dims[2]! : 0;
    const seqKV = past + seqNew;
    const causal = (getAttribute(a, "unidirectional", "int") ?? 0) !== 0;
    const run: AttentionRun = {
      batch,
      heads,
      kvHeads: heads,
      seqQ,
      seqKV,
      headDim,
      headDimV,
      dtype,
      causal,
      scale: getAttribute(a, "scale", "float") ?? 1 / Math.sqrt(headDim),
      causalOffset: causal ? past : 0,
      mask: additiveBias(c, 5),
    };
    const notes = [
      bnsh ? "K/V already head-major" : "heads split/merged on host",
      bias ? "bias added to Q, K, V on host" : "",
      pastKey ? "past KV concatenated on host" : "",
    ].filter(Boolean);
    return {
      mapping: `${describeAttention(run)}; ${notes.join("; ")}`,
      shapes: [[batch, seqQ, heads * headDimV], [batch, heads, seqKV, headDim], [
        batch,
        heads,
        seqKV,
        headDimV,
      ]],
      async run(exec) {
        requireDtype(exec, dtype);
        const biased = (t: OnnxTensor, offset: number): Float32Array => {
          const data = toFloat32(t);
          if (!bias) return data;
          const b = toFloat32(bias);
          const width = t.dims.at(-1)!;
          return data.map((x, i) => x + b[offset + (i % width)]!);
        };
        const qh = toHeadMajor(biased(query, 0), batch, seqQ, heads, headDim);
        let kh = bnsh
          ? toFloat32(key)
          : toHeadMajor(biased(key, qHidden), batch, seqNew, heads, headDim);
        let vh = bnsh
          ? toFloat32(value)
          : toHeadMajor(biased(value, 2 * qHidden), batch, seqNew, heads, headDimV);
        if (pastKey && pastValue) {
          kh = concatSequence(toFloat32(pastKey), kh, batch * heads, past, seqNew, headDim);
          vh = concatSequence(toFloat32(pastValue), vh, batch * heads, past, seqNew, headDimV);
        }
        const y = await runAttention(exec, run, qh, kh, vh);
        return [toSequenceMajor(y, batch, heads, seqQ, headDimV), kh, vh];
      },
    };
  },
};
