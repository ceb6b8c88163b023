/**
 * Attention benchmark: wgtune's tuned flash-attention kernel against wgtune's default kernel,
 * f32, non-causal, no mask, B1 H8 D64 at S512 and S1024, on one device in one run.
 *
 * ```sh
 * deno bench -A bench/attention_bench.ts
 * ```
 *
 * At module load the bench opens Deno's WebGPU device, tunes every shape (random search, a few
 * candidates) into a fresh temporary cache directory, loads the tuned kernel from that cache and
 * the default kernel with `cacheDir: null`, runs both on the same Q, K, V buffers, warms them up
 * and cross-checks their outputs. Each bench iteration issues the same number of attention
 * dispatches per variant and waits once (`queue.onSubmittedWorkDone()`). A Markdown table of
 * GFLOPS and ratios is printed at the end.
 *
 * No third-party comparison is included. onnxruntime-node 1.23.0's WebGPU execution provider
 * (a `com.microsoft` `MultiHeadAttention` node, the model built with `onnx/schema.ts`) was tried:
 * its bundled Dawn refuses the Mesa lavapipe Vulkan device ("Vulkan
 * shaderUniform*ArrayDynamicIndexing required"), so session creation fails with "Failed to get a
 * WebGPU adapter: No supported adapters". It may work on a hardware Vulkan adapter.
 *
 * Environment knobs:
 * - `WGTUNE_BENCH_CACHE=dir`: tune into (and reuse results from) this cache directory.
 * - `WGTUNE_BENCH_SHAPES="B1,H8,S512,D64;B1,H8,S1024,D64"`: attention shapes (`;`-separated).
 * - `WGTUNE_BENCH_EVALS=10`: tuning budget per shape (candidates).
 * - `WGTUNE_BENCH_TUNE_S=120`: tuning time limit per shape, in seconds.
 *
 * @module
 */
import { getKernel, openDevice } from "../mod.ts";
import { lcgValues } from "./_tfjs.ts";
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
  wgtuneVariant,
} from "./_bench.ts";

const SHAPES = (Deno.env.get("WGTUNE_BENCH_SHAPES") ?? "B1,H8,S512,D64;B1,H8,S1024,D64")
  .split(";");
const MAX_EVALS = Number(Deno.env.get("WGTUNE_BENCH_EVALS") ?? 10);
const TUNE_LIMIT_MS = Number(Deno.env.get("WGTUNE_BENCH_TUNE_S") ?? 120) * 1000;
/** Tuner measurement window per candidate, in ms. */
const MEASURE_MS = 30;
/** Floating-point work per iteration (about 1 GFLOP, at least 2 dispatches). */
const FLOP_PER_ITERATION = 2 ** 30;

if (!Number.isInteger(MAX_EVALS) || MAX_EVALS < 1) {
  throw new RangeError(
    `'WGTUNE_BENCH_EVALS' must be a positive integer: current value is ${MAX_EVALS}`,
  );
}
if (!(TUNE_LIMIT_MS > 0)) {
  throw new RangeError(
    `'WGTUNE_BENCH_TUNE_S' must be a positive number: current value is ${TUNE_LIMIT_MS / 1000}`,
  );
}

const startLoad = loadAverage();
const gpu = await openDevice({ backend: "deno" });
const { device } = gpu;
const family = getKernel("attention");
const userCache = Deno.env.get("WGTUNE_BENCH_CACHE");
const cacheDir = userCache ?? await Deno.makeTempDir({ prefix: "attention-bench-cache-" });

async function sync(): Promise<void> {
  await device.queue.onSubmittedWorkDone();
}

async function prepare(shape: string): Promise<GroupRun> {
  const parsed = family.parseShape!(shape) as Record<string, unknown>;
  // A normalized problem without a mask has `maskShape: null`, which normalizeAttentionProblem
  // refuses when it is passed back in (tune and loadKernel normalize again): drop it.
  const { maskShape, ...rest } = parsed;
  const problem = maskShape === null ? rest : parsed;
  const flops = family.flops(family.normalizeProblem(problem));
  const pair = await tuneAndLoad(gpu, "attention", problem, {
    maxEvals: MAX_EVALS,
    timeLimitMs: TUNE_LIMIT_MS,
    measureMs: MEASURE_MS,
    cacheDir,
  });
  const bindings = pair.tuned.program.bindings;
  const inputs = bindings.slice(0, -1).map((b, i) =>
    storageBuffer(device, lcgValues(b.elements, 97 + i))
  );
  const outElements = bindings.at(-1)!.elements;
  const outTuned = storageBuffer(device, outElements);
  const outDefault = storageBuffer(device, outElements);
  const variants = [
    wgtuneVariant(device, "wgtune tuned", pair.tuned, [...inputs, outTuned]),
    wgtuneVariant(device, "wgtune default", pair.default, [...inputs, outDefault]),
  ];
  for (const variant of variants) {
    variant.issue(2);
    await sync();
  }
  const error = relativeError(
    await readFloats(device, outTuned, outElements),
    await readFloats(device, outDefault, outElements),
  );
  if (!(error < 1e-4)) throw new Error(`${shape}: tuned and default differ by ${error} (relative)`);
  const perIteration = Math.max(2, Math.round(FLOP_PER_ITERATION / flops));
  console.log(
    `${shape}: ${tuneNote(pair)}; tuned vs default max relative difference ` +
      `${error.toExponential(1)}; ${perIteration} per iteration`,
  );
  return { label: `attention ${shape} f32 non-causal`, flops, perIteration, variants };
}

console.log(
  `adapter: ${gpu.info.description} (vendor ${gpu.info.vendor}), backend ${gpu.backend}, ` +
    `Deno ${Deno.version.deno}`,
);
console.log(
  `tuning cache: ${userCache ? `${cacheDir} (WGTUNE_BENCH_CACHE)` : `temporary ${cacheDir}`}, ` +
    `random search, ${MAX_EVALS} candidates or ${TUNE_LIMIT_MS / 1000} s per shape, ` +
    `measureMs ${MEASURE_MS}`,
);
const runs: GroupRun[] = [];
for (const shape of SHAPES) runs.push(await prepare(shape));
registerBenches(runs, sync, {
  overheadMs: await syncOverheadMs(device),
  startLoad,
  title: "attention: wgtune tuned vs wgtune default",
  onUnload: () => {
    if (!userCache) Deno.removeSync(cacheDir, { recursive: true });
  },
});
