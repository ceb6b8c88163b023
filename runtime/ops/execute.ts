/**
 * Runs one {@linkcode OpPlan} on host arrays: the reference harness of op generators (and of their
 * tests). The session records plans into its own command encoder over planned buffers; this does
 * the same for one node with buffers of its own.
 *
 * @module
 */
import { compileProgram } from "../../gpu/program.ts";
import { createProgramBindGroup } from "../../gpu/bind_group.ts";
import type { Gpu } from "../../gpu/device.ts";
import { bufferBytes } from "../../core/dtype.ts";
import { decodeTensor, encodeTensor } from "../../gpu/tensor_io.ts";
import type { Dtype } from "../../core/types.ts";
import type { OpNode, OpPlan } from "./types.ts";

/**
 * Compiles the plan's programs, uploads `inputs` (one per node input, `undefined` for omitted
 * ones), dispatches every program in order in one compute pass, and returns the node's outputs
 * (`Float32Array` for f32, `Int32Array` for i32).
 *
 * @example Run an identity-like plan
 * ```ts
 * import { openDevice } from "../../gpu/device.ts";
 * import { OP_GENERATORS } from "./registry.ts";
 * import { runOpPlan } from "./execute.ts";
 * const gpu = await openDevice();
 * const node = {
 *   opType: "Relu",
 *   attributes: {},
 *   inputs: [{ dims: [4], dtype: "f32" as const }],
 *   outputs: [{ dims: [4], dtype: "f32" as const }],
 *   constants: [undefined],
 * };
 * const plan = OP_GENERATORS.get("Relu")!.plan(node);
 * const [y] = await runOpPlan(gpu, node, plan, [[-1, 2, -3, 4]]);
 * console.log(y); // Float32Array(4) [ 0, 2, 0, 4 ]
 * gpu.close();
 * ```
 */
export async function runOpPlan(
  gpu: Gpu,
  node: OpNode,
  plan: OpPlan,
  inputs: readonly (ArrayLike<number> | undefined)[],
): Promise<(Float32Array | Int32Array)[]> {
  const { device } = gpu;
  const created: GPUBuffer[] = [];
  const buffers = new Map<string, { buffer: GPUBuffer; dtype: Dtype; elements: number }>();
  const make = (name: string, dtype: Dtype, elements: number, data?: ArrayLike<number>) => {
    const buffer = device.createBuffer({
      size: bufferBytes(dtype, elements),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    created.push(buffer);
    if (data) device.queue.writeBuffer(buffer, 0, encodeTensor(dtype, data));
    buffers.set(name, { buffer, dtype, elements });
  };
  const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
  try {
    node.inputs.forEach((info, i) => {
      if (!info) return;
      const data = inputs[i];
      if (!data) throw new RangeError(`input ${i} of ${node.opType} has no data`);
      make(`in${i}`, info.dtype, size(info.dims), data);
    });
    node.outputs.forEach((info, i) => make(`out${i}`, info.dtype, size(info.dims)));
    for (const s of plan.scratch) make(s.name, s.dtype, s.elements);

    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (const program of plan.programs) {
      const { pipeline } = await compileProgram(gpu, program);
      const storage = program.bindings.map((b) => {
        const found = buffers.get(b.name);
        if (!found) throw new RangeError(`program binds unknown buffer '${b.name}'`);
        return found.buffer;
      });
      const { bindGroup, uniform } = createProgramBindGroup(device, pipeline, program, storage);
      if (uniform) created.push(uniform);
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      const [x, y, z] = program.dispatch;
      if (x > 0 && y > 0 && z > 0) pass.dispatchWorkgroups(x, y, z);
    }
    pass.end();
    const staging = node.outputs.map((info, i) => {
      const { buffer, dtype, elements } = buffers.get(`out${i}`)!;
      const bytes = bufferBytes(dtype, elements);
      const read = device.createBuffer({
        size: bytes,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      created.push(read);
      encoder.copyBufferToBuffer(buffer, 0, read, 0, bytes);
      return { read, dtype, elements, info };
    });
    device.queue.submit([encoder.finish()]);
    const out: (Float32Array | Int32Array)[] = [];
    for (const { read, dtype, elements } of staging) {
      await read.mapAsync(GPUMapMode.READ);
      const bytes = new Uint8Array(read.getMappedRange().slice(0));
      read.unmap();
      out.push(decodeTensor(dtype, bytes, elements));
    }
    return out;
  } finally {
    for (const b of created) b.destroy();
  }
}
