/**
 * The ONNX backend node tests (`../shared/conformance/onnx-node`) and ONNX Runtime Web's operator
 * tests (`ort-web-ops`) of the elementwise,
 * normalization, reduction, cast and Q/DQ generators: every single-node case of their op types
 * runs through the generator on the test GPU and is compared with the stored outputs. Cases a
 * generator declines with UnsupportedOpError (blocked quantization, float8, training mode) are
 * listed as skipped.
 */
import assert from "node:assert/strict";
import { GPU_AVAILABLE, testGpu } from "../../tests/gpu_fixture.ts";
import { loadOnnxNodeCases, type OpSelector } from "../../conformance/onnx_node_cases.ts";
import { loadOrtWebCases } from "../../conformance/ort_web_cases.ts";
import { conformanceDir } from "../../conformance/data_dir.ts";
import type { OnnxTensor } from "../../onnx/tensor.ts";
import { castOps } from "./cast.ts";
import { elementwiseOps } from "./elementwise.ts";
import { runOpPlan } from "./execute.ts";
import { normalizationOps } from "./normalization.ts";
import { quantizeOps } from "./quantize.ts";
import { reduceOps } from "./reduce.ts";
import { assertClose } from "./testdata/op_check.ts";
import { type GpuDtype, type OpNode, type TensorInfo, UnsupportedOpError } from "./types.ts";

const GENERATORS = [
  ...elementwiseOps,
  ...normalizationOps,
  ...reduceOps,
  ...castOps,
  ...quantizeOps,
];

const FLOATS = new Set(["float", "double", "float16", "bfloat16"]);

function storage(t: OnnxTensor): GpuDtype | undefined {
  if (FLOATS.has(t.dataType)) return "f32";
  if (t.dataType.startsWith("float") || t.dataType === "string") return undefined;
  return "i32";
}

function info(t: OnnxTensor): TensorInfo {
  return { dims: t.dims, dtype: storage(t) ?? "f32", elemType: t.dataType };
}

const values = (t: OnnxTensor) => Array.from(t.data as ArrayLike<number | bigint>, Number);

const hasData = await Deno.stat(new URL("onnx-node/", conformanceDir())).then(
  () => true,
  () => false,
);

Deno.test({
  name:
    "elementwise/normalization/reduce/cast/quantize ops match the ONNX node and ORT Web op tests",
  ignore: !GPU_AVAILABLE || !hasData,
  async fn() {
    const select: OpSelector = (op, domain) =>
      domain === "" && GENERATORS.some((g) => g.opTypes.includes(op));
    const cases = [
      ...await loadOnnxNodeCases(conformanceDir(), select),
      ...loadOrtWebCases(conformanceDir(), select),
    ];
    assert.ok(cases.length > 50, `only ${cases.length} cases found`);
    const gpu = await testGpu();
    const skipped: string[] = [];
    let passed = 0;
    for (const c of cases) {
      const generator = GENERATORS.find((g) => g.opTypes.includes(c.opType))!;
      const tensors = [...c.inputs, ...c.outputs].filter((t): t is OnnxTensor => t !== undefined);
      const odd = tensors.find((t) => storage(t) === undefined);
      if (odd) {
        skipped.push(`${c.id}: ${odd.dataType} tensors`);
        continue;
      }
      const node: OpNode = {
        opType: c.opType,
        attributes: c.attributes,
        inputs: c.inputs.map((t) => (t ? info(t) : undefined)),
        // Outputs up to the last one with a reference (the rest are not requested).
        outputs: c.outputs.slice(0, c.outputs.findLastIndex((t) => t) + 1).map((t, i) => {
          if (!t) throw new Error(`${c.id}: output ${i} has no reference`);
          return info(t);
        }),
        constants: c.inputs.map((t) => (t ? values(t) : undefined)),
      };
      let plan;
      try {
        plan = generator.plan(node);
      } catch (error) {
        if (!(error instanceof UnsupportedOpError)) throw error;
        skipped.push(`${c.id}: ${error.message}`);
        continue;
      }
      const got = await runOpPlan(
        gpu,
        node,
        plan,
        c.inputs.map((t) => (t ? values(t) : undefined)),
      );
      node.outputs.forEach((_, o) => {
        const t = c.outputs[o];
        const exact = storage(t!) === "i32";
        assertClose(
          got[o]!,
          values(t!),
          exact ? { rtol: 0, atol: 0 } : { rtol: 1e-4, atol: 1e-5 },
          `${c.id} output ${o}`,
        );
      });
      passed++;
    }
    console.log(
      `${passed} conformance cases passed; skipped ${skipped.length}:\n  ${skipped.join("\n  ")}`,
    );
    assert.ok(passed >= 50);
  },
});
