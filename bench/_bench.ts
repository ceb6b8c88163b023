/**
 * Shared plumbing of the conv2d and attention benchmarks (the matmul bench keeps its own copy):
 * buffers, read-back, statistics, a tune-then-load step and the bench registration with a GFLOPS
 * table printed at the end.
 *
 * @module
 */
import { median } from "../core/stats.ts";
import {
  type Gpu,
  type KernelHandle,
  loadKernel,
  type ParamValue,
  tune,
  type TuneResult,
} from "../mod.ts";
import { configKey } from "../search/mod.ts";

/** Timed iterations per variant (after deno bench's own warm-up call and `WARMUP` iterations). */
export const ITERATIONS = 8;
/** Untimed warm-up iterations deno bench runs before the timed ones. */
export const WARMUP = 1;

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

/**
 * One benchmarked implementation: `issue(count)` records and submits `count` ops (or, for a
 * library that waits itself, runs them and resolves when they are done).
 */
export interface Variant {
  readonly name: string;
  readonly issue: (count: number) => void | Promise<void>;
  /** Wall-clock ms of every bench call, warm-up calls included (the last `ITERATIONS` count). */
  readonly samples: number[];
  /**
   * A variant of the same group measuring only an overhead of this one (for example the host
   * copies of a library that copies inputs and outputs on every call): the table adds a column
   * `name − minus.name` computed from the median iteration times of both.
   */
  readonly minus?: Variant;
  /**
   * Shown as milliseconds per iteration rather than GFLOPS, without a ratio, and timed without the
   * bench's `sync` wait (its `issue` must wait itself): it does none of the op's work, it is the
   * `minus` of another variant, which keeps its one wait per iteration like every other.
   */
  readonly overheadOnly?: boolean;
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
  /** Search strategy; `"random"` when absent. */
  readonly strategy?: string;
  readonly maxEvals: number;
  readonly timeLimitMs: number;
  /** `TuneOptions.measureMs`; the tuner's default when absent. */
  readonly measureMs?: number;
  readonly cacheDir: string;
  /** Search (and take the default) only in this subspace (`TuneOptions.fix`). */
  readonly fix?: Readonly<Record<string, readonly ParamValue[]>>;
}

/**
 * Throws unless the kernel loaded from the cache runs the tuner's winner: the bench must time the
 * config whose GFLOPS the tuner reports.
 */
export function assertTunedIsWinner(label: string, tuned: KernelHandle, result: TuneResult): void {
  if (configKey(tuned.config) !== configKey(result.best.config)) {
    throw new Error(
      `${label}: the cache's best (${configText(tuned.config)}) is not the tuner's winner ` +
        `(${configText(result.best.config)})`,
    );
  }
}

/**
 * Tunes `problem` (random search unless `budget.strategy` names another) into `budget.cacheDir`, then loads the tuned kernel from that
 * cache and the default config the tuner measured.
 */
export async function tuneAndLoad(
  gpu: Gpu,
  op: string,
  problem: unknown,
  budget: TuneBudget,
): Promise<TunedPair> {
  const start = performance.now();
  const result = await tune(gpu, { op, problem }, {
    strategy: budget.strategy ?? "random",
    maxEvals: budget.maxEvals,
    cacheDir: budget.cacheDir,
    seed: 1,
    timeLimitMs: budget.timeLimitMs,
    ...(budget.measureMs === undefined ? {} : { measureMs: budget.measureMs }),
    candidateTimeoutMs: 120_000,
    ...(budget.fix ? { fix: budget.fix } : {}),
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
  // With `fix`, the cache's best may lie outside the searched subspace.
  if (!budget.fix) assertTunedIsWinner(`${op} ${JSON.stringify(problem)}`, tuned, result);
  // The tuner's default (the family's, or its counterpart inside a `fix` subspace).
  const dflt = await loadKernel(gpu, op, problem, { config: result.default.config });
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

function timedSamples(variant: Variant): number[] {
  return variant.samples.slice(-ITERATIONS);
}

function throughput(run: GroupRun, variant: Variant): Throughput {
  const timed = timedSamples(variant);
  const work = run.perIteration * run.flops / 1e6;
  if (timed.length === 0) return { median: NaN, low: NaN, high: NaN };
  return {
    median: work / median(timed),
    low: work / Math.max(...timed),
    high: work / Math.min(...timed),
  };
}

/** GFLOPS of `variant` with the median time of `variant.minus` taken off its median (no range). */
function netThroughput(run: GroupRun, variant: Variant, minus: Variant): Throughput {
  const a = timedSamples(variant);
  const b = timedSamples(minus);
  const net = a.length && b.length ? median(a) - median(b) : NaN;
  const work = run.perIteration * run.flops / 1e6;
  return { median: net > 0 ? work / net : NaN, low: NaN, high: NaN };
}

/** One column of the closing table: a title and its value for a group (undefined: not run). */
interface Column {
  readonly title: string;
  /** Shown as GFLOPS and given a ratio against the baseline, or shown as ms per iteration. */
  readonly kind: "gflops" | "ms";
  readonly value: (run: GroupRun) => Throughput | number | undefined;
}

/** The table's columns: every variant name in order of appearance across the groups. */
function columns(runs: readonly GroupRun[]): Column[] {
  const out: Column[] = [];
  const seen = new Set<string>();
  const find = (run: GroupRun, name: string) => run.variants.find((v) => v.name === name);
  for (const run of runs) {
    for (const variant of run.variants) {
      if (seen.has(variant.name)) continue;
      seen.add(variant.name);
      const name = variant.name;
      if (variant.overheadOnly) {
        out.push({
          title: `${name} ms/iter`,
          kind: "ms",
          value: (r) => {
            const v = find(r, name);
            const timed = v ? timedSamples(v) : [];
            return timed.length ? median(timed) : undefined;
          },
        });
        continue;
      }
      out.push({
        title: name,
        kind: "gflops",
        value: (r) => {
          const v = find(r, name);
          return v ? throughput(r, v) : undefined;
        },
      });
      if (variant.minus) {
        out.push({
          title: `${name} − ${variant.minus.name}`,
          kind: "gflops",
          value: (r) => {
            const v = find(r, name);
            return v?.minus ? netThroughput(r, v, v.minus) : undefined;
          },
        });
      }
    }
  }
  return out;
}

/**
 * Interleaved rounds of one group: `times[r][v]` is the wall-clock ms of variant `v`'s iteration
 * in round `r` (each round runs every variant once, one after the other).
 */
export interface PairedRun {
  readonly run: GroupRun;
  readonly times: readonly (readonly number[])[];
}

/**
 * Runs `rounds` interleaved rounds of every group before deno bench's own (sequential) timing:
 * in each round every variant runs one iteration (`perIteration` ops and one `sync` wait, as in
 * the bench), starting from a different variant each round. The ratio of two variants within a
 * round is measured seconds apart, so slow and fast periods of a shared machine, which can move
 * one kernel's time by 2x between minutes, cancel out of its median over rounds.
 */
export async function measurePaired(
  runs: readonly GroupRun[],
  sync: () => Promise<void>,
  rounds: number,
): Promise<PairedRun[]> {
  const out: PairedRun[] = [];
  for (const run of runs) {
    const n = run.variants.length;
    const times: number[][] = [];
    for (let r = 0; r < rounds; r++) {
      const row = new Array<number>(n).fill(NaN);
      for (let i = 0; i < n; i++) {
        const v = (r + i) % n;
        const variant = run.variants[v]!;
        const start = performance.now();
        await variant.issue(run.perIteration);
        if (!variant.overheadOnly) await sync();
        row[v] = performance.now() - start;
      }
      times.push(row);
    }
    out.push({ run, times });
  }
  return out;
}

/**
 * The paired table: per group, the median over rounds of each variant's time over the
 * baseline's (the first variant's) time in the same round, i.e. how many times faster the
 * baseline was; a variant with a `minus` also gets the ratio of its net time.
 */
function pairedTable(paired: readonly PairedRun[]): string[] {
  // One column per variant name (and per net of a variant with a `minus`), in order of appearance.
  const columns: { title: string; name: string; minus?: string }[] = [];
  for (const { run } of paired) {
    for (const [i, v] of run.variants.entries()) {
      if (i === 0 || v.overheadOnly) continue;
      const found = (title: string) => columns.some((c) => c.title === title);
      if (!found(v.name)) columns.push({ title: v.name, name: v.name });
      const net = v.minus && `${v.name} − ${v.minus.name}`;
      if (net && !found(net)) {
        columns.push({ title: `(${net})`, name: v.name, minus: v.minus!.name });
      }
    }
  }
  const base = paired[0]?.run.variants[0]?.name ?? "baseline";
  const lines = tableHead(["problem", "rounds", ...columns.map((c) => `${base}/${c.title}`)]);
  for (const { run, times } of paired) {
    const cells = columns.map(({ name, minus }) => {
      const v = run.variants.findIndex((x) => x.name === name);
      const m = minus === undefined ? -1 : run.variants.findIndex((x) => x.name === minus);
      if (v < 0) return "–";
      const ratios = times.map((row) => (row[v]! - (m >= 0 ? row[m]! : 0)) / row[0]!)
        .filter((x) => Number.isFinite(x) && x > 0);
      if (ratios.length === 0) return "–";
      return `${median(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}–${
        Math.max(...ratios).toFixed(2)
      })`;
    });
    lines.push(`| ${run.label} | ${times.length} | ${cells.join(" | ")} |`);
  }
  return lines;
}

/** The header row and the alignment row of a Markdown table (numbers right-aligned). */
function tableHead(header: readonly string[]): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `| ${
      header.map((h, i) => i === 0 ? "----" : "-".repeat(Math.max(3, h.length - 1)) + ":").join(
        " | ",
      )
    } |`,
  ];
}

/**
 * Registers one `Deno.bench` per variant and group (the first variant is the baseline), each
 * iteration issuing `perIteration` ops and waiting once via `sync`, and prints a GFLOPS table
 * when the process unloads: one column per variant name (groups without it show "–"), a net
 * column after each variant with a `minus`, milliseconds for `overheadOnly` variants, and the
 * baseline's ratio to every GFLOPS column (a net column has no slowest/fastest range, so its ratio
 * is at the medians only).
 */
export function registerBenches(
  runs: readonly GroupRun[],
  sync: () => Promise<void>,
  footer: {
    overheadMs: number;
    startLoad: string;
    title: string;
    /** Lines printed between the legend and the table. */
    notes?: readonly string[];
    /** Interleaved rounds from {@linkcode measurePaired}, printed as a second table. */
    paired?: readonly PairedRun[];
    onUnload?: () => void;
  },
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
        await variant.issue(run.perIteration);
        if (!variant.overheadOnly) await sync();
        variant.samples.push(performance.now() - start);
        b.end();
      });
    }
  }
  globalThis.addEventListener("unload", () => {
    const cols = columns(runs);
    const gflops = cols.filter((c) => c.kind === "gflops");
    const base = gflops[0];
    const header = [
      "problem",
      "ops/iter",
      ...cols.map((c) => c.kind === "gflops" ? `${c.title} GFLOPS` : c.title),
      ...gflops.slice(1).map((c) =>
        `${base?.title}/${c.title.includes(" − ") ? `(${c.title})` : c.title}`
      ),
    ];
    const lines = tableHead(header);
    const fixed = (x: number) => Number.isFinite(x) ? x.toFixed(2) : "–";
    const cell = (value: Throughput | number | undefined) => {
      if (value === undefined) return "–";
      if (typeof value === "number") return value.toFixed(1);
      return Number.isNaN(value.low)
        ? fixed(value.median)
        : `${fixed(value.median)} (${fixed(value.low)}–${fixed(value.high)})`;
    };
    const ratio = (x: Throughput | undefined, y: Throughput | undefined) => {
      if (!x || !y || !Number.isFinite(y.median)) return "–";
      const atMedian = `${fixed(x.median / y.median)}x`;
      return Number.isNaN(y.low) ? atMedian : `${atMedian} / ${fixed(x.high / y.high)}x`;
    };
    for (const run of runs) {
      const values = cols.map((c) => c.value(run));
      const t = gflops.map((c) => c.value(run) as Throughput | undefined);
      lines.push(
        `| ${run.label} | ${run.perIteration} | ${values.map(cell).join(" | ")} | ${
          t.slice(1).map((y) => ratio(t[0], y)).join(" | ")
        } |`,
      );
    }
    console.log(
      `\n${footer.title}\nGFLOPS: median (slowest–fastest) of ${ITERATIONS} timed iterations, ` +
        `wall clock, one wait per iteration (an empty submit + wait costs ${
          footer.overheadMs.toFixed(1)
        } ms here, included${
          cols.some((c) => c.kind === "ms") ? ", except in the ms/iter columns" : ""
        }). Ratios: at the medians / at the fastest iterations. Load average ` +
        `at the start ${footer.startLoad}, at the end ${loadAverage()} ` +
        `(${navigator.hardwareConcurrency} cores).` +
        (footer.notes?.length ? `\n${footer.notes.join("\n")}` : "") + `\n${lines.join("\n")}`,
    );
    if (footer.paired?.length) {
      console.log(
        `\nPaired ratios: ${footer.paired[0]!.times.length} interleaved rounds run before the ` +
          `bench, every variant once per round (one iteration each, as above); each cell is the ` +
          `median (lowest–highest) over rounds of the variant's time over the baseline's time ` +
          `in the same round, so slow and fast periods of the machine cancel out.\n` +
          pairedTable(footer.paired).join("\n"),
      );
    }
    footer.onUnload?.();
  });
}
