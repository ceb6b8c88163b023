/**
 * The small, typed contract between kernel families, search strategies and the tuner.
 *
 * A kernel family is pure: a problem and a config (plain data) plus the device's capabilities
 * (plain scalars) go in, a {@linkcode KernelProgram} (WGSL source plus launch geometry) comes out.
 * Nothing here touches a live `GPUDevice`, so every generator is testable without a GPU.
 *
 * @module
 */

/** Element types a kernel can read or write in storage buffers. */
export type Dtype = "f32" | "f16" | "i32" | "u32" | "int8";

/** One value of a tunable parameter: numbers, categorical strings, or flags. */
export type ParamValue = number | string | boolean;

/**
 * A kernel configuration: parameter name to value. Plain, printable, hashable data.
 *
 * @example Config of a matmul kernel
 * ```ts
 * import type { Config } from "@wgtune/wgtune";
 * const config: Config = { variant: "register", tileM: 32, tileN: 32, tileK: 8, threadM: 4, threadN: 4, vec: 4 };
 * ```
 */
export type Config = Readonly<Record<string, ParamValue>>;

/** A tunable parameter and the values it may take, in the order a grid search visits them. */
export interface ParamSpec {
  /** Parameter name, a key of {@linkcode Config}. */
  readonly name: string;
  /** Allowed values. Numeric powers of two are encoded on a log scale by model-based strategies. */
  readonly values: readonly ParamValue[];
}

/**
 * A search space: parameters with value lists, plus restrictions.
 *
 * @example A two-parameter space with one restriction
 * ```ts
 * import type { SearchSpace } from "@wgtune/wgtune/kernels";
 * const space: SearchSpace = {
 *   params: [{ name: "x", values: [1, 2, 4] }, { name: "y", values: [1, 2, 4] }],
 *   isValid: (c) => (c.x as number) * (c.y as number) <= 8,
 * };
 * ```
 */
export interface SearchSpace {
  /** The tunable parameters. The cartesian product of their values is the raw space. */
  readonly params: readonly ParamSpec[];
  /** True when a config of the raw space is legal (device limits, divisibility, ...). */
  isValid(config: Config): boolean;
}

/**
 * Device capabilities that kernel generators may depend on: plain scalars copied from
 * `GPUDevice.limits` and `GPUDevice.features`, so that generators stay pure.
 */
export interface DeviceCaps {
  /** `maxComputeInvocationsPerWorkgroup`. */
  readonly maxInvocationsPerWorkgroup: number;
  /** `maxComputeWorkgroupSizeX`. */
  readonly maxWorkgroupSizeX: number;
  /** `maxComputeWorkgroupSizeY`. */
  readonly maxWorkgroupSizeY: number;
  /** `maxComputeWorkgroupSizeZ`. */
  readonly maxWorkgroupSizeZ: number;
  /** `maxComputeWorkgroupStorageSize`, in bytes. */
  readonly maxWorkgroupStorageBytes: number;
  /** `maxComputeWorkgroupsPerDimension`. */
  readonly maxWorkgroupsPerDimension: number;
  /** `maxStorageBufferBindingSize`, in bytes. */
  readonly maxStorageBufferBindingSize: number;
  /** `maxStorageBuffersPerShaderStage`. */
  readonly maxStorageBuffersPerShaderStage: number;
  /** Whether the `shader-f16` feature is enabled on the device. */
  readonly shaderF16: boolean;
}

/**
 * Conservative capabilities that every WebGPU device offers (the spec's default limits).
 *
 * @example Generate a kernel without a GPU
 * ```ts
 * import { DEFAULT_CAPS } from "@wgtune/wgtune/kernels";
 * console.log(DEFAULT_CAPS.maxInvocationsPerWorkgroup); // 256
 * ```
 */
export const DEFAULT_CAPS: DeviceCaps = Object.freeze({
  maxInvocationsPerWorkgroup: 256,
  maxWorkgroupSizeX: 256,
  maxWorkgroupSizeY: 256,
  maxWorkgroupSizeZ: 64,
  maxWorkgroupStorageBytes: 16384,
  maxWorkgroupsPerDimension: 65535,
  maxStorageBufferBindingSize: 134217728,
  maxStorageBuffersPerShaderStage: 8,
  shaderF16: false,
});

/** One storage buffer a program binds, in `@group(0) @binding(i)` order. */
export interface BufferBinding {
  /** Name of the tensor (for example `"a"`, `"b"`, `"bias"`, `"c"`). */
  readonly name: string;
  /** Element type as stored in the buffer. `int8` is packed four to a `u32`. */
  readonly dtype: Dtype;
  /** Number of logical elements. */
  readonly elements: number;
  /** `"read"` for inputs, `"read_write"` for outputs. */
  readonly access: "read" | "read_write";
}

/**
 * A generated compute program: WGSL plus everything needed to launch it.
 * Bindings are `@group(0) @binding(0..n-1)` in the order of {@linkcode KernelProgram.bindings};
 * when {@linkcode KernelProgram.uniforms} is present it is bound last, at `@binding(n)`.
 */
export interface KernelProgram {
  /** WGSL source. */
  readonly code: string;
  /** Entry point name. */
  readonly entryPoint: string;
  /** `@workgroup_size` of the entry point. */
  readonly workgroupSize: readonly [number, number, number];
  /** Workgroup counts for `dispatchWorkgroups`. */
  readonly dispatch: readonly [number, number, number];
  /** Storage buffers, inputs first, then outputs. */
  readonly bindings: readonly BufferBinding[];
  /** Optional uniform block contents (bound after the storage buffers). */
  readonly uniforms?: Uint32Array<ArrayBuffer>;
  /** Concatenation of exactly the parameters that change {@linkcode KernelProgram.code}. */
  readonly shaderKey: string;
}

/** A host-side tensor: logical values (f16 data is carried as f32 values already rounded to f16). */
export interface HostTensor {
  /** Tensor name, matching a {@linkcode BufferBinding.name}. */
  readonly name: string;
  /** Values in row-major order. Integer dtypes carry integers in an `Int32Array`. */
  readonly data: Float32Array | Int32Array;
}

/** Absolute and relative tolerance used to compare a kernel's output with the reference. */
export interface Tolerance {
  /** Absolute tolerance. */
  readonly atol: number;
  /** Relative tolerance, scaled by the magnitude of the reference value. */
  readonly rtol: number;
}

/**
 * A kernel family: a pure generator plus what the tuner needs to search and check it.
 * Adding a family is one folder under `kernels/` plus one line in `kernels/registry.ts`.
 *
 * @typeParam P the problem description (shapes, dtype, options), plain data.
 */
export interface KernelFamily<P> {
  /** Operation name used on the CLI and in cache keys, for example `"matmul"`. */
  readonly name: string;
  /** Bumped whenever generated code changes meaning or speed; invalidates cache entries. */
  readonly version: number;
  /** Validates and fills defaults of a problem; throws `RangeError`/`TypeError` naming the field. */
  normalizeProblem(problem: unknown): P;
  /** Parses a CLI shape string (for example `"512x512x512"`); throws `RangeError` on bad input. */
  parseShape(shape: string, dtype?: string): P;
  /**
   * Problems `wgtune tune` tunes without `--shape`, in the {@linkcode KernelFamily.parseShape}
   * format: a few typical sizes (square, rectangular, odd) that tune within minutes on lavapipe.
   * Never empty.
   */
  readonly defaultShapes: readonly string[];
  /**
   * Small problems in the {@linkcode KernelFamily.parseShape} format that the shared kernel
   * contract suite runs on the GPU (odd sizes that exercise edge handling, fast on a software
   * rasterizer). Never empty.
   */
  readonly testShapes: readonly string[];
  /** Stable key of the properties that matter to tuning, for example `"f32_b1_m512_n512_k512"`. */
  problemKey(problem: P): string;
  /** The config space with restrictions derived from the device. Never empty. */
  space(problem: P, caps: DeviceCaps): SearchSpace;
  /** Heuristic default config (the fallback when nothing is tuned). Always in `space`. */
  defaultConfig(problem: P, caps: DeviceCaps): Config;
  /** Generates the program; throws `RangeError` for a config the space would reject. */
  generate(problem: P, config: Config, caps: DeviceCaps): KernelProgram;
  /** Floating-point (or integer) operations of one run, for GFLOPS. */
  flops(problem: P): number;
  /** Deterministic pseudo-random inputs, one per input binding, in binding order. */
  makeInputs(problem: P, seed: number): HostTensor[];
  /** Independent float64 CPU reference of the output. */
  reference(problem: P, inputs: readonly HostTensor[]): Float64Array;
  /** Tolerance for comparing the kernel output with the reference (dtype aware). */
  tolerance(problem: P): Tolerance;
}

/** A kernel family with its problem type erased, as stored in the registry. */
// deno-lint-ignore no-explicit-any
export type AnyKernelFamily = KernelFamily<any>;
