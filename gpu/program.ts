/**
 * Compiles a {@linkcode KernelProgram} into a pipeline and runs it on GPU buffers.
 *
 * @module
 */
import type { HostTensor, KernelProgram } from "../core/types.ts";
import type { Gpu } from "./device.ts";
import { bufferBytes } from "../core/dtype.ts";
import { decodeTensor, encodeTensor } from "./tensor_io.ts";
import { createProgramBindGroup } from "./bind_group.ts";

/** Thrown when WGSL fails to compile or the pipeline is rejected by the device. */
export class CompileError extends Error {
  /** Creates the error from the device's validation message. */
  constructor(message: string) {
    super(message);
    this.name = "CompileError";
  }
}

/** A compiled program: the pipeline plus the program it came from. */
export interface CompiledProgram {
  /** The generated program. */
  readonly program: KernelProgram;
  /** The compute pipeline. */
  readonly pipeline: GPUComputePipeline;
}

/** GPU buffers bound to a compiled program, reusable across dispatches. */
export interface BoundProgram {
  /** The compiled program. */
  readonly compiled: CompiledProgram;
  /** One storage buffer per binding, in binding order. */
  readonly buffers: readonly GPUBuffer[];
  /** The bind group of `buffers` (and the uniform buffer, if any). */
  readonly bindGroup: GPUBindGroup;
  /** Records one dispatch of the program into a compute pass. */
  encode(pass: GPUComputePassEncoder): void;
  /** Destroys the buffers this object created. */
  destroy(): void;
}

/**
 * Compiles a program inside validation and out-of-memory error scopes.
 * Throws {@linkcode CompileError} with the device's message when compilation fails.
 *
 * @example
 * ```ts
 * import { openDevice } from "@wgtune/wgtune";
 * import { compileProgram } from "@wgtune/wgtune/gpu";
 * import { matmulFamily } from "@wgtune/wgtune/kernels";
 * const gpu = await openDevice();
 * const problem = matmulFamily.normalizeProblem({ m: 4, n: 4, k: 4 });
 * const program = matmulFamily.generate(problem, matmulFamily.defaultConfig(problem, gpu.caps), gpu.caps);
 * const compiled = await compileProgram(gpu, program);
 * console.log(compiled.program.entryPoint); // "main"
 * gpu.close();
 * ```
 */
export async function compileProgram(gpu: Gpu, program: KernelProgram): Promise<CompiledProgram> {
  const { device } = gpu;
  device.pushErrorScope("out-of-memory");
  device.pushErrorScope("internal");
  device.pushErrorScope("validation");
  let pipeline: GPUComputePipeline | undefined;
  let thrown: unknown;
  try {
    const module = device.createShaderModule({ code: program.code });
    pipeline = await device.createComputePipelineAsync({
      layout: "auto",
      compute: { module, entryPoint: program.entryPoint },
    });
  } catch (error) {
    thrown = error;
  }
  const errors = (await Promise.all([
    device.popErrorScope(),
    device.popErrorScope(),
    device.popErrorScope(),
  ])).filter((e) => e !== null);
  if (errors.length > 0 || thrown || !pipeline) {
    const message = errors.map((e) => e!.message).join("\n") ||
      (thrown instanceof Error ? thrown.message : String(thrown ?? "pipeline creation failed"));
    throw new CompileError(message);
  }
  return { program, pipeline };
}

/**
 * Creates buffers for every binding (uploading `inputs` by name) and a bind group.
 * Buffers of bindings that have no input are zero-filled.
 *
 * @example
 * ```ts
 * import { openDevice } from "@wgtune/wgtune";
 * import { bindProgram, compileProgram, dispatchAndRead } from "@wgtune/wgtune/gpu";
 * import { matmulFamily } from "@wgtune/wgtune/kernels";
 * const gpu = await openDevice();
 * const problem = matmulFamily.normalizeProblem({ m: 2, n: 2, k: 2 });
 * const program = matmulFamily.generate(problem, matmulFamily.defaultConfig(problem, gpu.caps), gpu.caps);
 * const inputs = [
 *   { name: "a", data: new Float32Array([1, 2, 3, 4]) },
 *   { name: "b", data: new Float32Array([5, 6, 7, 8]) },
 * ];
 * const bound = bindProgram(gpu, await compileProgram(gpu, program), inputs);
 * console.log(await dispatchAndRead(gpu, bound)); // Float32Array [19, 22, 43, 50]
 * bound.destroy();
 * gpu.close();
 * ```
 */
export function bindProgram(
  gpu: Gpu,
  compiled: CompiledProgram,
  inputs: readonly HostTensor[],
): BoundProgram {
  const { device } = gpu;
  const { program, pipeline } = compiled;
  const created: GPUBuffer[] = [];
  const buffers = program.bindings.map((binding) => {
    const size = bufferBytes(binding.dtype, binding.elements);
    const buffer = device.createBuffer({
      size,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    created.push(buffer);
    const input = inputs.find((t) => t.name === binding.name);
    if (input) {
      const bytes = encodeTensor(binding.dtype, input.data);
      device.queue.writeBuffer(buffer, 0, bytes);
    }
    return buffer;
  });
  const { bindGroup, uniform } = createProgramBindGroup(device, pipeline, program, buffers);
  if (uniform) created.push(uniform);
  const [x, y, z] = program.dispatch;
  return {
    compiled,
    buffers,
    bindGroup,
    encode(pass) {
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(x, y, z);
    },
    destroy() {
      for (const buffer of created) buffer.destroy();
    },
  };
}

/**
 * Reads a GPU buffer back to the host.
 *
 * @example
 * ```ts
 * import { openDevice } from "@wgtune/wgtune";
 * import { readBuffer } from "@wgtune/wgtune/gpu";
 * const gpu = await openDevice();
 * const buffer = gpu.device.createBuffer({
 *   size: 8,
 *   usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
 * });
 * gpu.device.queue.writeBuffer(buffer, 0, new Float32Array([1.5, -2]));
 * console.log(new Float32Array((await readBuffer(gpu, buffer, 8)).buffer)); // Float32Array [1.5, -2]
 * gpu.close();
 * ```
 */
export async function readBuffer(gpu: Gpu, buffer: GPUBuffer, size: number): Promise<Uint8Array> {
  const { device } = gpu;
  const staging = device.createBuffer({
    size,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, size);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const bytes = new Uint8Array(staging.getMappedRange().slice(0));
  staging.unmap();
  staging.destroy();
  return bytes;
}

/**
 * Dispatches a bound program once and reads its output (the last `read_write` binding) back.
 *
 * @example
 * ```ts
 * import { openDevice } from "@wgtune/wgtune";
 * import { bindProgram, compileProgram, dispatchAndRead } from "@wgtune/wgtune/gpu";
 * import { matmulFamily } from "@wgtune/wgtune/kernels";
 * const gpu = await openDevice();
 * const problem = matmulFamily.normalizeProblem({ m: 2, n: 2, k: 2 });
 * const program = matmulFamily.generate(problem, matmulFamily.defaultConfig(problem, gpu.caps), gpu.caps);
 * const bound = bindProgram(gpu, await compileProgram(gpu, program), matmulFamily.makeInputs(problem, 1));
 * const out = await dispatchAndRead(gpu, bound);
 * console.log(out.length); // 4
 * bound.destroy();
 * gpu.close();
 * ```
 */
export async function dispatchAndRead(
  gpu: Gpu,
  bound: BoundProgram,
): Promise<Float32Array | Int32Array> {
  const { device } = gpu;
  const { bindings } = bound.compiled.program;
  const outIndex = bindings.findLastIndex((b) => b.access === "read_write");
  if (outIndex < 0) throw new RangeError("program has no read_write binding to read back");
  const out = bindings[outIndex]!;
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  bound.encode(pass);
  pass.end();
  device.queue.submit([encoder.finish()]);
  const bytes = await readBuffer(
    gpu,
    bound.buffers[outIndex]!,
    bufferBytes(out.dtype, out.elements),
  );
  return decodeTensor(out.dtype, bytes, out.elements);
}

/**
 * One-shot: compiles a program, uploads `inputs`, runs it once and returns its output.
 *
 * @example
 * ```ts
 * import { openDevice } from "@wgtune/wgtune";
 * import { runProgram } from "@wgtune/wgtune/gpu";
 * import { matmulFamily } from "@wgtune/wgtune/kernels";
 * const gpu = await openDevice();
 * const problem = matmulFamily.normalizeProblem({ m: 4, n: 4, k: 4 });
 * const program = matmulFamily.generate(problem, matmulFamily.defaultConfig(problem, gpu.caps), gpu.caps);
 * const out = await runProgram(gpu, program, matmulFamily.makeInputs(problem, 1));
 * console.log(out.length); // 16
 * gpu.close();
 * ```
 */
export async function runProgram(
  gpu: Gpu,
  program: KernelProgram,
  inputs: readonly HostTensor[],
): Promise<Float32Array | Int32Array> {
  const compiled = await compileProgram(gpu, program);
  const bound = bindProgram(gpu, compiled, inputs);
  try {
    return await dispatchAndRead(gpu, bound);
  } finally {
    bound.destroy();
  }
}
