/**
 * `wgtune run MODEL`: runs an ONNX model in a WebGPU session on the tuned kernels. Inputs come from
 * TensorProto files (`--input NAME=FILE.pb`, the ONNX `test_data_set` format) or, without them,
 * seeded random values of the declared (or `--shape`) dims. Prints a summary per output (dims,
 * min, max, mean, argmax) and the median latency of `--runs` runs; `--output-dir` writes each
 * output as a TensorProto file named after it; `--profile` adds the per-node table.
 *
 * @module
 */
import { median as medianOf } from "../core/stats.ts";
import { openDevice } from "../gpu/device.ts";
import { readTensorFile, tensorSize } from "../onnx/tensor.ts";
import { writeTensorFile } from "../onnx/tensor_write.ts";
import type { OnnxTensor } from "../onnx/tensor.ts";
import type { HostTensor } from "../runtime/host_tensor.ts";
import { tensorNumbers } from "../runtime/host_tensor.ts";
import { UnsupportedModelError } from "../runtime/plan.ts";
import { createSession, type Session, type SessionOptions } from "../runtime/session.ts";
import { EXIT_OK, UsageError } from "./errors.ts";
import { writeErr, writeOut } from "./io.ts";
import { SCHEMA_VERSION, TOOL } from "./report.ts";

/** Options of `wgtune run` as commander parses them. */
export interface RunCommandOptions {
  input?: string[];
  shape?: string[];
  outputDir?: string;
  runs?: string;
  profile?: boolean;
  json?: boolean;
  backend?: string;
  fallback?: string;
  cacheDir?: string;
  seed?: string;
}

function parsePairs(values: readonly string[] | undefined, what: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of values ?? []) {
    const at = v.lastIndexOf("=");
    if (at <= 0 || at === v.length - 1) throw new UsageError(`${what} '${v}' must be NAME=VALUE`);
    out.set(v.slice(0, at), v.slice(at + 1));
  }
  return out;
}

function parseDims(name: string, text: string): number[] {
  const dims = text.split("x").map((d) => Number(d));
  if (text === "" || dims.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new UsageError(
      `--shape ${name}=${text}: dims must be non-negative integers like 1x3x224x224`,
    );
  }
  return dims;
}

function positive(text: string | undefined, what: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000) {
    throw new UsageError(`${what} must be a positive integer: current value is '${text}'`);
  }
  return n;
}

/** A seeded pseudo-random tensor of `dataType` and `dims` (floats in [-1, 1), ints in [0, 10)). */
function randomTensor(
  dataType: HostTensor["dataType"],
  dims: readonly number[],
  seed: number,
): HostTensor {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const n = tensorSize(dims);
  switch (dataType) {
    case "float":
      return { dataType, dims, data: Float32Array.from({ length: n }, () => next() * 2 - 1) };
    case "int64":
      return {
        dataType,
        dims,
        data: BigInt64Array.from({ length: n }, () => BigInt(Math.floor(next() * 10))),
      };
    case "int32":
      return {
        dataType,
        dims,
        data: Int32Array.from({ length: n }, () => Math.floor(next() * 10)),
      };
    case "bool":
      return { dataType, dims, data: Uint8Array.from({ length: n }, () => (next() < 0.5 ? 1 : 0)) };
    default:
      throw new UsageError(`random inputs of type ${dataType} are not supported: pass --input`);
  }
}

/** Summary of one output. */
export interface OutputSummary {
  readonly name: string;
  readonly dataType: string;
  readonly dims: readonly number[];
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number | null;
  readonly argmax: number | null;
}

function summarize(name: string, t: HostTensor): OutputSummary {
  const values = Array.isArray(t.data) ? [] : tensorNumbers(t);
  let min = Infinity, max = -Infinity, sum = 0, argmax = -1;
  values.forEach((v, i) => {
    if (v < min) min = v;
    if (v > max) {
      max = v;
      argmax = i;
    }
    sum += v;
  });
  const some = values.length > 0;
  return {
    name,
    dataType: t.dataType,
    dims: t.dims,
    min: some ? min : null,
    max: some ? max : null,
    mean: some ? sum / values.length : null,
    argmax: some ? argmax : null,
  };
}

async function loadInputs(
  session: Session,
  files: Map<string, string>,
  shapes: Map<string, number[]>,
  seed: number,
): Promise<Record<string, HostTensor>> {
  const feeds: Record<string, HostTensor> = {};
  for (const name of [...files.keys()]) {
    if (!session.inputs.some((v) => v.name === name)) {
      throw new UsageError(
        `--input ${name}: the model has no input '${name}' (inputs: ${
          session.inputs.map((v) => v.name).join(", ")
        })`,
      );
    }
  }
  let i = 0;
  for (const v of session.inputs) {
    const file = files.get(v.name);
    if (file) {
      let t: OnnxTensor;
      try {
        t = await readTensorFile(file);
      } catch (error) {
        throw new UsageError(
          `--input ${v.name}=${file}: ${error instanceof Error ? error.message : error}`,
        );
      }
      feeds[v.name] = { dataType: t.dataType, dims: t.dims, data: t.data };
      continue;
    }
    const dims = session.declaredDims(Object.fromEntries(shapes)).get(v.name)!;
    feeds[v.name] = randomTensor(v.dataType ?? "float", dims, seed + 7919 * i++);
  }
  return feeds;
}

/** Runs `wgtune run`; returns the exit code. */
export async function runCommand(model: string, options: RunCommandOptions): Promise<number> {
  const files = parsePairs(options.input, "--input");
  const shapes = new Map(
    [...parsePairs(options.shape, "--shape")].map(([k, v]) => [k, parseDims(k, v)]),
  );
  const runs = positive(options.runs, "--runs", 1);
  const seed = positive(options.seed, "--seed", 1);
  const fallback = options.fallback ?? "cpu";
  if (fallback !== "cpu" && fallback !== "error") {
    throw new UsageError(`--fallback must be cpu or error: current value is '${fallback}'`);
  }
  const backend = options.backend ?? "auto";
  if (backend !== "auto" && backend !== "deno" && backend !== "dawn") {
    throw new UsageError(`--backend must be auto, deno or dawn: current value is '${backend}'`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(model);
  } catch (error) {
    throw new UsageError(
      `cannot read model '${model}': ${error instanceof Error ? error.message : error}`,
    );
  }
  const gpu = await openDevice({ backend });
  try {
    const sessionOptions: SessionOptions = { fallback, profile: options.profile ?? false };
    if (options.cacheDir !== undefined) sessionOptions.cacheDir = options.cacheDir;
    let session: Session;
    try {
      session = await createSession(gpu, bytes, sessionOptions);
    } catch (error) {
      if (
        error instanceof UnsupportedModelError || error instanceof RangeError ||
        error instanceof TypeError
      ) throw error;
      throw new UsageError(
        `cannot load model '${model}': ${error instanceof Error ? error.message : error}`,
      );
    }
    try {
      const feeds = await loadInputs(session, files, shapes, seed);
      const times: number[] = [];
      let outputs: Record<string, HostTensor> = {};
      for (let r = 0; r < runs; r++) {
        const started = performance.now();
        outputs = await session.run(feeds);
        times.push(performance.now() - started);
        if (!options.json && runs > 3) writeErr(`\rrun ${r + 1}/${runs}`);
      }
      if (!options.json && runs > 3) writeErr("\n");
      const sorted = [...times].sort((a, b) => a - b);
      const median = medianOf(times);
      if (options.outputDir) {
        await Deno.mkdir(options.outputDir, { recursive: true });
        for (const [name, t] of Object.entries(outputs)) {
          const safe = name.replace(/[^A-Za-z0-9._-]/g, "_");
          await writeTensorFile(`${options.outputDir}/${safe}.pb`, { name, docString: "", ...t });
        }
      }
      const summaries = Object.entries(outputs).map(([name, t]) => summarize(name, t));
      const report = session.report;
      if (options.json) {
        writeOut(
          JSON.stringify(
            {
              schemaVersion: SCHEMA_VERSION,
              tool: TOOL,
              model,
              backend: gpu.backend,
              adapter: gpu.info,
              runs,
              latencyMs: { median, min: sorted[0], max: sorted[sorted.length - 1], all: times },
              outputs: summaries,
              nodes: report.counts,
              memory: report.memory,
              profile: session.lastProfile ?? null,
            },
            null,
            2,
          ) + "\n",
        );
        return EXIT_OK;
      }
      const lines = [
        `model ${model} on ${gpu.backend} (${gpu.info.description || gpu.info.vendor})`,
      ];
      const c = report.counts;
      lines.push(
        `nodes: ${c.webgpu} webgpu, ${c.view} views, ${c.host} host, ${c.cpu} cpu (onnxruntime)`,
      );
      const mb = (b: number) => `${(b / 1048576).toFixed(2)} MiB`;
      const m = report.memory;
      lines.push(
        `memory: intermediates ${mb(m.plannedIntermediateBytes)} planned (${
          mb(m.unplannedIntermediateBytes)
        } without reuse), weights ${mb(m.weightBytes)}, GPU total ${mb(m.totalGpuBytes)}`,
      );
      for (const s of summaries) {
        const f = (v: number | null) => (v === null ? "-" : Number(v.toPrecision(6)).toString());
        lines.push(
          `output ${s.name}: ${s.dataType} [${s.dims.join(", ")}] min ${f(s.min)} max ${
            f(s.max)
          } mean ${f(s.mean)} argmax ${s.argmax ?? "-"}`,
        );
      }
      lines.push(
        `latency: ${median.toFixed(2)} ms (median of ${runs} run${runs === 1 ? "" : "s"})`,
      );
      if (session.lastProfile) {
        lines.push(
          "",
          "node                                     op                  where   family  config   ms      share",
        );
        for (const row of session.lastProfile) {
          lines.push(
            `${row.name.slice(0, 40).padEnd(40)} ${row.opType.padEnd(19)} ${row.where.padEnd(7)} ${
              (row.family ?? "-").padEnd(7)
            } ${(row.configSource ?? "-").padEnd(8)} ${row.timeMs.toFixed(3).padStart(7)} ${
              (100 * row.share).toFixed(1).padStart(5)
            }%`,
          );
        }
      }
      writeOut(lines.join("\n") + "\n");
      return EXIT_OK;
    } finally {
      await session.release();
    }
  } finally {
    gpu.close();
  }
}
