/**
 * Matmul benchmark: wgtune's tuned kernel, wgtune's default kernel and TF.js's WebGPU backend
 * (`tf.matMul`), f32, square sizes, all on one device in one run.
 *
 * ```sh
 * deno bench -A bench/matmul_bench.ts
 * ```
 *
 * At module load the bench opens Deno's WebGPU device, checks TF.js's matmul against a float64
 * product, tunes every size (Bayesian search, 60 candidates or 540 s) into a fresh temporary
 * cache directory, loads the tuned kernel from that cache and the default kernel with
 * `cacheDir: null`, wraps the same input buffers as TF.js tensors (zero copy), warms every variant
 * up and cross-checks their outputs. Each bench iteration then issues the same number of matmuls
 * per variant and waits once, the same way for all: submit, then `queue.onSubmittedWorkDone()`.
 * When every bench has run, a Markdown table of GFLOPS and ratios from the same samples is printed.
 *
 * Environment knobs:
 * - `WGTUNE_BENCH_CACHE=dir`: tune into (and reuse results from) this cache directory instead of a
 *   temporary one, for example the user's cache.
 * - `WGTUNE_BENCH_SIZES=256,512`: square sizes to run (default `256,512,1024`).
 * - `WGTUNE_BENCH_STRATEGY=bayes`: search strategy of the tuning (`grid`, `random`, `bayes`).
 * - `WGTUNE_BENCH_EVALS=60`: tuning budget per size (candidates).
 * - `WGTUNE_BENCH_TUNE_S=540`: tuning time limit per size, in seconds.
 *
 * @module
 */
import { getKernel } from "../kernels/mod.ts";
import { type KernelHandle, loadKernel, openDevice, tune } from "../mod.ts";
import { checkTfjsMatmul, lcgValues, TFJS_VERSION, useTfjsOn } from "./_tfjs.ts";
import {
  assertTunedIsWinner,
  configText,
  loadAverage,
  median,
  readFloats,
  relativeError,
  storageBuffer,
  syncOverheadMs,
} from "./_bench.ts";

/** Tuning budget per size, in evaluated candidates. */
const MAX_EVALS = Number(Deno.env.get("WGTUNE_BENCH_EVALS") ?? 60);
const STRATEGY = Deno.env.get("WGTUNE_BENCH_STRATEGY") ?? "bayes";
/** Square sizes benchmarked. */
const SIZES = (Deno.env.get("WGTUNE_BENCH_SIZES") ?? "256,512,1024").split(",").map(Number);
/** Timed iterations per variant (after deno bench's own warm-up call and `WARMUP` iterations). */
const ITERATIONS = 8;
/** Untimed warm-up iterations deno bench runs before the timed ones. */
const WARMUP = 1;
/** Floating-point work per iteration (about 2 GFLOP: 64 matmuls of 256³, 8 of 512³, 2 of 1024³, at
 * least 2), so that the fixed cost of one awaited wait (about 12 ms here) stays a small fraction. */
const FLOP_PER_ITERATION = 2 ** 31;
/** Wall-clock limit of the tuning of one size, in ms. */
const TUNE_LIMIT_MS = Number(Deno.env.get("WGTUNE_BENCH_TUNE_S") ?? 540) * 1000;

for (const size of SIZES) {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`'WGTUNE_BENCH_SIZES' must list positive integers: found ${size}`);
  }
}
if (!(TUNE_LIMIT_MS > 0)) {
  throw new RangeError(
    `'WGTUNE_BENCH_TUNE_S' must be a positive number: current value is ${TUNE_LIMIT_MS / 1000}`,
  );
}
if (!Number.isInteger(MAX_EVALS) || MAX_EVALS < 1) {
  throw new RangeError(
    `'WGTUNE_BENCH_EVALS' must be a positive integer: current value is ${MAX_EVALS}`,
  );
}

const startLoad = loadAverage();
const gpu = await openDevice({ backend: "deno" });
const { device } = gpu;
const tfjs = await useTfjsOn(gpu);
const { tf } = tfjs;
const tfjsError = await checkTfjsMatmul(tfjs);

const userCache = Deno.env.get("WGTUNE_BENCH_CACHE");
const cacheDir = userCache ?? await Deno.makeTempDir({ prefix: "matmul-bench-cache-" });
const family = getKernel("matmul");

/** Submits whatever TF.js still holds and waits for all submitted work: the one wait per iteration. */
async function sync(): Promise<void> {
  tfjs.flush();
  await device.queue.onSubmittedWorkDone();
}

/** One benchmarked implementation: `issue(count)` records and submits `count` matmuls. */
interface Variant {
  readonly name: string;
  readonly issue: (count: number) => void;
  /** Wall-clock ms of every bench call, warm-up calls included (the last `ITERATIONS` count). */
  readonly samples: number[];
}

/** Everything measured for one size. */
interface SizeRun {
  readonly size: number;
  readonly flops: number;
  readonly perIteration: number;
  readonly variants: readonly Variant[];
  readonly note: string;
}

function wgtuneVariant(name: string, kernel: KernelHandle, buffers: GPUBuffer[]): Variant {
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

async function prepare(size: number): Promise<SizeRun> {
  const problem = { m: size, n: size, k: size };
  const flops = family.flops(family.normalizeProblem(problem));
  const tuneStart = performance.now();
  const tuned = await tune(gpu, { op: "matmul", problem }, {
    strategy: STRATEGY,
    maxEvals: MAX_EVALS,
    cacheDir,
    seed: 1,
    timeLimitMs: TUNE_LIMIT_MS,
    // One 1024³ candidate takes seconds on a software adapter, more when the machine is busy.
    candidateTimeoutMs: 120_000,
  });
  const tunedKernel = await loadKernel(gpu, "matmul", problem, { cacheDir });
  if (tunedKernel.source !== "tuned") {
    throw new Error(`loadKernel found no tuned config for ${size}³ in ${cacheDir}`);
  }
  assertTunedIsWinner(`${size}³`, tunedKernel, tuned);
  const defaultKernel = await loadKernel(gpu, "matmul", problem, { cacheDir: null });

  const a = storageBuffer(device, lcgValues(size * size, 2 * size + 1));
  const b = storageBuffer(device, lcgValues(size * size, 2 * size + 2));
  const cTuned = storageBuffer(device, size * size);
  const cDefault = storageBuffer(device, size * size);
  const ta = tfjs.wrap(a, [size, size]);
  const tb = tfjs.wrap(b, [size, size]);

  const variants: Variant[] = [
    wgtuneVariant("wgtune tuned", tunedKernel, [a, b, cTuned]),
    wgtuneVariant("wgtune default", defaultKernel, [a, b, cDefault]),
    {
      name: "tfjs webgpu",
      samples: [],
      issue(count) {
        for (let i = 0; i < count; i++) tf.matMul(ta, tb).dispose();
        tfjs.flush();
      },
    },
  ];

  // Warm-up (pipelines, TF.js's buffer pool) and a cross-check of the three outputs.
  for (const variant of variants) {
    variant.issue(2);
    await sync();
  }
  const tfOut = tf.matMul(ta, tb);
  const want = new Float32Array(await tfOut.data());
  tfOut.dispose();
  for (const [name, buffer] of [["tuned", cTuned], ["default", cDefault]] as const) {
    const error = relativeError(await readFloats(device, buffer, size * size), want);
    if (!(error < 1e-4)) {
      throw new Error(`${size}³: wgtune ${name} differs from TF.js by ${error} (relative)`);
    }
  }

  const perIteration = Math.max(2, Math.round(FLOP_PER_ITERATION / flops));
  const note = `${size}³: tuned ${configText(tunedKernel.config)} ` +
    `(tuner: ${tuned.best.gflops.toFixed(2)} GFLOPS, default ${tuned.default.gflops.toFixed(2)}, ` +
    `${tuned.trials.length} trials in ${((performance.now() - tuneStart) / 1000).toFixed(0)} s, ${
      tuned.fromCache ? "from cache" : `stopped by ${tuned.stoppedBy}`
    }); ` +
    `default ${configText(defaultKernel.config)}; ${perIteration} matmuls per iteration`;
  console.log(note);
  return { size, flops, perIteration, variants, note };
}

console.log(
  `adapter: ${gpu.info.description} (vendor ${gpu.info.vendor}), backend ${gpu.backend}, ` +
    `Deno ${Deno.version.deno}, TF.js ${TFJS_VERSION} webgpu on the same GPUDevice`,
);
console.log(
  `TF.js matMul vs float64 CPU product (37x45 · 45x29): max abs error ${
    tfjsError.toExponential(2)
  }`,
);
console.log(
  `tuning cache: ${userCache ? `${cacheDir} (WGTUNE_BENCH_CACHE)` : `temporary ${cacheDir}`}, ` +
    `${STRATEGY} search, ${MAX_EVALS} candidates or ${TUNE_LIMIT_MS / 1000} s per size`,
);
const runs: SizeRun[] = [];
for (const size of SIZES) runs.push(await prepare(size));
const overheadMs = await syncOverheadMs(device);

for (const run of runs) {
  for (const variant of run.variants) {
    Deno.bench({
      name: variant.name,
      group: `matmul ${run.size}x${run.size}x${run.size} f32, ${run.perIteration} per iteration`,
      baseline: variant.name === "wgtune tuned",
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

/** GFLOPS of a variant at its median, slowest and fastest timed iteration. */
interface Throughput {
  readonly median: number;
  readonly low: number;
  readonly high: number;
}

function throughput(run: SizeRun, variant: Variant): Throughput {
  const timed = variant.samples.slice(-ITERATIONS);
  const work = run.perIteration * run.flops / 1e6;
  if (timed.length === 0) return { median: NaN, low: NaN, high: NaN };
  return {
    median: work / median(timed),
    low: work / Math.max(...timed),
    high: work / Math.min(...timed),
  };
}

/** `x/y` at the medians, then at the fastest iterations (less disturbed by other load). */
function ratio(x: Throughput, y: Throughput): string {
  return `${(x.median / y.median).toFixed(2)}x / ${(x.high / y.high).toFixed(2)}x`;
}

function table(): string {
  const lines = [
    "| size | matmuls/iter | wgtune tuned GFLOPS | wgtune default GFLOPS | TF.js GFLOPS " +
    "| tuned/TF.js | tuned/default |",
    "| ---- | -----------: | ------------------: | --------------------: | -----------: " +
    "| ----------: | ------------: |",
  ];
  const cell = (t: Throughput) =>
    `${t.median.toFixed(2)} (${t.low.toFixed(2)}–${t.high.toFixed(2)})`;
  for (const run of runs) {
    const [tuned, dflt, tfjsGflops] = run.variants.map((v) => throughput(run, v)) as [
      Throughput,
      Throughput,
      Throughput,
    ];
    lines.push(
      `| ${run.size}³ | ${run.perIteration} | ${cell(tuned)} | ${cell(dflt)} | ` +
        `${cell(tfjsGflops)} | ${ratio(tuned, tfjsGflops)} | ${ratio(tuned, dflt)} |`,
    );
  }
  return lines.join("\n");
}

globalThis.addEventListener("unload", () => {
  console.log(
    `\nGFLOPS: median (slowest–fastest) of ${ITERATIONS} timed iterations, wall clock, one wait ` +
      `per iteration (an empty submit + wait costs ${overheadMs.toFixed(1)} ms here, included). ` +
      `Ratios: at the medians / at the fastest iterations. Load average at the start ` +
      `${startLoad}, at the end ${loadAverage()} (${navigator.hardwareConcurrency} cores).\n` +
      table(),
  );
  if (!userCache) Deno.removeSync(cacheDir, { recursive: true });
});
