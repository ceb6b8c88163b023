/**
 * The contract of a kernel family: a pure generator plus what the tuner needs to search and check
 * it. A problem and a config (plain data) plus the device's capabilities (plain scalars) go in, a
 * {@linkcode KernelProgram} (WGSL source plus launch geometry) comes out. Nothing here touches a
 * live `GPUDevice`, so every generator is testable without a GPU.
 *
 * The vocabulary it is written in (configs, spaces, programs, tensors) lives in `core/types.ts`
 * and is re-exported here for the kernel families.
 *
 * @module
 */
import type {
  Config,
  DeviceCaps,
  HostTensor,
  KernelProgram,
  SearchSpace,
  Tolerance,
} from "../core/types.ts";

export type {
  BufferBinding,
  Config,
  DeviceCaps,
  Dtype,
  HostTensor,
  KernelProgram,
  ParamSpec,
  ParamValue,
  SearchSpace,
  Tolerance,
} from "../core/types.ts";
export { DEFAULT_CAPS } from "../core/types.ts";

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
