import assert from "node:assert/strict";
import { GPU_AVAILABLE, testGpu } from "../tests/gpu_fixture.ts";
import { createProgramBindGroup, createUniformBuffer } from "./bind_group.ts";
import { compileProgram, runProgram } from "./program.ts";
import type { KernelProgram } from "../core/types.ts";

/** y[i] = x[i] * u.scale + u.shift: reads its storage buffers and its uniform block. */
const affine: KernelProgram = {
  code: `struct U { scale: u32, shift: u32 }
@group(0) @binding(0) var<storage, read> x: array<i32>;
@group(0) @binding(1) var<storage, read_write> y: array<i32>;
@group(0) @binding(2) var<uniform> u: U;
@compute @workgroup_size(8) fn main(@builtin(global_invocation_id) g: vec3u) {
  if (g.x < arrayLength(&y)) { y[g.x] = x[g.x] * i32(u.scale) + i32(u.shift); }
}`,
  entryPoint: "main",
  workgroupSize: [8, 1, 1],
  dispatch: [1, 1, 1],
  bindings: [
    { name: "x", dtype: "i32", elements: 5, access: "read" },
    { name: "y", dtype: "i32", elements: 5, access: "read_write" },
  ],
  uniforms: new Uint32Array([3, 7]),
  shaderKey: "affine",
};

Deno.test({
  name: "createProgramBindGroup() binds the storage buffers in order and the uniforms after them",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const y = await runProgram(gpu, affine, [{ name: "x", data: new Int32Array([0, 1, 2, 3, 4]) }]);
    assert.deepEqual([...y], [7, 10, 13, 16, 19]);
  },
});

Deno.test({
  name: "createProgramBindGroup() takes the uniform buffer from the caller, when given one",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const { device } = gpu;
    const { pipeline } = await compileProgram(gpu, affine);
    const storage = [0, 1].map(() =>
      device.createBuffer({ size: 20, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC })
    );
    const made: GPUBuffer[] = [];
    const { uniform } = createProgramBindGroup(device, pipeline, affine, storage, (data) => {
      const buffer = createUniformBuffer(device, data);
      made.push(buffer);
      return buffer;
    });
    assert.equal(made.length, 1);
    assert.equal(uniform, made[0]);
    assert.equal(uniform?.size, 16);
    const { uniforms: _, ...withoutUniforms } = affine;
    const plain = createProgramBindGroup(device, pipeline, withoutUniforms, storage);
    assert.equal(plain.uniform, undefined);
    for (const buffer of [...storage, ...made]) buffer.destroy();
  },
});
