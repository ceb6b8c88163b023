/**
 * The ONNX backend node tests (`../shared/conformance/onnx-node`) of the pooling, resize,
 * data-movement and ConvTranspose generators: every single-node case of their op types runs
 * through the generator on the test GPU and is compared with the stored outputs.
 */
import assert from "node:assert/strict";
import { GPU_AVAILABLE, testGpu } from "../../tests/gpu_fixture.ts";
import { loadOnnxNodeCases } from "../../conformance/onnx_node_cases.ts";
import { conformanceDir } from "../../conformance/data_dir.ts";
import type { OnnxTensor } from "../../onnx/tensor.ts";
import { convTransposeOps } from "./conv_transpose.ts";
import { runOpPlan } from "./execute.ts";
import { movementOps } from "./movement.ts";
import { poolOps } from "./pool.ts";
import { resizeOps } from "./resize.ts";
import type { OpNode, TensorInfo } from "./types.ts";

const GENERATORS = [...movementOps, ...poolOps, ...resizeOps, ...convTransposeOps];

const FLOATS = new Set(["float", "double", "float16"]);
const info = (t: OnnxTensor): TensorInfo => ({
  dims: t.dims,
  dtype: FLOATS.has(t.dataType) ? "f32" : "i32",
});
const values = (t: OnnxTensor) => Array.from(t.data as ArrayLike<number | bigint>, Number);

const hasData = await Deno.stat(new URL("onnx-node/", conformanceDir())).then(
  () => true,
  () => false,
);

Deno.test({
  name: "pool/resize/movement/ConvTranspose ops match the ONNX node tests, for every stored case",
  ignore: !GPU_AVAILABLE || !hasData,
  async fn() {
    const cases = await loadOnnxNodeCases(
      conformanceDir(),
      (op, domain) => domain === "" && GENERATORS.some((g) => g.opTypes.includes(op)),
    );
    assert.ok(cases.length >= 4, `only ${cases.length} cases found`);
    const gpu = await testGpu();
    for (const c of cases) {
      const generator = GENERATORS.find((g) => g.opTypes.includes(c.opType))!;
      const node: OpNode = {
        opType: c.opType,
        attributes: c.attributes,
        inputs: c.inputs.map((t) => (t ? info(t) : undefined)),
        outputs: c.outputs.map((t, i) => {
          if (!t) throw new Error(`${c.id}: output ${i} has no reference`);
          return info(t);
        }),
        constants: c.inputs.map((t) => (t ? values(t) : undefined)),
      };
      const got = await runOpPlan(
        gpu,
        node,
        generator.plan(node),
        c.inputs.map((t) => (t ? values(t) : undefined)),
      );
      c.outputs.forEach((t, o) => {
        const want = values(t!);
        const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        want.forEach((w, j) => {
          const d = Math.abs(got[o]![j]! - w);
          assert.ok(d <= 1e-5 * scale + 1e-6, `${c.id} output ${o}[${j}]: ${got[o]![j]} vs ${w}`);
        });
      });
    }
  },
});
