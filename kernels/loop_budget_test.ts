import assert from "node:assert/strict";
import { runProgram } from "../gpu/program.ts";
import { GPU_AVAILABLE, testGpu } from "../tests/gpu_fixture.ts";
import { LOOP_BUDGET, loopBudgetError, loopCost } from "./loop_budget.ts";
import type { KernelProgram } from "./types.ts";
import { wgslLoopBound } from "./wgsl_loop_bound.ts";

/** A one-invocation program that adds 1 once per innermost pass of `loops` and stores the sum. */
function counter(loops: string): KernelProgram {
  const code = `@group(0) @binding(0) var<storage, read> one: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(1)
fn main() {
  var acc = 0.0;
${loops}
  out[0] = acc;
}
`;
  return {
    code,
    entryPoint: "main",
    workgroupSize: [1, 1, 1],
    dispatch: [1, 1, 1],
    bindings: [
      { name: "one", dtype: "f32", elements: 1, access: "read" },
      { name: "out", dtype: "f32", elements: 1, access: "read_write" },
    ],
    shaderKey: code,
  };
}

Deno.test("loopCost() counts every pass and the final one, nested loops multiplied out", () => {
  assert.equal(loopCost(0), 1);
  assert.equal(loopCost(10), 11);
  assert.equal(loopCost(3, loopCost(4)), 3 * 6 + 1);
  assert.equal(loopBudgetError("x", LOOP_BUDGET), undefined);
  assert.match(loopBudgetError("the k loop", LOOP_BUDGET + 1) ?? "", /^the k loop runs 65536/);
});

Deno.test({
  name:
    "LOOP_BUDGET and loopCost() are safe on the device: loops whose costs add up to exactly the budget run every pass",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const body = "acc += one[0];";
    // Sequential loops share the budget: 1000 passes cost 1001, the rest goes to the second loop.
    const second = LOOP_BUDGET - loopCost(1000) - 1;
    const sequential = `  for (var i = 0u; i < 1000u; i++) { ${body} }
  for (var i = 0u; i < ${second}u; i++) { ${body} }`;
    // Nested loops: 250 outer passes of 250 inner ones cost 250 · 252 + 1 = 63001; a third loop
    // takes the rest.
    const third = LOOP_BUDGET - loopCost(250, loopCost(250)) - 1;
    const nested =
      `  for (var o = 0u; o < 250u; o++) { for (var i = 0u; i < 250u; i++) { ${body} } }
  for (var i = 0u; i < ${third}u; i++) { ${body} }`;
    for (
      const [loops, passes] of [[sequential, 1000 + second], [nested, 250 * 250 + third]] as const
    ) {
      const program = counter(loops);
      assert.equal(wgslLoopBound(program.code), LOOP_BUDGET);
      const out = await runProgram(gpu, program, [{ name: "one", data: new Float32Array([1]) }]);
      assert.equal(out[0], passes);
    }
  },
});
