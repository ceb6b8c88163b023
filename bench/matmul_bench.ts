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
 * cache directory, loads the tuned kernel from that cache and the default config the tuner
 * measured (through `bench/_bench.ts`'s harness, like the other benches), wraps the same input
 * buffers as TF.js tensors (zero copy), warms every variant up and cross-checks their outputs. Each bench iteration then issues the same number of matmuls
 * per variant and waits once, the same way for all: submit, then `queue.onSubmittedWorkDone()`.
 * When every bench has run, `registerBenches` prints a Markdown table of GFLOPS and ratios from the
 * same samples.
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
import { openDevice } from "../mod.ts";
import { getKernel } from "../kernels/mod.ts";
import { checkTfjsMatmul, lcgValues, TFJS_VERSION, useTfjsOn } from "./_tfjs.ts";
import {
  type GroupRun,
  loadAverage,
  readFloats,
  registerBenches,
  relativeError,
  storageBuffer,
  syncOverheadMs,
  tuneAndLoad,
  tuneNote,
  type Variant,
  wgtuneVariant,
} from "./_bench.ts";

/** Tuning budget per size, in evaluated candidates. */
const MAX_EVALS = Number(Deno.env.get("WGTUNE_BENCH_EVALS") ?? 60);
const STRATEGY = Deno.env.get("WGTUNE_BENCH_STRATEGY") ?? "bayes";
/** Square sizes benchmarked. */
const SIZES = (Deno.env.get("WGTUNE_BENCH_SIZES") ?? "256,512,1024").split(",").map(Number);
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

async function prepare(size: number): Promise<GroupRun> {
  const problem = { m: size, n: size, k: size };
  const flops = family.flops(family.normalizeProblem(problem));
  const pair = await tuneAndLoad(gpu, "matmul", problem, {
    strategy: STRATEGY,
    maxEvals: MAX_EVALS,
    timeLimitMs: TUNE_LIMIT_MS,
    cacheDir,
  });
  const { tuned: tunedKernel, default: defaultKernel } = pair;

  const a = storageBuffer(device, lcgValues(size * size, 2 * size + 1));
  const b = storageBuffer(device, lcgValues(size * size, 2 * size + 2));
  const cTuned = storageBuffer(device, size * size);
  const cDefault = storageBuffer(device, size * size);
  const ta = tfjs.wrap(a, [size, size]);
  const tb = tfjs.wrap(b, [size, size]);

  const variants: Variant[] = [
    wgtuneVariant(device, "wgtune tuned", tunedKernel, [a, b, cTuned]),
    wgtuneVariant(device, "wgtune default", defaultKernel, [a, b, cDefault]),
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
  console.log(`${size}³: ${tuneNote(pair)}; ${perIteration} matmuls per iteration`);
  return { label: `matmul ${size}x${size}x${size} f32`, flops, perIteration, variants };
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
const runs: GroupRun[] = [];
for (const size of SIZES) runs.push(await prepare(size));
registerBenches(runs, sync, {
  overheadMs: await syncOverheadMs(device),
  startLoad,
  title: `matmul: wgtune tuned vs wgtune default vs TF.js ${TFJS_VERSION} webgpu`,
  onUnload: () => {
    if (!userCache) Deno.removeSync(cacheDir, { recursive: true });
  },
});
