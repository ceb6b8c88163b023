import assert from "node:assert/strict";
import { GPU_AVAILABLE, testGpu } from "../tests/gpu_fixture.ts";
import { CompileError, compileProgram, runProgram } from "./program.ts";
import type { KernelProgram } from "../core/types.ts";

const doubler: KernelProgram = {
  code: `@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) {
  if (g.x < arrayLength(&y)) { y[g.x] = 2.0 * x[g.x]; }
}`,
  entryPoint: "main",
  workgroupSize: [64, 1, 1],
  dispatch: [2, 1, 1],
  bindings: [
    { name: "x", dtype: "f32", elements: 100, access: "read" },
    { name: "y", dtype: "f32", elements: 100, access: "read_write" },
  ],
  shaderKey: "doubler",
};

Deno.test({
  name: "runProgram() uploads inputs, dispatches and reads the output back",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const x = Float32Array.from({ length: 100 }, (_, i) => i - 50);
    const y = await runProgram(gpu, doubler, [{ name: "x", data: x }]);
    assert.deepEqual([...y], [...x].map((v) => 2 * v));
  },
});

Deno.test({
  name: "compileProgram() throws CompileError for invalid WGSL instead of crashing",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    await assert.rejects(
      compileProgram(gpu, { ...doubler, code: doubler.code.replace("2.0 * x", "2.0 * nope") }),
      CompileError,
    );
  },
});
