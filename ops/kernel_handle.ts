/**
 * The lower-level API: a compiled kernel for one problem with the best known config (tuned for
 * this device when the cache has it, else the heuristic default), to run on the caller's own GPU
 * buffers without host copies.
 *
 * @module
 */
import { type CacheEntry, CacheFormatError, defaultCacheDir, TuneCache } from "../cache/mod.ts";
import type { Gpu } from "../gpu/device.ts";
import { type CompiledProgram, compileProgram } from "../gpu/program.ts";
import { createProgramBindGroup } from "../gpu/bind_group.ts";
import { getKernel } from "../kernels/registry.ts";
import { configKey } from "../core/space.ts";
import { assertFitsDevice } from "../core/device_fit.ts";
import { problemDistance } from "../tuner/warm_start.ts";
import type { AnyKernelFamily } from "../kernels/types.ts";
import type { Config, DeviceCaps, KernelProgram, SearchSpace } from "../core/types.ts";
import { assertExplicitConfig, assertLoadKernelOptions, assertOpenGpu } from "./_check.ts";
import type { LoadKernelOptions } from "./load_kernel_options.ts";

export type { LoadKernelOptions } from "./load_kernel_options.ts";

/** A compiled kernel ready to dispatch on GPU buffers. */
export interface KernelHandle {
  /** Kernel family name. */
  readonly op: string;
  /** The normalized problem. */
  readonly problem: unknown;
  /** The config in use. */
  readonly config: Config;
  /** Where the config came from. */
  readonly source: "tuned" | "nearest" | "default" | "explicit";
  /** The generated program (bindings tell the buffer order, dtypes and sizes). */
  readonly program: KernelProgram;
  /** The compute pipeline. */
  readonly pipeline: GPUComputePipeline;
  /**
   * Creates a bind group over storage buffers given in `program.bindings` order (the uniform
   * buffer, if the program has one, is created and appended internally).
   */
  createBindGroup(buffers: readonly GPUBuffer[]): GPUBindGroup;
  /** Records one dispatch into a compute pass. */
  encode(pass: GPUComputePassEncoder, bindGroup: GPUBindGroup): void;
}

const compiledByDevice = new WeakMap<GPUDevice, Map<string, Promise<CompiledProgram>>>();

/**
 * Compiles a program once per device and shader key, reusing the pipeline afterwards.
 *
 * @example
 * ```ts
 * import { openDevice } from "@wgtune/wgtune";
 * import { matmulFamily } from "@wgtune/wgtune/kernels";
 * import { compileCached } from "./kernel_handle.ts";
 * const gpu = await openDevice();
 * const problem = matmulFamily.normalizeProblem({ m: 2, n: 2, k: 2 });
 * const program = matmulFamily.generate(problem, matmulFamily.defaultConfig(problem, gpu.caps), gpu.caps);
 * const compiled = await compileCached(gpu, program);
 * console.log(compiled === await compileCached(gpu, program)); // true
 * gpu.close();
 * ```
 */
export function compileCached(gpu: Gpu, program: KernelProgram): Promise<CompiledProgram> {
  let byKey = compiledByDevice.get(gpu.device);
  if (!byKey) compiledByDevice.set(gpu.device, byKey = new Map());
  let compiled = byKey.get(program.shaderKey);
  if (!compiled) {
    compiled = compileProgram(gpu, program);
    byKey.set(program.shaderKey, compiled);
    compiled.catch(() => byKey.delete(program.shaderKey));
  }
  return compiled;
}

/**
 * The tuned config of a problem on this device, or `undefined` when the cache has none.
 * A missing or unusable cache directory is not an error here: it just has no tuned config.
 *
 * @example
 * ```ts
 * import { openDevice } from "@wgtune/wgtune";
 * import { lookupTunedConfig } from "./kernel_handle.ts";
 * const gpu = await openDevice();
 * const empty = await Deno.makeTempDir();
 * console.log(await lookupTunedConfig(gpu, "matmul", { m: 8, n: 8, k: 8 }, empty)); // undefined
 * await Deno.remove(empty, { recursive: true });
 * gpu.close();
 * ```
 */
export async function lookupTunedConfig(
  gpu: Gpu,
  op: string,
  problem: unknown,
  cacheDir: string = defaultCacheDir(),
): Promise<Config | undefined> {
  assertOpenGpu(gpu);
  const family = getKernel(op);
  assertLoadKernelOptions({ cacheDir });
  const found = await lookupNormalized(gpu, family, family.normalizeProblem(problem), cacheDir);
  return found?.config;
}

async function lookupNormalized(
  gpu: Gpu,
  family: AnyKernelFamily,
  normalized: unknown,
  cacheDir: string,
  nearest = false,
): Promise<{ config: Config; source: "tuned" | "nearest" } | undefined> {
  try {
    await Deno.stat(cacheDir);
  } catch {
    return undefined;
  }
  try {
    const cache = await TuneCache.open(cacheDir, gpu.fingerprint, { onWarning: warnOncePerFile });
    const key = family.problemKey(normalized);
    const entry = await cache.get(family.name, family.version, key);
    const tuned = entry && bestLegalConfig(family, normalized, gpu.caps, entry);
    if (tuned) return { config: tuned, source: "tuned" };
    if (!nearest) return undefined;
    // The nearest other tuned problem of this family and version whose best is legal here.
    const others = (await cache.entries())
      .filter((e) => e.kernel === family.name && e.kernelVersion === family.version)
      .filter((e) => e.problemKey !== key && e.best)
      .map((e) => ({ e, d: problemDistance(normalized, e.problem) }))
      .filter(({ d }) => Number.isFinite(d))
      .sort((a, b) => a.d - b.d);
    for (const { e } of others) {
      const config = bestLegalConfig(family, normalized, gpu.caps, { trials: [], best: e.best });
      if (config) return { config, source: "nearest" };
    }
    return undefined;
  } catch (error) {
    // A newer wgtune's file is left alone: say so once, then run untuned.
    if (error instanceof CacheFormatError) warnOncePerFile(error.message);
    return undefined;
  }
}

/** Cache files whose warnings this process printed already. */
const warnedFiles = new Set<string>();

/**
 * Prints a cache warning (a file set aside, a stale lock broken) once per file and process, so a
 * plain op call does not move a user's file silently, and a loop of op calls does not repeat it.
 */
function warnOncePerFile(message: string): void {
  const file = /'([^']+)'/.exec(message)?.[1] ?? message;
  if (warnedFiles.has(file)) return;
  warnedFiles.add(file);
  console.warn(`wgtune: warning: ${message}`);
}

/** True when `config` holds exactly the space's parameters, each with one of its listed values. */
function inSpace(space: SearchSpace, config: Config): boolean {
  const names = Object.keys(config);
  if (names.length !== space.params.length) return false;
  return space.params.every((param) =>
    Object.hasOwn(config, param.name) && param.values.some((value) => value === config[param.name])
  );
}

/**
 * The fastest correct config of a cache entry that the family's space accepts for this problem
 * on this device and that generates a program fitting the device, or `undefined` when none does.
 * A config edited into the file or imported from another version may be illegal here: it is
 * skipped (the next fastest legal trial is used), never run.
 *
 * @example Skip an illegal stored best
 * ```ts
 * import { bestLegalConfig } from "./kernel_handle.ts";
 * import { matmulFamily } from "../kernels/matmul/family.ts";
 * import { DEFAULT_CAPS } from "../kernels/types.ts";
 * const problem = matmulFamily.normalizeProblem({ m: 8, n: 8, k: 8 });
 * const legal = matmulFamily.defaultConfig(problem, DEFAULT_CAPS);
 * const edited = { ...legal, tileM: 7 }; // no such tile in the space
 * const config = bestLegalConfig(matmulFamily, problem, DEFAULT_CAPS, {
 *   best: { config: edited, timeMs: 0.1 },
 *   trials: [
 *     { config: edited, status: "ok", timeMs: 0.1 },
 *     { config: legal, status: "ok", timeMs: 2 },
 *   ],
 * });
 * console.log(config === legal); // true
 * ```
 */
export function bestLegalConfig(
  family: AnyKernelFamily,
  normalized: unknown,
  caps: DeviceCaps,
  entry: Pick<CacheEntry, "trials" | "best">,
): Config | undefined {
  let space: SearchSpace;
  try {
    space = family.space(normalized, caps);
  } catch {
    return undefined;
  }
  const defaultKey = configKey(family.defaultConfig(normalized, caps));
  const legal = (config: Config): boolean => {
    try {
      // The default is measured with every search even where the pruned space omits it.
      const known = configKey(config) === defaultKey || inSpace(space, config);
      if (!known || !space.isValid(config)) return false;
      assertFitsDevice(family.generate(normalized, config, caps), caps);
      return true;
    } catch {
      return false;
    }
  };
  const timed = entry.trials
    .filter((t) => t.status === "ok" && t.timeMs !== null && Number.isFinite(t.timeMs))
    .sort((a, b) => a.timeMs! - b.timeMs!);
  // The stored best first (it is the fastest trial unless the file was edited), then by time.
  const candidates = [...(entry.best ? [entry.best.config] : []), ...timed.map((t) => t.config)];
  return candidates.find(legal);
}

/**
 * Loads the compiled kernel of `op` for `problem`: explicit config, else tuned (cache), else the
 * heuristic default.
 *
 * @example Run a tuned matmul on buffers you own
 * ```ts
 * import { loadKernel, openDevice } from "@wgtune/wgtune";
 * const gpu = await openDevice();
 * const kernel = await loadKernel(gpu, "matmul", { m: 2, n: 2, k: 2 }, { cacheDir: null });
 * const { device } = gpu;
 * const STORAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
 * const upload = (values: number[]) => {
 *   const buffer = device.createBuffer({ size: 16, usage: STORAGE });
 *   device.queue.writeBuffer(buffer, 0, new Float32Array(values));
 *   return buffer;
 * };
 * const [a, b, c] = [upload([1, 2, 3, 4]), upload([5, 6, 7, 8]), upload([0, 0, 0, 0])];
 * const read = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
 * const encoder = device.createCommandEncoder();
 * const pass = encoder.beginComputePass();
 * kernel.encode(pass, kernel.createBindGroup([a, b, c]));
 * pass.end();
 * encoder.copyBufferToBuffer(c, 0, read, 0, 16);
 * device.queue.submit([encoder.finish()]);
 * await read.mapAsync(GPUMapMode.READ);
 * console.log(kernel.source, new Float32Array(read.getMappedRange())); // "default" [19, 22, 43, 50]
 * read.unmap();
 * gpu.close();
 * ```
 */
export async function loadKernel(
  gpu: Gpu,
  op: string,
  problem: unknown,
  options: LoadKernelOptions = {},
): Promise<KernelHandle> {
  assertOpenGpu(gpu);
  const family = getKernel(op);
  assertLoadKernelOptions(options);
  const normalized = family.normalizeProblem(problem);
  if (options.config) assertExplicitConfig(family, normalized, options.config, gpu.caps);
  let config = options.config;
  let source: KernelHandle["source"] = "explicit";
  if (!config) {
    const found = options.cacheDir === null ? undefined : await lookupNormalized(
      gpu,
      family,
      normalized,
      options.cacheDir ?? defaultCacheDir(),
      options.nearest ?? false,
    );
    config = found?.config ?? family.defaultConfig(normalized, gpu.caps);
    source = found?.source ?? "default";
  }
  const program = family.generate(normalized, config, gpu.caps);
  assertFitsDevice(program, gpu.caps);
  const { pipeline } = await compileCached(gpu, program);
  const { device } = gpu;
  const [x, y, z] = program.dispatch;
  return {
    op: family.name,
    problem: normalized,
    config,
    source,
    program,
    pipeline,
    createBindGroup(buffers) {
      if (buffers.length !== program.bindings.length) {
        throw new RangeError(
          `'buffers' must hold ${program.bindings.length} buffers (${
            program.bindings.map((b) => b.name).join(", ")
          }): current length is ${buffers.length}`,
        );
      }
      return createProgramBindGroup(device, pipeline, program, buffers).bindGroup;
    },
    encode(pass, bindGroup) {
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(x, y, z);
    },
  };
}
