/**
 * Conv2d benchmark: wgtune's tuned kernel, wgtune's default kernel, TF.js's WebGPU backend
 * (`tf.conv2d` / `tf.depthwiseConv2d`) and onnxruntime-node's WebGPU execution provider (an ONNX
 * `Conv` node), f32, in one run: a ResNet 3×3 layer, the 7×7 stride-2 ResNet stem and a depthwise
 * 3×3 layer.
 *
 * ```sh
 * deno bench -A bench/conv2d_bench.ts
 * ```
 *
 * At module load the bench opens Deno's WebGPU device, tunes every shape (random search, a few
 * candidates, short measurements) into a fresh temporary cache directory, loads the tuned kernel
 * from that cache and the default kernel with `cacheDir: null`, uploads the same input and weights
 * twice, in wgtune's NCHW / OIHW order and transposed to TF.js's NHWC / HWIO order (the same math),
 * warms every variant up and cross-checks the outputs against TF.js. Each bench iteration then
 * issues the same number of convolutions per variant and waits once, the same way for all: submit,
 * then `queue.onSubmittedWorkDone()`. A Markdown table of GFLOPS and ratios is printed at the end.
 *
 * ORT (glue in `bench/_ort.ts`) gets a `Conv` model built in code with the problem's pads,
 * strides, dilations and group, the same OIHW weights as an initializer and the same NCHW input;
 * its sessions are created with CPU fallback disabled, so every node runs on WebGPU (see
 * `_ort.ts`). Its output is cross-checked against wgtune's tuned output (relative error < 1e-4)
 * before timing. ORT runs on its own Dawn device, and its `run` copies host inputs in and outputs
 * out on every call, so three ORT variants are timed in the same run: `ort host I/O` (one `run`
 * per convolution with host tensors), `ort copies` (the same runs of a model with the same input and
 * output that does no convolution: the host-copy and per-run overhead alone, shown in ms, and
 * subtracted from `ort host I/O` in the `ort host I/O − ort copies` column) and `ort GPU I/O`
 * (input uploaded once, outputs left on the GPU with `preferredOutputLocation: "gpu-buffer"`, one
 * wait per iteration). By default ORT's WebGPU provider runs convolutions in NHWC and transposes
 * the NCHW input and output around each one (its own cost, included).
 *
 * ORT needs a WebGPU adapter for its bundled Dawn: it works on Mesa 25's lavapipe
 * (bookworm-backports); on Mesa 22.3 Dawn refuses the device ("No supported adapters"), and the
 * bench prints one line saying ORT was skipped and why, then runs the rest.
 *
 * The ResNet 3×3 layer runs at batch 1 by default (`N1,C64,H56,W56,K64,R3,S3,stride1,pad1`):
 * at batch 8 one convolution takes a large part of a second on a software adapter and the tuning
 * plus bench runs would take far longer than a few minutes. Set `WGTUNE_BENCH_RESNET_N=8` for the
 * batch-8 layer.
 *
 * Environment knobs:
 * - `WGTUNE_BENCH_CACHE=dir`: tune into (and reuse results from) this cache directory.
 * - `WGTUNE_BENCH_RESNET_N=1`: batch of the ResNet 3×3 layer.
 * - `WGTUNE_BENCH_SHAPES="N1,C8,H16,W16,K8,R3,S3,stride1,pad1;…"`: bench these conv2d CLI shapes
 *   (`;`-separated) instead of the three layers (for quick runs).
 * - `WGTUNE_BENCH_EVALS=10`: tuning budget per shape (candidates).
 * - `WGTUNE_BENCH_TUNE_S=120`: tuning time limit per shape, in seconds.
 * - `WGTUNE_BENCH_ITER_FLOP=1073741824`: floating-point work per bench iteration (at least 2 ops).
 * - `WGTUNE_BENCH_ROUNDS=6`: interleaved rounds before the bench, every variant once per round,
 *   printed as a second table of paired ratios (0: none).
 * - `WGTUNE_BENCH_ORT=0`: leave ORT out.
 * - `WGTUNE_BENCH_ORT_LAYOUT=NCHW|NHWC`: ORT WebGPU provider's `preferredLayout` (default NHWC).
 * - `WGTUNE_BENCH_ORT_LOG=1`: ORT sessions log at info level, one line per WebGPU program run.
 *
 * @module
 */
// The same pinned version as bench/_tfjs.ts; types only.
// deno-lint-ignore no-import-prefix
import type { Tensor4D } from "npm:@tensorflow/tfjs-core@4.22.0";
import { type Conv2dProblem, getKernel } from "../kernels/mod.ts";
import { openDevice } from "../mod.ts";
import { checkTfjsMatmul, lcgValues, TFJS_VERSION, useTfjsOn } from "./_tfjs.ts";
import { conv2dModel, openOrtForBench, ORT_NOTE, ORT_VERSION, ortVariants } from "./_ort.ts";
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

const RESNET_N = Number(Deno.env.get("WGTUNE_BENCH_RESNET_N") ?? 1);
const MAX_EVALS = Number(Deno.env.get("WGTUNE_BENCH_EVALS") ?? 10);
const TUNE_LIMIT_MS = Number(Deno.env.get("WGTUNE_BENCH_TUNE_S") ?? 120) * 1000;
/** Tuner measurement window per candidate, in ms. */
const MEASURE_MS = 30;
/** Floating-point work per iteration (about 1 GFLOP by default, at least 2 convolutions). */
const FLOP_PER_ITERATION = Number(Deno.env.get("WGTUNE_BENCH_ITER_FLOP") ?? 2 ** 30);
const PAIRED_ROUNDS = Number(Deno.env.get("WGTUNE_BENCH_ROUNDS") ?? 6);
const ORT_LOG = Deno.env.get("WGTUNE_BENCH_ORT_LOG") === "1";

for (
  const [name, value] of [
    ["RESNET_N", RESNET_N],
    ["EVALS", MAX_EVALS],
    ["ITER_FLOP", FLOP_PER_ITERATION],
  ] as const
) {
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

/** The benchmarked layers: a label and a conv2d CLI shape (NCHW, f32). */
const SHAPES: readonly (readonly [string, string])[] = Deno.env.get("WGTUNE_BENCH_SHAPES")
  ?.split(";").map((shape) => ["custom", shape.trim()] as const) ?? [
  ["resnet 3x3", `N${RESNET_N},C64,H56,W56,K64,R3,S3,stride1,pad1`],
  ["stem 7x7/2", "N1,C3,H224,W224,K64,R7,S7,stride2,pad3"],
  ["depthwise 3x3", "N1,C64,H56,W56,K64,R3,S3,stride1,pad1,dw"],
];

const startLoad = loadAverage();
const gpu = await openDevice({ backend: "deno" });
const { device } = gpu;
const tfjs = await useTfjsOn(gpu);
const { tf } = tfjs;
const tfjsError = await checkTfjsMatmul(tfjs);
const { ort, line: ortLine } = await openOrtForBench();
const family = getKernel("conv2d");
const userCache = Deno.env.get("WGTUNE_BENCH_CACHE");
const cacheDir = userCache ?? await Deno.makeTempDir({ prefix: "conv2d-bench-cache-" });

/** Submits whatever TF.js still holds and waits for all submitted work: the one wait per iteration. */
async function sync(): Promise<void> {
  tfjs.flush();
  await device.queue.onSubmittedWorkDone();
}

/** Output height and width of a problem. */
function outputSize(p: Conv2dProblem): [number, number] {
  const oh = Math.floor(
    (p.height + p.padTop + p.padBottom - p.dilationH * (p.kernelH - 1) - 1) / p.strideH,
  ) + 1;
  const ow = Math.floor(
    (p.width + p.padLeft + p.padRight - p.dilationW * (p.kernelW - 1) - 1) / p.strideW,
  ) + 1;
  return [oh, ow];
}

/** `[n, c, h, w]` row-major → `[n, h, w, c]`. */
function nchwToNhwc(x: Float32Array, n: number, c: number, h: number, w: number) {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < h; y++) {
        for (let xx = 0; xx < w; xx++) {
          out[((b * h + y) * w + xx) * c + ch] = x[((b * c + ch) * h + y) * w + xx]!;
        }
      }
    }
  }
  return out;
}

/** `[n, h, w, c]` row-major → `[n, c, h, w]`. */
function nhwcToNchw(x: Float32Array, n: number, c: number, h: number, w: number) {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < h; y++) {
        for (let xx = 0; xx < w; xx++) {
          out[((b * c + ch) * h + y) * w + xx] = x[((b * h + y) * w + xx) * c + ch]!;
        }
      }
    }
  }
  return out;
}

/** ONNX weight `[k, cg, r, s]` → TF.js `[r, s, cg, k]` (conv2d) or `[r, s, c, 1]` (depthwise). */
function oihwToHwio(wt: Float32Array, k: number, cg: number, r: number, s: number) {
  const out = new Float32Array(wt.length);
  for (let o = 0; o < k; o++) {
    for (let i = 0; i < cg; i++) {
      for (let y = 0; y < r; y++) {
        for (let x = 0; x < s; x++) {
          out[((y * s + x) * cg + i) * k + o] = wt[((o * cg + i) * r + y) * s + x]!;
        }
      }
    }
  }
  return out;
}

async function prepare([label, shape]: readonly [string, string]): Promise<GroupRun> {
  const problem = family.parseShape!(shape) as Conv2dProblem;
  const flops = family.flops(problem);
  const pair = await tuneAndLoad(gpu, "conv2d", problem, {
    maxEvals: MAX_EVALS,
    timeLimitMs: TUNE_LIMIT_MS,
    measureMs: MEASURE_MS,
    cacheDir,
  });
  const { batch: n, inChannels: c, height: h, width: w, outChannels: k, groups } = problem;
  const { kernelH: r, kernelW: s } = problem;
  const depthwise = groups === c && groups === k && groups > 1;
  if (groups !== 1 && !depthwise) {
    throw new Error(`${shape}: only groups 1 and depthwise are benched`);
  }
  const cg = c / groups;
  const [oh, ow] = outputSize(problem);
  const outElements = n * k * oh * ow;
  const bindings = pair.tuned.program.bindings;
  if (bindings.length !== 3 || bindings[2]!.elements !== outElements) {
    throw new Error(`${shape}: unexpected bindings ${JSON.stringify(bindings)}`);
  }

  const x = lcgValues(n * c * h * w, 7 + c);
  const wt = lcgValues(k * cg * r * s, 8 + k);
  const xBuffer = storageBuffer(device, x);
  const wBuffer = storageBuffer(device, wt);
  const outTuned = storageBuffer(device, outElements);
  const outDefault = storageBuffer(device, outElements);
  const tx = tfjs.wrap(storageBuffer(device, nchwToNhwc(x, n, c, h, w)), [n, h, w, c]);
  const hwio = oihwToHwio(wt, depthwise ? 1 : k, depthwise ? c : cg, r, s);
  const tw = tfjs.wrap(
    storageBuffer(device, hwio),
    depthwise ? [r, s, c, 1] : [r, s, cg, k],
  );
  const strides: [number, number] = [problem.strideH, problem.strideW];
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [problem.padTop, problem.padBottom],
    [problem.padLeft, problem.padRight],
    [0, 0],
  ];
  const tfConv = () =>
    depthwise
      ? tf.depthwiseConv2d(tx as Tensor4D, tw as Tensor4D, strides, pad)
      : tf.conv2d(tx as Tensor4D, tw as Tensor4D, strides, pad);

  const variants: Variant[] = [
    wgtuneVariant(device, "wgtune tuned", pair.tuned, [xBuffer, wBuffer, outTuned]),
    wgtuneVariant(device, "wgtune default", pair.default, [xBuffer, wBuffer, outDefault]),
    {
      name: "tfjs webgpu",
      samples: [],
      issue(count) {
        for (let i = 0; i < count; i++) tfConv().dispose();
        tfjs.flush();
      },
    },
  ];
  for (const variant of variants) {
    variant.issue(2);
    await sync();
  }
  const tfOut = tfConv();
  const want = nhwcToNchw(new Float32Array(await tfOut.data()), n, k, oh, ow);
  tfOut.dispose();
  const errors: string[] = [];
  for (const [name, buffer] of [["tuned", outTuned], ["default", outDefault]] as const) {
    const error = relativeError(await readFloats(device, buffer, outElements), want);
    if (!(error < 1e-4)) {
      throw new Error(`${shape}: wgtune ${name} differs from TF.js by ${error} (relative)`);
    }
    errors.push(`${name} ${error.toExponential(1)}`);
  }
  let ortNote: Awaited<ReturnType<typeof ortVariants>> | undefined;
  if (ort) {
    // The same x and OIHW weights as wgtune; ORT's output is NCHW like wgtune's.
    const onnx = conv2dModel(problem, wt);
    ortNote = await ortVariants(ort, {
      model: onnx.model,
      inputs: [{ ...onnx.input, data: x }],
      output: onnx.output,
      log: ORT_LOG,
    }, await readFloats(device, outTuned, outElements));
  }
  const perIteration = Math.max(2, Math.round(FLOP_PER_ITERATION / flops));
  console.log(
    `${label} (${shape}): ${tuneNote(pair)}; max relative difference from TF.js: ` +
      `${errors.join(", ")}; ${perIteration} per iteration${ortNote ? `; ${ortNote.line}` : ""}`,
  );
  variants.push(...ortNote?.variants ?? []);
  return {
    label: `conv2d ${label === "custom" ? "" : `${label} `}${shape} f32`,
    flops,
    perIteration,
    variants,
  };
}

console.log(
  `adapter: ${gpu.info.description} (vendor ${gpu.info.vendor}), backend ${gpu.backend}, ` +
    `Deno ${Deno.version.deno}, TF.js ${TFJS_VERSION} webgpu on the same GPUDevice`,
);
console.log(ortLine);
console.log(
  `TF.js matMul vs float64 CPU product (37x45 · 45x29): max abs error ${
    tfjsError.toExponential(2)
  }`,
);
console.log(
  `tuning cache: ${userCache ? `${cacheDir} (WGTUNE_BENCH_CACHE)` : `temporary ${cacheDir}`}, ` +
    `random search, ${MAX_EVALS} candidates or ${TUNE_LIMIT_MS / 1000} s per shape, ` +
    `measureMs ${MEASURE_MS}`,
);
const runs: GroupRun[] = [];
for (const shape of SHAPES) runs.push(await prepare(shape));
const paired = await measurePaired(runs, sync, PAIRED_ROUNDS);
registerBenches(runs, sync, {
  paired,
  overheadMs: await syncOverheadMs(device),
  startLoad,
  title: `conv2d: wgtune tuned vs wgtune default vs TF.js ${TFJS_VERSION} webgpu (NHWC)` +
    (ort ? ` vs onnxruntime-node ${ORT_VERSION} WebGPU EP (NCHW model)` : " (ORT skipped)"),
  notes: [ort ? ORT_NOTE : ortLine],
  onUnload: () => {
    if (!userCache) Deno.removeSync(cacheDir, { recursive: true });
  },
});
