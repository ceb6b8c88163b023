import assert from "node:assert/strict";
import type { OnnxAttribute } from "../../onnx/graph.ts";
import type { ConformanceCase } from "../case.ts";
import { floatTensor, recordingExecutor } from "../_recording_executor.ts";
import { gemmAdapter } from "./gemm.ts";

function gemmCase(
  dims: number[][],
  attrs: Record<string, number>,
  c?: number[],
): ConformanceCase {
  const attributes: Record<string, OnnxAttribute> = {};
  for (const [name, value] of Object.entries(attrs)) {
    attributes[name] = name.startsWith("trans")
      ? { name, docString: "", type: "int", value }
      : { name, docString: "", type: "float", value };
  }
  return {
    id: "test",
    source: "onnx-node",
    opType: "Gemm",
    domain: "",
    opset: 13,
    attributes,
    inputs: [
      floatTensor(dims[0]!),
      floatTensor(dims[1]!),
      dims[2] ? floatTensor(dims[2], c) : undefined,
    ],
    outputs: [],
  };
}

Deno.test("gemmAdapter.plan() transposes on the host and turns a row C into beta·bias", async () => {
  const plan = gemmAdapter.plan(
    gemmCase([[3, 2], [4, 3], [1, 4]], { transA: 1, transB: 1, beta: 0.5 }, [2, 4, 6, 8]),
  );
  assert.deepEqual(plan.shapes, [[2, 4]]);
  const exec = recordingExecutor(() => new Float32Array(8).fill(1));
  const [y] = await plan.run(exec);
  const call = exec.calls[0]!;
  assert.deepEqual(call.problem, { m: 2, n: 4, k: 3, batch: 1, dtype: "f32", bias: true });
  assert.deepEqual(call.inputs.a, [0, 2, 4, 1, 3, 5]); // A [3, 2] transposed
  assert.deepEqual(call.inputs.b!.slice(0, 4), [0, 3, 6, 9]); // first row of B [4, 3] transposed
  assert.deepEqual(call.inputs.bias, [1, 2, 3, 4]);
  assert.deepEqual(Array.from(y!), new Array(8).fill(1)); // the kernel's output is the result
});

Deno.test("gemmAdapter.plan() uses a host epilogue for a column C and for alpha ≠ 1", async () => {
  const exec = recordingExecutor(() => [1, 2, 3, 4]);
  const column = gemmAdapter.plan(
    gemmCase([[2, 3], [3, 2], [2, 1]], { alpha: 2, beta: 3 }, [10, 20]),
  );
  const [y] = await column.run(exec);
  assert.equal(exec.calls[0]?.problem.bias, false);
  assert.deepEqual(Array.from(y!), [2 + 30, 4 + 30, 6 + 60, 8 + 60]);
  const scaled = gemmAdapter.plan(gemmCase([[2, 3], [3, 2]], { alpha: 0.5 }));
  assert.deepEqual(Array.from((await scaled.run(exec))[0]!), [0.5, 1, 1.5, 2]);
  const betaZero = gemmAdapter.plan(gemmCase([[2, 3], [3, 2], [2, 2]], { beta: 0 }, [9, 9, 9, 9]));
  assert.deepEqual(Array.from((await betaZero.run(exec))[0]!), [1, 2, 3, 4]);
  assert.doesNotMatch(betaZero.mapping, /bias|epilogue/);
});

Deno.test("gemmAdapter.plan() rejects operands whose K differ", () => {
  assert.throws(() => gemmAdapter.plan(gemmCase([[2, 3], [4, 2]], {})), RangeError);
});
