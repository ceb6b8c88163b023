import assert from "node:assert/strict";
import { runOrtNode } from "./ort_node.ts";

Deno.test("runOrtNode() runs a one-node model on onnxruntime's CPU provider", async () => {
  const [y] = await runOrtNode({
    opType: "Clip",
    opset: 13,
    inputs: [
      { type: "float", dims: [4], data: [-2, -0.5, 0.5, 2] },
      { type: "float", dims: [], data: [-1], initializer: true },
      { type: "float", dims: [], data: [1], initializer: true },
    ],
  });
  assert.deepEqual(y!.dims, [4]);
  assert.deepEqual(y!.data, [-1, -0.5, 0.5, 1]);
});
