/**
 * Evaluation of one candidate config: generate, compile inside error scopes, validate against the
 * reference, then time. Every failure becomes a {@linkcode TrialRecord} status, never an exception.
 *
 * @module
 */
import type { Gpu } from "../gpu/device.ts";
import {
  bindProgram,
  type BoundProgram,
  type CompiledProgram,
  CompileError,
  compileProgram,
  dispatchAndRead,
} from "../gpu/program.ts";
import { configKey } from "../core/space.ts";
import type { AnyKernelFamily } from "../kernels/types.ts";
import type { Config, HostTensor, Tolerance } from "../core/types.ts";
import type { TrialRecord } from "../core/trial.ts";
import { measureProgram } from "./measure.ts";
import { compareToReference } from "../core/compare.ts";

/** Everything needed to evaluate candidates of one problem. */
export interface CandidateContext {
  /** The device. */
  readonly gpu: Gpu;
  /** The kernel family. */
  readonly family: AnyKernelFamily;
  /** The normalized problem. */
  readonly problem: unknown;
  /** Inputs, uploaded for validation and timing. */
  readonly inputs: readonly HostTensor[];
  /** Float64 reference output for `inputs`. */
  readonly expected: Float64Array;
  /** Comparison tolerance. */
  readonly tolerance: Tolerance;
  /** GPU time budget for timing one candidate, ms. */
  readonly measureMs: number;
}

/** Options of {@linkcode evaluateCandidate}. */
export interface CandidateOptions {
  /** Stop timing once one dispatch is slower than this (early cut-off), ms. */
  cutoffMs?: number;
  /**
   * Abandons the candidate once aborted: no further GPU work is submitted after the wait in
   * progress (the record returned then is a `runtime_error` nobody should keep).
   */
  signal?: AbortSignal;
  /** Receives the compiled pipeline of a correct candidate, for re-timing without a compile. */
  keep?: KeptPipelines;
}

/**
 * The compiled pipelines of the fastest validated candidates (and of pinned configs), so that
 * winner confirmation re-times them without compiling and validating them again.
 *
 * @example
 * ```ts
 * import { KeptPipelines } from "./candidate.ts";
 * const kept = new KeptPipelines(2);
 * console.log(kept.get({ x: 1 })); // undefined: nothing offered yet
 * ```
 */
export class KeptPipelines {
  readonly #capacity: number;
  readonly #pinned: Set<string>;
  readonly #entries = new Map<string, { compiled: CompiledProgram; timeMs: number }>();

  /**
   * Keeps the `capacity` fastest pipelines offered, plus those of the `pinned` configs (for
   * example the default config, which is re-timed whatever its rank).
   */
  constructor(capacity: number, pinned: readonly Config[] = []) {
    this.#capacity = capacity;
    this.#pinned = new Set(pinned.map(configKey));
  }

  /** Offers the pipeline of a config validated in this run, with its time. */
  offer(config: Config, compiled: CompiledProgram, timeMs: number): void {
    const key = configKey(config);
    this.#entries.set(key, { compiled, timeMs });
    const ranked = [...this.#entries.entries()]
      .filter(([k]) => !this.#pinned.has(k))
      .sort((a, b) => a[1].timeMs - b[1].timeMs);
    for (const [k] of ranked.slice(this.#capacity)) this.#entries.delete(k);
  }

  /** The kept pipeline of `config`, if any. */
  get(config: Config): CompiledProgram | undefined {
    return this.#entries.get(configKey(config))?.compiled;
  }
}

function shortMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const firstLines = text.split("\n").filter((line) => line.trim() !== "").slice(0, 3).join(" | ");
  return firstLines.length > 300 ? `${firstLines.slice(0, 297)}...` : firstLines;
}

async function withValidationScope<T>(device: GPUDevice, body: () => Promise<T>): Promise<T> {
  device.pushErrorScope("validation");
  let result: T | undefined;
  let thrown: unknown;
  try {
    result = await body();
  } catch (error) {
    thrown = error;
  }
  const scoped = await device.popErrorScope();
  if (scoped) throw new Error(scoped.message);
  if (thrown !== undefined) throw thrown;
  return result as T;
}

/**
 * Evaluates one config: `invalid` if it cannot be generated, `compile_error` if the device rejects
 * it, `runtime_error` if dispatching fails, `wrong` if the output differs from the reference
 * (never timed), else `ok` with the median, p20 and p80 times.
 *
 * @example
 * ```ts
 * import { openDevice } from "@wgtune/wgtune";
 * import { getKernel } from "@wgtune/wgtune/kernels";
 * const gpu = await openDevice();
 * const family = getKernel("matmul");
 * const problem = family.normalizeProblem({ m: 8, n: 8, k: 8 });
 * const config = family.defaultConfig(problem, gpu.caps);
 * import { evaluateCandidate } from "./candidate.ts";
 * const inputs = family.makeInputs(problem, 1);
 * const context = {
 *   gpu,
 *   family,
 *   problem,
 *   inputs,
 *   expected: family.reference(problem, inputs),
 *   tolerance: family.tolerance(problem),
 *   measureMs: 5,
 * };
 * const trial = await evaluateCandidate(context, config);
 * console.log(trial.status, trial.timeMs! > 0); // "ok" true
 * gpu.close();
 * ```
 */
export async function evaluateCandidate(
  context: CandidateContext,
  config: Config,
  options: CandidateOptions = {},
): Promise<TrialRecord> {
  const { gpu, family, problem } = context;
  const { signal } = options;
  const failed = (status: TrialRecord["status"], error: unknown): TrialRecord => ({
    config,
    status,
    timeMs: null,
    error: shortMessage(error),
  });
  let program;
  try {
    program = family.generate(problem, config, gpu.caps);
  } catch (error) {
    return failed("invalid", error);
  }
  let bound: BoundProgram | undefined;
  try {
    signal?.throwIfAborted();
    const compiled = await compileProgram(gpu, program);
    signal?.throwIfAborted();
    let output: Float32Array | Int32Array;
    try {
      output = await withValidationScope(gpu.device, () => {
        bound = bindProgram(gpu, compiled, context.inputs);
        return dispatchAndRead(gpu, bound);
      });
    } catch (error) {
      return failed(await deviceLost(gpu, error) ? "device_lost" : "runtime_error", error);
    }
    const comparison = compareToReference(output, context.expected, context.tolerance);
    if (!comparison.ok) {
      return failed(
        "wrong",
        `${comparison.badCount} of ${output.length} elements out of tolerance, max abs error ` +
          `${comparison.maxAbsError.toExponential(3)}`,
      );
    }
    signal?.throwIfAborted();
    const record = await timeBound(context, config, bound!, options);
    // Validated, so worth keeping, a cut-off one too (confirmation may still re-time it).
    if (record.status === "ok") options.keep?.offer(config, compiled, record.timeMs!);
    return record;
  } catch (error) {
    if (await deviceLost(gpu, error)) return failed("device_lost", error);
    return failed(error instanceof CompileError ? "compile_error" : "runtime_error", error);
  } finally {
    (bound as BoundProgram | undefined)?.destroy();
  }
}

/** Times a bound, validated program into an `ok` record. */
async function timeBound(
  context: CandidateContext,
  config: Config,
  bound: BoundProgram,
  options: CandidateOptions,
): Promise<TrialRecord> {
  const measurement = await measureProgram(context.gpu, bound, {
    budgetMs: context.measureMs,
    ...(options.cutoffMs !== undefined ? { cutoffMs: options.cutoffMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (measurement.cutOff) {
    // One warm dispatch, stopped early: a time for ranking, without percentiles, and marked.
    return {
      config,
      status: "ok",
      timeMs: measurement.medianMs,
      error: `timing cut off early: one dispatch took ${measurement.medianMs.toPrecision(3)} ms, ` +
        `over ${options.cutoffMs?.toPrecision(3)} ms (3x the best); a single sample`,
    };
  }
  return {
    config,
    status: "ok",
    timeMs: measurement.medianMs,
    p20Ms: measurement.p20Ms,
    p80Ms: measurement.p80Ms,
  };
}

/**
 * Times a config again: with its kept pipeline (compiled and validated earlier in this run) when
 * `keep` has one, which spares the compile and the validation; otherwise it is evaluated in full
 * by {@linkcode evaluateCandidate} (and its pipeline offered to `keep`). Never cut off.
 *
 * @example
 * ```ts
 * import { openDevice } from "@wgtune/wgtune";
 * import { getKernel } from "@wgtune/wgtune/kernels";
 * const gpu = await openDevice();
 * const family = getKernel("matmul");
 * const problem = family.normalizeProblem({ m: 8, n: 8, k: 8 });
 * const config = family.defaultConfig(problem, gpu.caps);
 * import { evaluateCandidate, KeptPipelines, retimeCandidate } from "./candidate.ts";
 * const inputs = family.makeInputs(problem, 1);
 * const context = {
 *   gpu,
 *   family,
 *   problem,
 *   inputs,
 *   expected: family.reference(problem, inputs),
 *   tolerance: family.tolerance(problem),
 *   measureMs: 5,
 * };
 * const kept = new KeptPipelines(8);
 * await evaluateCandidate(context, config, { keep: kept });
 * const again = await retimeCandidate(context, config, kept); // no compile, no validation
 * console.log(again.status); // "ok"
 * gpu.close();
 * ```
 */
export async function retimeCandidate(
  context: CandidateContext,
  config: Config,
  keep: KeptPipelines,
  options: Pick<CandidateOptions, "signal"> = {},
): Promise<TrialRecord> {
  const compiled = keep.get(config);
  if (!compiled) return evaluateCandidate(context, config, { ...options, keep });
  const { gpu } = context;
  let bound: BoundProgram | undefined;
  try {
    bound = bindProgram(gpu, compiled, context.inputs);
    return await timeBound(context, config, bound, options);
  } catch (error) {
    return {
      config,
      status: await deviceLost(gpu, error) ? "device_lost" : "runtime_error",
      timeMs: null,
      error: shortMessage(error),
    };
  } finally {
    bound?.destroy();
  }
}

/**
 * True when the device has been lost (checked without blocking). Some runtimes resolve
 * `device.lost` late, so an error that says the device is lost counts too.
 */
async function deviceLost(gpu: Gpu, error?: unknown): Promise<boolean> {
  if (
    error &&
    /device (is |was |has been )?lost|lost device/i.test(String((error as Error).message ?? error))
  ) {
    return true;
  }
  const marker = Symbol("pending");
  const settled = await Promise.race([gpu.device.lost, Promise.resolve(marker)]);
  return settled !== marker;
}
