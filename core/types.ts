/**
 * The shared vocabulary of kernel families, search strategies, the GPU layer and the tuner: configs
 * and spaces, device capabilities, generated programs, host tensors and tolerances. Plain data
 * only: nothing here touches a live `GPUDevice`.
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
 * import type { Config } from "./types.ts";
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
 * import type { SearchSpace } from "./types.ts";
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
 * import { DEFAULT_CAPS } from "./types.ts";
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
