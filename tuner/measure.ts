/**
 * GPU timing of a bound program. With `timestamp-query`, each sample is one compute pass of
 * several dispatches bracketed by timestamps, all samples in one submit and read back once.
 * Without it, the wall clock of two batch sizes is measured and the slope taken, which cancels the
 * fixed cost of submitting and waiting (about 11.7 ms per awaited wait on Deno's WebGPU).
 *
 * Samples that cannot be times are dropped, never clamped into a tiny time that would win: a
 * timestamp delta <= 0 (a counter that did not advance or wrapped) and a wall-clock slope <= 0
 * (load changed between the two batches). The estimate that decides an early cut-off is taken
 * after a warm-up dispatch, so it is not inflated by the first use of the pipeline.
 *
 * @module
 */
import type { Gpu } from "../gpu/device.ts";
import type { BoundProgram } from "../gpu/program.ts";
import { summarizeTimings, type TimingSummary } from "../core/stats.ts";

/** Options of {@linkcode measureProgram}. */
export interface MeasureOptions {
  /**
   * Approximate GPU time to spend on the samples, in ms.
   * @default {100}
   */
  budgetMs?: number;
  /**
   * Stop after the first estimate when one dispatch takes longer than this (early cut-off of
   * hopeless candidates); the estimate is returned with `cutOff: true`.
   * @default {Infinity}
   */
  cutoffMs?: number;
  /** Stops between samples (the promise rejects with the signal's reason) once aborted. */
  signal?: AbortSignal;
}

/** A timing measurement. */
export interface Measurement extends TimingSummary {
  /**
   * True when timing stopped early because the candidate was far slower than `cutoffMs`: the
   * summary then holds that single warm estimate.
   */
  readonly cutOff: boolean;
  /** `"timestamp"` or `"wallclock"`. */
  readonly method: "timestamp" | "wallclock";
}

const MAX_SAMPLES = 15;
const MIN_SAMPLES = 5;

/** Runs `passes` compute passes of `perPass` dispatches with timestamps; returns ms per dispatch. */
async function timestampSamples(
  gpu: Gpu,
  bound: BoundProgram,
  passes: number,
  perPass: number,
): Promise<number[]> {
  const { device } = gpu;
  const querySet = device.createQuerySet({ type: "timestamp", count: passes * 2 });
  const resolve = device.createBuffer({
    size: passes * 16,
    usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
  });
  const readback = device.createBuffer({
    size: passes * 16,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  try {
    const encoder = device.createCommandEncoder();
    for (let p = 0; p < passes; p++) {
      const pass = encoder.beginComputePass({
        timestampWrites: {
          querySet,
          beginningOfPassWriteIndex: 2 * p,
          endOfPassWriteIndex: 2 * p + 1,
        },
      });
      for (let i = 0; i < perPass; i++) bound.encode(pass);
      pass.end();
    }
    encoder.resolveQuerySet(querySet, 0, passes * 2, resolve, 0);
    encoder.copyBufferToBuffer(resolve, 0, readback, 0, passes * 16);
    device.queue.submit([encoder.finish()]);
    await readback.mapAsync(GPUMapMode.READ);
    const stamps = new BigUint64Array(readback.getMappedRange().slice(0));
    readback.unmap();
    const samples: number[] = [];
    for (let p = 0; p < passes; p++) {
      const ns = Number(stamps[2 * p + 1]! - stamps[2 * p]!);
      samples.push(ns / 1e6 / perPass);
    }
    return samples;
  } finally {
    querySet.destroy();
    resolve.destroy();
    readback.destroy();
  }
}

/** Wall-clock ms of one submit of `count` dispatches, waited for once. */
async function wallClock(gpu: Gpu, bound: BoundProgram, count: number): Promise<number> {
  const { device } = gpu;
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  for (let i = 0; i < count; i++) bound.encode(pass);
  pass.end();
  const start = performance.now();
  device.queue.submit([encoder.finish()]);
  await device.queue.onSubmittedWorkDone();
  return performance.now() - start;
}

/** Keeps the samples that are times: finite and > 0. */
function positive(samples: readonly number[]): number[] {
  return samples.filter((s) => Number.isFinite(s) && s > 0);
}

async function measureWithTimestamps(
  gpu: Gpu,
  bound: BoundProgram,
  budgetMs: number,
  cutoffMs: number,
  signal: AbortSignal | undefined,
): Promise<Measurement | undefined> {
  // A warm-up pass (first use of the pipeline and buffers), then the estimate, in one submit.
  const [, first] = await timestampSamples(gpu, bound, 2, 1);
  if (!(first! > 0) || !Number.isFinite(first!)) return undefined;
  const estimate = Math.max(first!, 1e-4);
  if (estimate > cutoffMs) {
    return { ...summarizeTimings([estimate]), cutOff: true, method: "timestamp" };
  }
  signal?.throwIfAborted();
  // Each pass should last at least ~1 ms so timestamp granularity does not matter.
  const perPass = Math.max(1, Math.min(256, Math.ceil(1 / estimate)));
  const passes = Math.max(
    MIN_SAMPLES,
    Math.min(MAX_SAMPLES, Math.floor(budgetMs / (estimate * perPass))),
  );
  const samples = positive(await timestampSamples(gpu, bound, passes, perPass));
  if (samples.length === 0) return undefined;
  return { ...summarizeTimings(samples), cutOff: false, method: "timestamp" };
}

async function measureWithWallClock(
  gpu: Gpu,
  bound: BoundProgram,
  budgetMs: number,
  cutoffMs: number,
  signal: AbortSignal | undefined,
): Promise<Measurement> {
  await wallClock(gpu, bound, 1); // warm-up
  const one = await wallClock(gpu, bound, 1);
  const four = await wallClock(gpu, bound, 4);
  const slope = (four - one) / 3;
  if (slope > cutoffMs) {
    return { ...summarizeTimings([slope]), cutOff: true, method: "wallclock" };
  }
  signal?.throwIfAborted();
  // A slope <= 0 says nothing about the time; the batch's mean (an upper bound) sizes the batches.
  const estimate = Math.max(slope > 0 ? slope : four / 4, 1e-4);
  // Slope between a small and a large batch cancels the fixed submit+wait cost.
  const large = Math.max(8, Math.min(512, Math.ceil(budgetMs / MIN_SAMPLES / estimate)));
  const small = Math.max(1, Math.floor(large / 4));
  const slopes: number[] = [];
  const means: number[] = [];
  for (let i = 0; i < 3 * MIN_SAMPLES && slopes.length < MIN_SAMPLES; i++) {
    signal?.throwIfAborted();
    const tSmall = await wallClock(gpu, bound, small);
    const tLarge = await wallClock(gpu, bound, large);
    means.push(tLarge / large);
    slopes.push((tLarge - tSmall) / (large - small));
    slopes.splice(0, slopes.length, ...positive(slopes));
  }
  // Without any positive slope (a timer too coarse for the batches), the large batches' mean
  // time per dispatch, which includes a share of the fixed cost, is an upper bound, never a fake.
  const samples = slopes.length > 0 ? slopes : positive(means);
  return { ...summarizeTimings(samples), cutOff: false, method: "wallclock" };
}

/**
 * Measures the GPU time of one dispatch of a bound program: median with p20/p80 over samples.
 *
 * @example
 * ```ts
 * import { openDevice } from "@wgtune/wgtune";
 * import { bindProgram, compileProgram } from "@wgtune/wgtune/gpu";
 * import { matmulFamily } from "@wgtune/wgtune/kernels";
 * import { measureProgram } from "@wgtune/wgtune/tuner";
 * const gpu = await openDevice();
 * const problem = matmulFamily.normalizeProblem({ m: 8, n: 8, k: 8 });
 * const program = matmulFamily.generate(problem, matmulFamily.defaultConfig(problem, gpu.caps), gpu.caps);
 * const inputs = matmulFamily.makeInputs(problem, 1);
 * const bound = bindProgram(gpu, await compileProgram(gpu, program), inputs);
 * const { medianMs, p20Ms, p80Ms } = await measureProgram(gpu, bound, { budgetMs: 10 });
 * console.log(p20Ms <= medianMs && medianMs <= p80Ms); // true
 * gpu.close();
 * ```
 */
export function measureProgram(
  gpu: Gpu,
  bound: BoundProgram,
  options: MeasureOptions = {},
): Promise<Measurement> {
  const { budgetMs = 100, cutoffMs = Infinity, signal } = options;
  if (!(budgetMs > 0)) {
    throw new RangeError(`'budgetMs' must be positive: current value is ${budgetMs}`);
  }
  if (!gpu.hasTimestamps) return measureWithWallClock(gpu, bound, budgetMs, cutoffMs, signal);
  // Timestamps that never advance (every delta <= 0): the wall clock measures instead.
  return measureWithTimestamps(gpu, bound, budgetMs, cutoffMs, signal).then((measured) =>
    measured ?? measureWithWallClock(gpu, bound, budgetMs, cutoffMs, signal)
  );
}
