/**
 * Attention benchmark: wgtune's tuned flash-attention kernel, wgtune's default kernel and
 * onnxruntime-node's WebGPU execution provider (a `com.microsoft` `MultiHeadAttention` node), f32,
 * non-causal, no mask, B1 H8 D64 at S512 and S1024, in one run.
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
 * ORT (glue in `bench/_ort.ts`) gets a `MultiHeadAttention` model built in code (`num_heads = H`,
 * `scale` = the problem's) whose query, key and value are `[B, S, H·D]`: the same Q, K, V values
 * as wgtune's `[B, H, S, D]` buffers, transposed on the host; its output is transposed back and
 * cross-checked against wgtune's tuned output (relative error < 1e-4) before timing. ONNX's own
 * `Attention` (opset 23) is not used: ORT 1.23 runs it on the CPU provider even when WebGPU is
 * requested. Every ORT session is created with CPU fallback disabled, so the node provably runs on
 * WebGPU (see `_ort.ts`; on lavapipe ORT picks its unfused path: three BSD→BNSH transposes,
 * `AttentionProbs`, `InPlaceSoftmax`, `VxAttentionScore`). ORT runs on its own Dawn device and
 * copies host inputs in and outputs out on every `run`, so three ORT variants are timed in the
 * same run: `ort host I/O` (one `run` per attention with host tensors), `ort copies` (the same runs
 * of a model with the same inputs and output that does no attention, in ms, subtracted from `ort
 * host I/O` in the `ort host I/O − ort copies` column) and `ort GPU I/O` (inputs uploaded once,
 * outputs left on the GPU with `preferredOutputLocation: "gpu-buffer"`, one wait per iteration).
 * Problems MultiHeadAttention cannot express (causal, masked, grouped-query) run without ORT.
 *
 * ORT needs a WebGPU adapter for its bundled Dawn: it works on Mesa 25's lavapipe
 * (bookworm-backports); with Mesa 22.3 Dawn refuses the lavapipe device ("Vulkan
 * shaderUniform*ArrayDynamicIndexing required", then "Failed to get a WebGPU adapter: No supported
 * adapters"), and the bench prints one line saying ORT was skipped and why, then runs the rest.
 *
 * Environment knobs:
 * - `WGTUNE_BENCH_CACHE=dir`: tune into (and reuse results from) this cache directory.
 * - `WGTUNE_BENCH_SHAPES="B1,H8,S512,D64;B1,H8,S1024,D64"`: attention shapes (`;`-separated).
 * - `WGTUNE_BENCH_EVALS=10`: tuning budget per shape (candidates).
 * - `WGTUNE_BENCH_TUNE_S=120`: tuning time limit per shape, in seconds.
 * - `WGTUNE_BENCH_ITER_FLOP=1073741824`: floating-point work per bench iteration (at least 2 ops).
 * - `WGTUNE_BENCH_ROUNDS=6`: interleaved rounds before the bench, every variant once per round,
 *   printed as a second table of paired ratios (0: none).
 * - `WGTUNE_BENCH_FIX="ioStage=1"`: tune (and take the default) only among configs with these
 *   parameter values (`name=v1|v2,…`, each part as the CLI's `--fix` takes it). On Mesa 25's
 *   lavapipe, where onnxruntime runs, `ioStage=1` keeps the compile of each S512/S1024 candidate
 *   to a couple of minutes (`ioStage` 0 takes far longer there).
 * - `WGTUNE_BENCH_ORT=0`: leave ORT out.
 * - `WGTUNE_BENCH_ORT_LOG=1`: ORT sessions log at info level, one line per WebGPU program run.
 *
 * @module
 */
import { getKernel } from "../kernels/mod.ts";
import { openDevice } from "../mod.ts";
import { parseFixSpec } from "../search/mod.ts";
import type { AttentionProblem } from "../kernels/attention/problem.ts";
import { lcgValues } from "./_tfjs.ts";
import {
  multiHeadAttentionModel,
  openOrtForBench,
  ORT_NOTE,
  ORT_VERSION,
  ortVariants,
  type OrtWebGpu,
} from "./_ort.ts";
import {
  type GroupRun,
  loadAverage,
  measurePaired,
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

const SHAPES = (Deno.env.get("WGTUNE_BENCH_SHAPES") ?? "B1,H8,S512,D64;B1,H8,S1024,D64")
  .split(";");
const MAX_EVALS = Number(Deno.env.get("WGTUNE_BENCH_EVALS") ?? 10);
const TUNE_LIMIT_MS = Number(Deno.env.get("WGTUNE_BENCH_TUNE_S") ?? 120) * 1000;
/** Tuner measurement window per candidate, in ms. */
const MEASURE_MS = 30;
/** Floating-point work per iteration (about 1 GFLOP by default, at least 2 dispatches). */
const FLOP_PER_ITERATION = Number(Deno.env.get("WGTUNE_BENCH_ITER_FLOP") ?? 2 ** 30);
const PAIRED_ROUNDS = Number(Deno.env.get("WGTUNE_BENCH_ROUNDS") ?? 6);
const ORT_LOG = Deno.env.get("WGTUNE_BENCH_ORT_LOG") === "1";
const FIX_TEXT = Deno.env.get("WGTUNE_BENCH_FIX");

for (const [name, value] of [["EVALS", MAX_EVALS], ["ITER_FLOP", FLOP_PER_ITERATION]] as const) {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `'WGTUNE_BENCH_${name}' must be a positive integer: current value is ${value}`,
    );
  }
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
const { ort, line: ortLine } = await openOrtForBench();

async function sync(): Promise<void> {
  await device.queue.onSubmittedWorkDone();
}

/** `[b, h, s, d]` row-major → `[b, s, h, d]` (and back with `h` and `s` swapped). */
function swapAxes12(x: Float32Array, b: number, h: number, s: number, d: number): Float32Array {
  const out = new Float32Array(b * h * s * d);
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < h; j++) {
      for (let k = 0; k < s; k++) {
        const from = ((i * h + j) * s + k) * d;
        out.set(x.subarray(from, from + d), ((i * s + k) * h + j) * d);
      }
    }
  }
  return out;
}

async function prepare(shape: string): Promise<GroupRun> {
  const parsed = family.parseShape!(shape) as Record<string, unknown>;
  // A normalized problem without a mask has `maskShape: null`, which normalizeAttentionProblem
  // refuses when it is passed back in (tune and loadKernel normalize again): drop it.
  const { maskShape, ...rest } = parsed;
  const problem = maskShape === null ? rest : parsed;
  const normalized = family.normalizeProblem(problem) as AttentionProblem;
  const flops = family.flops(normalized);
  const params = family.space(normalized, gpu.caps).params;
  const fix = FIX_TEXT
    ? Object.fromEntries(FIX_TEXT.split(",").map((text) => parseFixSpec(text, params)))
    : undefined;
  const pair = await tuneAndLoad(gpu, "attention", problem, {
    maxEvals: MAX_EVALS,
    timeLimitMs: TUNE_LIMIT_MS,
    measureMs: MEASURE_MS,
    cacheDir,
    ...(fix ? { fix } : {}),
  });
  const bindings = pair.tuned.program.bindings;
  const hostInputs = bindings.slice(0, -1).map((b, i) => lcgValues(b.elements, 97 + i));
  const inputs = hostInputs.map((values) => storageBuffer(device, values));
  const outElements = bindings.at(-1)!.elements;
  const outTuned = storageBuffer(device, outElements);
  const outDefault = storageBuffer(device, outElements);
  const variants: Variant[] = [
    wgtuneVariant(device, "wgtune tuned", pair.tuned, [...inputs, outTuned]),
    wgtuneVariant(device, "wgtune default", pair.default, [...inputs, outDefault]),
  ];
  for (const variant of variants) {
    variant.issue(2);
    await sync();
  }
  const tunedOut = await readFloats(device, outTuned, outElements);
  const error = relativeError(tunedOut, await readFloats(device, outDefault, outElements));
  if (!(error < 1e-4)) throw new Error(`${shape}: tuned and default differ by ${error} (relative)`);
  const ortNote = ort ? await ortCase(ort, normalized, hostInputs, tunedOut) : undefined;
  variants.push(...ortNote?.variants ?? []);
  const perIteration = Math.max(2, Math.round(FLOP_PER_ITERATION / flops));
  console.log(
    `${shape}: ${tuneNote(pair)}; tuned vs default max relative difference ` +
      `${error.toExponential(1)}; ${perIteration} per iteration${
        ortNote ? `; ${ortNote.line}` : ""
      }`,
  );
  const causal = normalized.causal ? "causal" : "non-causal";
  return { label: `attention ${shape} f32 ${causal}`, flops, perIteration, variants };
}

/**
 * ORT's variants for a problem: wgtune's Q, K, V (`[B, H, S, D]`) transposed to
 * MultiHeadAttention's `[B, S, H·D]`, its output transposed back for the cross-check.
 */
function ortCase(
  ort: OrtWebGpu,
  p: AttentionProblem,
  hostInputs: Float32Array[],
  want: Float32Array,
) {
  let onnx: ReturnType<typeof multiHeadAttentionModel>;
  try {
    onnx = multiHeadAttentionModel(p);
  } catch (error) {
    return { variants: [], line: `ORT SKIPPED for this problem: ${(error as Error).message}` };
  }
  const { batch: b, heads: h, seqQ, seqKV, headDim: d, headDimV: dv } = p;
  const bhsd = [[seqQ, d], [seqKV, d], [seqKV, dv]] as const;
  return ortVariants(
    ort,
    {
      model: onnx.model,
      inputs: onnx.inputs.map((spec, i) => ({
        ...spec,
        data: swapAxes12(hostInputs[i]!, b, h, bhsd[i]![0], bhsd[i]![1]),
      })),
      output: onnx.output,
      log: ORT_LOG,
    },
    want,
    (out) => swapAxes12(out, b, seqQ, h, dv),
  );
}

console.log(
  `adapter: ${gpu.info.description} (vendor ${gpu.info.vendor}), backend ${gpu.backend}, ` +
    `Deno ${Deno.version.deno}`,
);
console.log(ortLine);
console.log(
  `tuning cache: ${userCache ? `${cacheDir} (WGTUNE_BENCH_CACHE)` : `temporary ${cacheDir}`}, ` +
    `random search, ${MAX_EVALS} candidates or ${TUNE_LIMIT_MS / 1000} s per shape, ` +
    `measureMs ${MEASURE_MS}${FIX_TEXT ? `, only configs with ${FIX_TEXT}` : ""}`,
);
const runs: GroupRun[] = [];
for (const shape of SHAPES) runs.push(await prepare(shape));
const paired = await measurePaired(runs, sync, PAIRED_ROUNDS);
registerBenches(runs, sync, {
  paired,
  overheadMs: await syncOverheadMs(device),
  startLoad,
  title: "attention: wgtune tuned vs wgtune default" +
    (ort
      ? ` vs onnxruntime-node ${ORT_VERSION} WebGPU EP (com.microsoft MultiHeadAttention)`
      : " (ORT skipped)"),
  notes: [ort ? ORT_NOTE : ortLine],
  onUnload: () => {
    if (!userCache) Deno.removeSync(cacheDir, { recursive: true });
  },
});
