import assert from "node:assert/strict";
import { attentionReference } from "../../kernels/attention/reference.ts";
import { normalizeAttentionProblem } from "../../kernels/attention/problem.ts";
import { matmulReference } from "../../kernels/matmul/reference.ts";
import { normalizeMatmulProblem } from "../../kernels/matmul/problem.ts";
import type { OnnxAttribute } from "../../onnx/graph.ts";
import type { OnnxTensor } from "../../onnx/tensor.ts";
import { type ConformanceCase, UnsupportedCase } from "../case.ts";
import { floatTensor, type RecordedCall, recordingExecutor } from "../_recording_executor.ts";
import { onnxAttentionAdapter } from "./attention.ts";

const int = (name: string, value: number): OnnxAttribute => ({
  name,
  docString: "",
  type: "int",
  value,
});
const float = (name: string, value: number): OnnxAttribute => ({
  name,
  docString: "",
  type: "float",
  value,
});

function attentionCase(
  inputs: (OnnxTensor | undefined)[],
  attributes: OnnxAttribute[] = [],
  outputs: (OnnxTensor | undefined)[] = [],
): ConformanceCase {
  return {
    id: "test",
    source: "onnx-node",
    opType: "Attention",
    domain: "",
    opset: 24,
    attributes: Object.fromEntries(attributes.map((a) => [a.name, a])),
    inputs,
    outputs,
  };
}

const random = (dims: number[], seed: number) => {
  let s = seed;
  const size = dims.reduce((a, b) => a * b, 1);
  return floatTensor(
    dims,
    Array.from({ length: size }, () => (s = (s * 16807) % 2147483647) / 2147483647 - 0.5),
  );
};

/** Answers kernel calls with the families' own float64 references. */
const byReference = (call: RecordedCall) => {
  const inputs = Object.entries(call.inputs).map(([name, data]) => ({
    name,
    data: Float32Array.from(data),
  }));
  return call.op === "attention"
    ? attentionReference(normalizeAttentionProblem(call.problem), inputs)
    : matmulReference(normalizeMatmulProblem(call.problem), inputs);
};

/**
 * ONNX Attention written out for 4-D inputs (as onnx/reference/ops/op_attention.py defines it):
 * bool mask, causal frontier j ≤ i + len[b] − Sq (when causal), padding j < len[b], GQA, fully
 * masked rows → 0.
 */
function onnxAttention(
  q: OnnxTensor,
  k: OnnxTensor,
  v: OnnxTensor,
  mask: readonly boolean[][],
  lengths: readonly number[],
  scale: number,
  causal: boolean,
): number[] {
  const [B, H, Sq, D] = q.dims as [number, number, number, number];
  const [, Hkv, Skv] = k.dims as [number, number, number];
  const Dv = v.dims[3]!;
  const out: number[] = [];
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const kh = Math.floor(h / (H / Hkv));
      for (let i = 0; i < Sq; i++) {
        const scores: number[] = [];
        for (let j = 0; j < Skv; j++) {
          let dot = 0;
          for (let d = 0; d < D; d++) {
            dot += q.data[((b * H + h) * Sq + i) * D + d]! as number *
              (k.data[((b * Hkv + kh) * Skv + j) * D + d] as number);
          }
          const allowed = mask[i]![j]! && (!causal || j <= i + lengths[b]! - Sq) && j < lengths[b]!;
          scores.push(allowed ? dot * scale : -Infinity);
        }
        const max = Math.max(...scores);
        const e = scores.map((s) => max === -Infinity ? 0 : Math.exp(s - max));
        const sum = e.reduce((x, y) => x + y, 0);
        for (let c = 0; c < Dv; c++) {
          let acc = 0;
          for (let j = 0; j < Skv; j++) {
            acc += sum ? e[j]! / sum * (v.data[((b * Hkv + kh) * Skv + j) * Dv + c] as number) : 0;
          }
          out.push(acc);
        }
      }
    }
  }
  return out;
}

Deno.test("onnxAttentionAdapter.plan() maps softcap onto the kernel and skips low softmax precision with a reason", () => {
  const qkv = [floatTensor([1, 1, 2, 4]), floatTensor([1, 1, 2, 4]), floatTensor([1, 1, 2, 4])];
  assert.match(
    onnxAttentionAdapter.plan(attentionCase(qkv, [float("softcap", 2)])).mapping,
    /softcap2 /,
  );
  assert.throws(
    () => onnxAttentionAdapter.plan(attentionCase(qkv, [float("softcap", -1)])),
    RangeError,
  );
  assert.throws(
    () => onnxAttentionAdapter.plan(attentionCase(qkv, [int("softmax_precision", 10)])),
    UnsupportedCase,
  );
  assert.doesNotThrow(() =>
    onnxAttentionAdapter.plan(attentionCase(qkv, [int("softmax_precision", 1)]))
  );
});

Deno.test("onnxAttentionAdapter.plan() splits 3-D heads and concatenates the past", async () => {
  // Q [1, 2, 2·3], K/V [1, 1, 1·3] with 2 query heads over 1 kv head; past of length 2.
  const q = floatTensor([1, 2, 6]);
  const k = floatTensor([1, 1, 3], [100, 101, 102]);
  const v = floatTensor([1, 1, 3], [200, 201, 202]);
  const past = floatTensor([1, 1, 2, 3]);
  const plan = onnxAttentionAdapter.plan(
    attentionCase([q, k, v, undefined, past, past], [
      int("q_num_heads", 2),
      int("kv_num_heads", 1),
      int("is_causal", 1),
    ]),
  );
  assert.deepEqual(plan.shapes.slice(0, 3), [[1, 2, 6], [1, 1, 3, 3], [1, 1, 3, 3]]);
  const exec = recordingExecutor(() => new Float32Array(12));
  const [, presentKey] = await plan.run(exec);
  const call = exec.calls[0]!;
  assert.equal(call.op, "attention");
  assert.deepEqual(call.problem, {
    batch: 1,
    heads: 2,
    kvHeads: 1,
    seqQ: 2,
    seqKV: 3,
    headDim: 3,
    headDimV: 3,
    scale: 1 / Math.sqrt(3),
    causal: true,
    causalOffset: 2,
    dtype: "f32",
  });
  assert.deepEqual(call.inputs.q, [0, 1, 2, 6, 7, 8, 3, 4, 5, 9, 10, 11]); // [B, S, H·D] → [B, H, S, D]
  assert.deepEqual(call.inputs.k, [0, 1, 2, 3, 4, 5, 100, 101, 102]);
  assert.deepEqual(Array.from(presentKey!), call.inputs.k);
});

Deno.test("onnxAttentionAdapter.plan() composes bool mask, padding and per-batch causal like ONNX", async () => {
  const q = random([2, 4, 3, 4], 7);
  const k = random([2, 2, 5, 4], 11);
  const v = random([2, 2, 5, 3], 13);
  // A bool mask of 4 keys (padded with false to 5) and per-batch valid lengths.
  const maskRows = [[true, true, false, true], [true, true, true, true], [false, true, true, true]];
  const mask: OnnxTensor = {
    name: "",
    dataType: "bool",
    dims: [3, 4],
    docString: "",
    data: Uint8Array.from(maskRows.flat(), Number),
  };
  const lengths: OnnxTensor = {
    name: "",
    dataType: "int64",
    dims: [2],
    docString: "",
    data: Float64Array.of(5, 3),
  };
  for (const causal of [true, false]) {
    const plan = onnxAttentionAdapter.plan(
      attentionCase([q, k, v, mask, undefined, undefined, lengths], [
        int("is_causal", causal ? 1 : 0),
        float("scale", 0.7),
      ]),
    );
    const exec = recordingExecutor(byReference);
    const [y] = await plan.run(exec);
    assert.equal(exec.calls[0]?.problem.causal, false); // the causal frontier went into the mask
    const padded = maskRows.map((row) => [...row, false]);
    const expected = onnxAttention(q, k, v, padded, [5, 3], 0.7, causal);
    const got = Array.from(y!);
    assert.equal(got.length, expected.length);
    got.forEach((x, i) =>
      assert.ok(
        Math.abs(x - expected[i]!) < 1e-6,
        `causal ${causal} y[${i}] = ${x}, expected ${expected[i]}`,
      )
    );
  }
});

Deno.test("onnxAttentionAdapter.plan() computes qk_matmul_output with the matmul and attention families", async () => {
  const q = random([1, 2, 2, 3], 3);
  const k = random([1, 1, 4, 3], 5);
  const v = random([1, 1, 4, 2], 9);
  const maskValues = [0, -1, -Infinity, 2, 0.5, 0, 0, -3];
  const mask = floatTensor([2, 4], maskValues);
  const scores = (h: number, i: number, j: number) => {
    let dot = 0;
    for (let d = 0; d < 3; d++) {
      dot += (q.data[(h * 2 + i) * 3 + d] as number) * (k.data[j * 3 + d] as number);
    }
    return 0.5 * dot;
  };
  for (const mode of [0, 2, 3]) {
    const plan = onnxAttentionAdapter.plan(
      attentionCase([q, k, v, mask], [int("qk_matmul_output_mode", mode), float("scale", 0.5)], [
        floatTensor([1, 2, 2, 2]),
        undefined,
        undefined,
        floatTensor([1, 2, 2, 4]),
      ]),
    );
    assert.deepEqual(plan.shapes[3], [1, 2, 2, 4]);
    const exec = recordingExecutor(byReference);
    const qk = Array.from((await plan.run(exec))[3]!);
    assert.equal(exec.calls[1]?.op, mode === 3 ? "attention" : "matmul");
    for (let h = 0; h < 2; h++) {
      for (let i = 0; i < 2; i++) {
        const row = [0, 1, 2, 3].map((j) =>
          scores(h, i, j) + (mode === 0 ? 0 : maskValues[i * 4 + j]!)
        );
        const max = Math.max(...row);
        const sum = row.reduce((s, x) => s + Math.exp(x - max), 0);
        row.forEach((x, j) => {
          const want = mode === 3 ? Math.exp(x - max) / sum : x;
          const have = qk[(h * 2 + i) * 4 + j]!;
          assert.ok(
            have === want || Math.abs(have - want) < 1e-6,
            `mode ${mode} [${h},${i},${j}]: ${have} vs ${want}`,
          );
        });
      }
    }
  }
});
