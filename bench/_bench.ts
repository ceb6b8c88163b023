/**
 * Shared plumbing of the conv2d and attention benchmarks (the matmul bench keeps its own copy):
 * buffers, read-back, statistics, a tune-then-load step and the bench registration with a GFLOPS
 * table printed at the end.
 *
 * @module
 */
import { type Gpu, type KernelHandle, loadKernel, tune, type TuneResult } from "../mod.ts";

/** Timed iterations per variant (after deno bench's own warm-up call and `WARMUP` iterations). */
export const ITERATIONS = 8;
/** Untimed warm-up iterations deno bench runs before the timed ones. */
export const WARMUP = 1;

/** Median of `values`. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A storage buffer holding `values`, or `values` zero floats when it is a number. */
export function storageBuffer(
  device: GPUDevice,
  values: Float32Array<ArrayBuffer> | number,
): GPUBuffer {
  const bytes = typeof values === "number" ? values * 4 : values.byteLength;
  const buffer = device.createBuffer({
    size: Math.max(16, Math.ceil(bytes / 16) * 16),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  if (typeof values !== "number") device.queue.writeBuffer(buffer, 0, values);
  return buffer;
}

/** Copies `elements` floats of `buffer` back to the host. */
export async function readFloats(
  device: GPUDevice,
  buffer: GPUBuffer,
  elements: number,
): Promise<Float32Array> {
  const staging = device.createBuffer({
    size: elements * 4,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, elements * 4);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange().slice(0));
  staging.unmap();
  staging.destroy();
  return out;
}

/** Largest absolute difference relative to the largest magnitude of `want`. */
export function relativeError(got: Float32Array, want: Float32Array): number {
  if (got.length < want.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return diff / Math.max(scale, 1e-30);
}

/** Median of the fixed cost of one empty submit + wait. */
export async function syncOverheadMs(device: GPUDevice): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 7; i++) {
    const start = performance.now();
    device.queue.submit([device.createCommandEncoder().finish()]);
    await device.queue.onSubmittedWorkDone();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

/** `key=value` pairs of a config. */
export function configText(config: Readonly<Record<string, unknown>>): string {
  return Object.entries(config).map(([key, value]) => `${key}=${value}`).join(" ");
}

/** Current load average, for the report. */
export function loadAverage(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

/** One benchmarked implementation: `issue(count)` records and submits `count` ops. */
export interface Variant {
  readonly name: string;
  readonly issue: (count: number) => void;
  /** Wall-clock ms of every bench call, warm-up calls included (the last `ITERATIONS` count). */
  readonly samples: number[];
}

/** A variant that dispatches a wgtune kernel `count` times in one compute pass and submits. */
export function wgtuneVariant(
  device: GPUDevice,
  name: string,
  kernel: KernelHandle,
  buffers: GPUBuffer[],
): Variant {
  const bindGroup = kernel.createBindGroup(buffers);
  return {
    name,
    samples: [],
    issue(count) {
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      for (let i = 0; i < count; i++) kernel.encode(pass, bindGroup);
      pass.end();
      device.queue.submit([encoder.finish()]);
    },
  };
}

/** The tuned and the default kernel of one problem, with the tune result. */
export interface TunedPair {
  readonly result: TuneResult;
  readonly tuned: KernelHandle;
  readonly default: KernelHandle;
  readonly seconds: number;
}

/** Budget of {@linkcode tuneAndLoad}. */
export interface TuneBudget {
  readonly maxEvals: number;
  readonly timeLimitMs: number;
  readonly measureMs: number;
  readonly cacheDir: string;
}

/**
 * Tunes `problem` (random search) into `budget.cacheDir`, then loads the tuned kernel from that
 * cache and the default one with `cacheDir: null`.
 */
export async function tuneAndLoad(
  gpu: Gpu,
  op: string,
  problem: unknown,
  budget: TuneBudget,
): Promise<TunedPair> {
  const start = performance.now();
  const result = await tune(gpu, { op, problem }, {
    strategy: "random",
    maxEvals: budget.maxEvals,
    cacheDir: budget.cacheDir,
    seed: 1,
    timeLimitMs: budget.timeLimitMs,
    measureMs: budget.measureMs,
    candidateTimeoutMs: 120_000,
  });
  const tuned = await loadKernel(gpu, op, problem, { cacheDir: budget.cacheDir });
  if (tuned.source !== "tuned") {
    const statuses = result.trials.map((t) =>
      `${t.status}${"error" in t && t.error ? ` (${String(t.error).slice(0, 200)})` : ""}`
    );
    throw new Error(
      `loadKernel found no tuned ${op} config in ${budget.cacheDir} (no trial succeeded: ` +
        `${statuses.join("; ")})`,
    );
  }
  const dflt = await loadKernel(gpu, op, problem, { cacheDir: null });
  return { result, tuned, default: dflt, seconds: (performance.now() - start) / 1000 };
}

/** A one-line summary of a tuned pair. */
export function tuneNote(pair: TunedPair): string {
  const r = pair.result;
  return `tuned ${configText(pair.tuned.config)} (tuner: ${r.best.gflops.toFixed(2)} GFLOPS, ` +
    `default ${r.default.gflops.toFixed(2)}, ${r.trials.length} trials in ${
      pair.seconds.toFixed(0)
    } s, ${r.fromCache ? "from cache" : `stopped by ${r.stoppedBy}`}); ` +
    `default ${configText(pair.default.config)}`;
}

/** Everything measured for one benchmark group. */
export interface GroupRun {
  readonly label: string;
  readonly flops: number;
  readonly perIteration: number;
  /** The first variant is the baseline; ratios are taken against it. */
  readonly variants: readonly Variant[];
}

/** GFLOPS of a variant at its median, slowest and fastest timed iteration. */
interface Throughput {
  readonly median: number;
  readonly low: number;
  readonly high: number;
}

function throughput(run: GroupRun, variant: Variant): Throughput {
  const timed = variant.samples.slice(-ITERATIONS);
  const work = run.perIteration * run.flops / 1e6;
  if (timed.length === 0) return { median: NaN, low: NaN, high: NaN };
  return {
    median: work / median(timed),
    low: work / Math.max(...timed),
    high: work / Math.min(...timed),
  };
}

/**
 * Registers one `Deno.bench` per variant and group (the first variant is the baseline), each
 * iteration issuing `perIteration` ops and waiting once via `sync`, and prints a GFLOPS table
 * when the process unloads.
 */
export function registerBenches(
  runs: readonly GroupRun[],
  sync: () => Promise<void>,
  footer: { overheadMs: number; startLoad: string; title: string; onUnload?: () => void },
): void {
  for (const run of runs) {
    for (const [index, variant] of run.variants.entries()) {
      Deno.bench({
        name: variant.name,
        group: `${run.label}, ${run.perIteration} per iteration`,
        baseline: index === 0,
        n: ITERATIONS,
        warmup: WARMUP,
      }, async (b) => {
        b.start();
        const start = performance.now();
        variant.issue(run.perIteration);
        await sync();
        variant.samples.push(performance.now() - start);
        b.end();
      });
    }
  }
  globalThis.addEventListener("unload", () => {
    const names = runs[0]?.variants.map((v) => v.name) ?? [];
    const base = names[0] ?? "";
    const header = [
      "problem",
      "ops/iter",
      ...names.map((n) => `${n} GFLOPS`),
      ...names.slice(1).map((n) => `${base}/${n}`),
    ];
    const lines = [
      `| ${header.join(" | ")} |`,
      `| ${
        header.map((h, i) => i === 0 ? "----" : "-".repeat(Math.max(3, h.length - 1)) + ":").join(
          " | ",
        )
      } |`,
    ];
    const cell = (t: Throughput) =>
      `${t.median.toFixed(2)} (${t.low.toFixed(2)}–${t.high.toFixed(2)})`;
    const ratio = (x: Throughput, y: Throughput) =>
      `${(x.median / y.median).toFixed(2)}x / ${(x.high / y.high).toFixed(2)}x`;
    for (const run of runs) {
      const t = run.variants.map((v) => throughput(run, v));
      lines.push(
        `| ${run.label} | ${run.perIteration} | ${t.map(cell).join(" | ")} | ${
          t.slice(1).map((y) => ratio(t[0]!, y)).join(" | ")
        } |`,
      );
    }
    console.log(
      `\n${footer.title}\nGFLOPS: median (slowest–fastest) of ${ITERATIONS} timed iterations, ` +
        `wall clock, one wait per iteration (an empty submit + wait costs ${
          footer.overheadMs.toFixed(1)
        } ms here, included). Ratios: at the medians / at the fastest iterations. Load average ` +
        `at the start ${footer.startLoad}, at the end ${loadAverage()} ` +
        `(${navigator.hardwareConcurrency} cores).\n` + lines.join("\n"),
    );
    footer.onUnload?.();
  });
}
