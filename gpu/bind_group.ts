/**
 * The bind group of a {@linkcode KernelProgram}: its storage buffers at `@binding(0..n-1)` in the
 * order of `program.bindings`, then its uniform block (when it has one) at `@binding(n)`. Every
 * place that dispatches a program (runs, kernel handles, sessions) builds it here.
 *
 * @module
 */
import type { KernelProgram } from "../core/types.ts";

/** A program's bind group and the uniform buffer created for it, if any. */
export interface ProgramBindGroup {
  /** The bind group for `setBindGroup(0, ...)`. */
  readonly bindGroup: GPUBindGroup;
  /** The uniform buffer created for `program.uniforms`; the caller owns (and destroys) it. */
  readonly uniform: GPUBuffer | undefined;
}

/**
 * A uniform buffer holding `data`, its size rounded up to 16 bytes as uniform blocks require.
 *
 * @example
 * ```ts
 * import { openDevice } from "./device.ts";
 * import { createUniformBuffer } from "./bind_group.ts";
 * const gpu = await openDevice();
 * const uniform = createUniformBuffer(gpu.device, new Uint32Array([4, 8]));
 * console.log(uniform.size); // 16
 * gpu.close();
 * ```
 */
export function createUniformBuffer(
  device: GPUDevice,
  data: Uint32Array<ArrayBuffer>,
): GPUBuffer {
  const buffer = device.createBuffer({
    size: Math.max(16, Math.ceil(data.byteLength / 16) * 16),
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

/**
 * Binds `storage` (one buffer per entry of `program.bindings`, in that order) and, when
 * `program.uniforms` is set, a uniform buffer holding them: from `uniformBuffer` when given (for
 * callers that track their buffers), else a new one from {@linkcode createUniformBuffer}.
 *
 * @example
 * ```ts
 * import { openDevice } from "./device.ts";
 * import { compileProgram } from "./program.ts";
 * import { createProgramBindGroup } from "./bind_group.ts";
 * const gpu = await openDevice();
 * const program = {
 *   code: `@group(0) @binding(0) var<storage, read_write> y: array<u32>;
 * struct U { n: u32 }
 * @group(0) @binding(1) var<uniform> u: U;
 * @compute @workgroup_size(1) fn main() { y[0] = u.n; }`,
 *   entryPoint: "main",
 *   workgroupSize: [1, 1, 1] as const,
 *   dispatch: [1, 1, 1] as const,
 *   bindings: [{ name: "y", dtype: "u32" as const, elements: 1, access: "read_write" as const }],
 *   uniforms: new Uint32Array([7]),
 *   shaderKey: "bind-group-example",
 * };
 * const { pipeline } = await compileProgram(gpu, program);
 * const y = gpu.device.createBuffer({ size: 4, usage: GPUBufferUsage.STORAGE });
 * const { bindGroup } = createProgramBindGroup(gpu.device, pipeline, program, [y]);
 * console.log(bindGroup instanceof GPUBindGroup); // true
 * gpu.close();
 * ```
 */
export function createProgramBindGroup(
  device: GPUDevice,
  pipeline: GPUComputePipeline,
  program: KernelProgram,
  storage: readonly GPUBuffer[],
  uniformBuffer: (data: Uint32Array<ArrayBuffer>) => GPUBuffer = (data) =>
    createUniformBuffer(device, data),
): ProgramBindGroup {
  const entries: GPUBindGroupEntry[] = storage.map((buffer, i) => ({
    binding: i,
    resource: { buffer },
  }));
  const uniform = program.uniforms ? uniformBuffer(program.uniforms) : undefined;
  if (uniform) entries.push({ binding: storage.length, resource: { buffer: uniform } });
  const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  return { bindGroup, uniform };
}
