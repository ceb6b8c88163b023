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
  CompileError,
  compileProgram,
  dispatchAndRead,
} from "../gpu/program.ts";
import type { AnyKernelFamily, Config, HostTensor, Tolerance } from "../kernels/types.ts";
import type { TrialRecord } from "./types.ts";
import { measureProgram } from "./measure.ts";
import { compareToReference } from "./validate.ts";

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
 * ```ts ignore
 * import { evaluateCandidate } from "@wgtune/wgtune";
 * const trial = await evaluateCandidate(context, { variant: "register", tileM: 32, tileN: 32 });
 * console.log(trial.status, trial.timeMs);
 * ```
 */
export async function evaluateCandidate(
  context: CandidateContext,
  config: Config,
  options: CandidateOptions = {},
): Promise<TrialRecord> {
  const { gpu, family, problem } = context;
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
    const compiled = await compileProgram(gpu, program);
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
    const measurement = await measureProgram(gpu, bound!, {
      budgetMs: context.measureMs,
      ...(options.cutoffMs !== undefined ? { cutoffMs: options.cutoffMs } : {}),
    });
    return {
      config,
      status: "ok",
      timeMs: measurement.medianMs,
      p20Ms: measurement.p20Ms,
      p80Ms: measurement.p80Ms,
      ...(measurement.cutOff ? { error: "timing cut off early: far slower than the best" } : {}),
    };
  } catch (error) {
    if (await deviceLost(gpu, error)) return failed("device_lost", error);
    return failed(error instanceof CompileError ? "compile_error" : "runtime_error", error);
  } finally {
    (bound as BoundProgram | undefined)?.destroy();
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
