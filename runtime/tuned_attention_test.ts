import assert from "node:assert/strict";
import type { OnnxAttributes } from "../onnx/graph.ts";
import { GPU_AVAILABLE, testGpu } from "../tests/gpu_fixture.ts";
import { attentionPlan } from "./tuned_attention.ts";
import type { OpNode, TensorInfo } from "./ops/types.ts";
import { createSession } from "./session.ts";
import { buildNodeModel, runOrtNode, type TestAttribute } from "./ops/testdata/ort_node.ts";
import { assertClose, floatInput, ints } from "./ops/testdata/op_check.ts";

const f32 = (dims: number[]): TensorInfo => ({ dims, dtype: "f32", elemType: "float" });

function attrs(list: readonly TestAttribute[]): OnnxAttributes {
  return Object.fromEntries(list.map((a) => [a.name, { ...a, docString: "" }])) as OnnxAttributes;
}

function node(
  inputs: (TensorInfo | undefined)[],
  outputs: (TensorInfo | undefined)[],
  attributes: readonly TestAttribute[] = [],
): OpNode {
  return {
    opType: "Attention",
    attributes: attrs(attributes),
    inputs,
    outputs: outputs as TensorInfo[],
    constants: inputs.map(() => undefined),
  };
}

const heads3d: TestAttribute[] = [
  { name: "q_num_heads", type: "int", value: 4 },
  { name: "kv_num_heads", type: "int", value: 2 },
];

Deno.test("attentionPlan() binds 4-D Q/K/V as they are and maps GQA, scale and softcap", () => {
  const plan = attentionPlan(node([f32([1, 4, 3, 8]), f32([1, 2, 5, 8]), f32([1, 2, 5, 6])], [
    f32([1, 4, 3, 6]),
  ], [{ name: "scale", type: "float", value: 0.5 }, { name: "softcap", type: "float", value: 3 }]));
  assert.ok(plan);
  assert.equal(plan.op, "attention");
  assert.deepEqual(
    { ...plan.problem },
    {
      batch: 1,
      heads: 4,
      kvHeads: 2,
      seqQ: 3,
      seqKV: 5,
      headDim: 8,
      headDimV: 6,
      scale: 0.5,
      softcap: 3,
      causal: false,
      dtype: "f32",
    },
  );
  assert.equal(plan.before, undefined);
  assert.deepEqual(plan.bindings.q, { kind: "input", index: 0 });
  assert.deepEqual(plan.bindings.output, { kind: "output", index: 0 });
});

Deno.test("attentionPlan() splits 3-D heads before the kernel and merges them after it", () => {
  const plan = attentionPlan(
    node([f32([2, 3, 32]), f32([2, 5, 16]), f32([2, 5, 16])], [f32([2, 3, 32])], heads3d),
  );
  assert.ok(plan);
  assert.equal(plan.before?.length, 3);
  assert.equal(plan.after?.length, 1);
  assert.deepEqual(plan.scratch, [2 * 4 * 3 * 8, 2 * 2 * 5 * 8, 2 * 2 * 5 * 8, 2 * 4 * 3 * 8]);
  assert.deepEqual(plan.bindings.output, { kind: "scratch", index: 3 });
  // One query position: Q and the output need no move.
  const decode = attentionPlan(
    node([f32([2, 1, 32]), f32([2, 5, 16]), f32([2, 5, 16])], [f32([2, 1, 32])], heads3d),
  );
  assert.equal(decode?.before?.length, 2);
  assert.equal(decode?.after?.length, 0);
});

Deno.test("attentionPlan() concatenates a past cache into present outputs, shifting causality", () => {
  const plan = attentionPlan(node(
    [
      f32([1, 2, 3, 4]),
      f32([1, 2, 3, 4]),
      f32([1, 2, 3, 4]),
      undefined,
      f32([1, 2, 5, 4]),
      f32([1, 2, 5, 4]),
    ],
    [f32([1, 2, 3, 4]), f32([1, 2, 8, 4]), f32([1, 2, 8, 4])],
    [{ name: "is_causal", type: "int", value: 1 }],
  ));
  assert.ok(plan);
  assert.equal(plan.problem.seqKV, 8);
  assert.equal(plan.problem.causalOffset, 5);
  assert.deepEqual(plan.bindings.k, { kind: "output", index: 1 });
  assert.deepEqual(plan.bindings.v, { kind: "output", index: 2 });
});

Deno.test("attentionPlan() composes nonpad_kv_seqlen into a mask and lifts causality into it", () => {
  const qkv = [f32([2, 1, 2, 4]), f32([2, 1, 3, 4]), f32([2, 1, 3, 4])];
  const lengths: TensorInfo = { dims: [2], dtype: "i32", elemType: "int64" };
  const plan = attentionPlan(node(
    [...qkv, f32([2, 3]), undefined, undefined, lengths],
    [f32([2, 1, 2, 4])],
    [{ name: "is_causal", type: "int", value: 1 }],
  ));
  assert.ok(plan);
  assert.deepEqual(plan.problem.maskShape, [2, 1, 2, 3]);
  assert.equal(plan.problem.causal, false);
  const nonpad = plan.before!.at(-1)!;
  assert.deepEqual(nonpad.bindings.in0, { kind: "input", index: 6 });
  assert.deepEqual(nonpad.bindings.in1, { kind: "input", index: 3 });
  assert.deepEqual(plan.bindings.mask, nonpad.bindings.out0);
});

Deno.test("attentionPlan() adds a scores program for qk_matmul_output, and declines f16 softmax", () => {
  const qkv = [f32([1, 1, 2, 4]), f32([1, 1, 2, 4]), f32([1, 1, 2, 4])];
  const y = f32([1, 1, 2, 4]);
  assert.ok(attentionPlan(node(qkv, [y])));
  const withQk = attentionPlan(node(qkv, [y, undefined, undefined, f32([1, 1, 2, 2])]));
  assert.deepEqual(withQk?.after?.at(-1)?.bindings.out0, { kind: "output", index: 3 });
  const long = [f32([1, 1, 2, 64]), f32([1, 1, 1000, 64]), f32([1, 1, 1000, 64])];
  const mode3 = [{ name: "qk_matmul_output_mode", type: "int" as const, value: 3 }];
  assert.equal(
    attentionPlan(
      node(long, [f32([1, 1, 2, 64]), undefined, undefined, f32([1, 1, 2, 1000])], mode3),
    ),
    undefined,
  );
  assert.equal(
    attentionPlan(node(qkv, [y], [{ name: "softmax_precision", type: "int", value: 10 }])),
    undefined,
  );
  assert.equal(attentionPlan(node([f32([1, 2, 8]), qkv[1], qkv[2]], [y])), undefined);
});

interface AttentionCase {
  readonly label: string;
  readonly q: number[];
  readonly k: number[];
  readonly v: number[];
  readonly attributes?: TestAttribute[];
  readonly mask?: { dims: number[]; bool: boolean; constant: boolean };
  readonly past?: number;
  /** Also ask for qk_matmul_output. */
  readonly qk?: boolean;
}

const CASES: readonly AttentionCase[] = [
  { label: "4-D", q: [2, 2, 3, 8], k: [2, 2, 5, 8], v: [2, 2, 5, 6] },
  {
    label: "3-D causal, scaled",
    q: [2, 4, 24],
    k: [2, 6, 24],
    v: [2, 6, 12],
    attributes: [
      { name: "q_num_heads", type: "int", value: 3 },
      { name: "kv_num_heads", type: "int", value: 3 },
      { name: "is_causal", type: "int", value: 1 },
      { name: "scale", type: "float", value: 0.3 },
    ],
  },
  {
    label: "4-D softcap",
    q: [1, 2, 3, 4],
    k: [1, 2, 5, 4],
    v: [1, 2, 5, 4],
    attributes: [{ name: "softcap", type: "float", value: 0.5 }],
  },
  // onnxruntime adds the mask before the soft cap (ONNX: after), so masks are checked without it.
  {
    label: "4-D, run-time bool mask 4-D",
    q: [1, 2, 3, 4],
    k: [1, 2, 5, 4],
    v: [1, 2, 5, 4],
    mask: { dims: [1, 2, 3, 5], bool: true, constant: false },
  },
  {
    label: "3-D, run-time float mask 2-D",
    q: [1, 3, 8],
    k: [1, 4, 8],
    v: [1, 4, 8],
    attributes: [
      { name: "q_num_heads", type: "int", value: 2 },
      { name: "kv_num_heads", type: "int", value: 2 },
    ],
    mask: { dims: [3, 4], bool: false, constant: false },
  },
  {
    label: "4-D, constant bool mask 2-D",
    q: [1, 1, 2, 4],
    k: [1, 1, 4, 4],
    v: [1, 1, 4, 4],
    mask: { dims: [2, 4], bool: true, constant: true },
  },
  {
    label: "3-D, constant float mask 3-D",
    q: [2, 3, 8],
    k: [2, 4, 8],
    v: [2, 4, 8],
    attributes: [
      { name: "q_num_heads", type: "int", value: 2 },
      { name: "kv_num_heads", type: "int", value: 2 },
    ],
    mask: { dims: [2, 3, 4], bool: false, constant: true },
  },
  {
    label: "4-D with past, present and qk_matmul_output (mode 0)",
    q: [1, 2, 3, 4],
    k: [1, 2, 2, 4],
    v: [1, 2, 2, 4],
    attributes: [{ name: "scale", type: "float", value: 0.7 }],
    past: 2,
    qk: true,
  },
  {
    label: "3-D causal with past, present and qk_matmul_output (mode 3, softmax)",
    q: [1, 3, 8],
    k: [1, 3, 8],
    v: [1, 3, 8],
    attributes: [
      { name: "q_num_heads", type: "int", value: 2 },
      { name: "kv_num_heads", type: "int", value: 2 },
      { name: "is_causal", type: "int", value: 1 },
      { name: "qk_matmul_output_mode", type: "int", value: 3 },
    ],
    past: 2,
    qk: true,
  },
  {
    label: "4-D causal with past and present",
    q: [1, 2, 2, 4],
    k: [1, 2, 2, 4],
    v: [1, 2, 2, 4],
    attributes: [{ name: "is_causal", type: "int", value: 1 }],
    past: 3,
  },
];

for (const c of CASES) {
  Deno.test({
    name:
      `Session runs an ONNX Attention node (${c.label}) on the attention family like onnxruntime`,
    ignore: !GPU_AVAILABLE,
    async fn() {
      let seed = 7;
      const inputs = [
        floatInput(c.q, seed++, -1, 1),
        floatInput(c.k, seed++),
        floatInput(c.v, seed++),
      ];
      const full: (typeof inputs[number] | undefined)[] = [...inputs];
      if (c.mask) {
        const n = c.mask.dims.reduce((a, b) => a * b, 1);
        // Every row keeps its first key, so no row is fully masked (onnxruntime differs there).
        const bits = ints(seed++, n, 0, 1).map((b, i) => (i % c.mask!.dims.at(-1)! === 0 ? 1 : b));
        full.push(
          c.mask.bool
            ? { type: "bool", dims: c.mask.dims, data: bits, initializer: c.mask.constant }
            : { ...floatInput(c.mask.dims, seed++, -2, 2), initializer: c.mask.constant },
        );
      }
      if (c.past) {
        while (full.length < 4) full.push(undefined);
        // Past caches are 4-D [B, Nkv, P, H] also for 3-D inputs.
        const kv = c.attributes?.find((a) => a.name === "kv_num_heads")?.value as number;
        const [b, h, d, dv] = c.k.length === 4
          ? [c.k[0]!, c.k[1]!, c.k[3]!, c.v[3]!]
          : [c.k[0]!, kv, c.k[2]! / kv, c.v[2]! / kv];
        full.push(floatInput([b, h, c.past, d], seed++), floatInput([b, h, c.past, dv], seed++));
      }
      const test = {
        opType: "Attention",
        opset: 23,
        attributes: c.attributes ?? [],
        inputs: full,
        outputs: c.qk ? 4 : c.past ? 3 : 1,
      };
      const want = await runOrtNode(test);
      const gpu = await testGpu();
      const session = await createSession(gpu, buildNodeModel(test), { cacheDir: null });
      try {
        const feeds: Record<
          string,
          { dataType: "float" | "bool"; dims: number[]; data: Float32Array | Uint8Array }
        > = {};
        full.forEach((x, i) => {
          if (!x || x.initializer) return;
          feeds[`x${i}`] = x.type === "bool"
            ? { dataType: "bool", dims: [...x.dims], data: Uint8Array.from(x.data) }
            : { dataType: "float", dims: [...x.dims], data: Float32Array.from(x.data) };
        });
        const got = await session.run(feeds);
        want.forEach((w, i) => {
          const g = got[`y${i}`]!;
          assert.deepEqual([...g.dims], [...w.dims], `${c.label} y${i} dims`);
          assertClose(
            g.data as Float32Array,
            w.data,
            { rtol: 1e-4, atol: 1e-5 },
            `${c.label} y${i}`,
          );
        });
        const report = session.report.nodes.find((n) => n.opType === "Attention")!;
        assert.equal(report.family, "attention", `${c.label}: ${report.where} ${report.reason}`);
      } finally {
        await session.release();
      }
    },
  });
}
