/**
 * Test helper: runs an ONNX model on onnxruntime-node's CPU provider with host tensors in and out.
 *
 * @module
 */
import * as ort from "onnxruntime-node";
import type { OnnxDataType } from "../../onnx/data_type.ts";
import type { OnnxModel } from "../../onnx/model.ts";
import { encodeModel } from "../../onnx/model_write.ts";
import { decodeTensor, type OnnxTensor } from "../../onnx/tensor.ts";
import { encodeTensor } from "../../onnx/tensor_write.ts";
import { seededRandom } from "../../core/random.ts";

/** An output of onnxruntime: its dims, element type and values as numbers. */
export interface OrtResult {
  readonly dims: readonly number[];
  readonly dataType: string;
  readonly data: number[];
}

const ORT_TYPES: Partial<Record<OnnxDataType, ort.Tensor.Type>> = {
  float: "float32",
  double: "float64",
  int64: "int64",
  int32: "int32",
  int8: "int8",
  uint8: "uint8",
  bool: "bool",
  float16: "float16",
  int16: "int16",
  uint16: "uint16",
  uint32: "uint32",
  uint64: "uint64",
};

function ortTensor(t: OnnxTensor): ort.Tensor {
  const type = ORT_TYPES[t.dataType];
  if (!type) throw new TypeError(`tensor '${t.name}': ${t.dataType} is not fed to onnxruntime`);
  const values = t.data as ArrayLike<number | bigint>;
  let data: ort.Tensor.DataType;
  switch (type) {
    case "int64":
      data = BigInt64Array.from(Array.from(values, (v) => BigInt(v)));
      break;
    case "uint64":
      data = BigUint64Array.from(Array.from(values, (v) => BigInt(v)));
      break;
    case "float32":
      data = Float32Array.from(values as ArrayLike<number>);
      break;
    case "float64":
      data = Float64Array.from(values as ArrayLike<number>);
      break;
    case "int32":
      data = Int32Array.from(values as ArrayLike<number>);
      break;
    case "bool":
    case "uint8":
      data = Uint8Array.from(values as ArrayLike<number>);
      break;
    case "int8":
      data = Int8Array.from(values as ArrayLike<number>);
      break;
    case "int16":
      data = Int16Array.from(values as ArrayLike<number>);
      break;
    case "uint16":
      data = Uint16Array.from(values as ArrayLike<number>);
      break;
    case "uint32":
      data = Uint32Array.from(values as ArrayLike<number>);
      break;
    default: // float16
      data = Float16Array.from(values as ArrayLike<number>) as unknown as ort.Tensor.DataType;
  }
  return new ort.Tensor(type, data, [...t.dims]);
}

/**
 * onnxruntime-node keeps one native environment per process and destroys it for good when the
 * last JavaScript environment that used it ends. `deno test` runs the test modules of one process
 * one after another, each in its own environment, so only the first module that uses onnxruntime
 * can run it in process; the later ones get "OrtEnv already destroyed". This flag records that, and
 * {@linkcode runOrt} then runs each model in a child process instead.
 */
let inProcessBroken = false;

async function runInProcess(
  model: Uint8Array | string,
  feeds: Readonly<Record<string, OnnxTensor>>,
): Promise<Record<string, OrtResult>> {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "disabled",
  };
  const session = typeof model === "string"
    ? await ort.InferenceSession.create(model, options)
    : await ort.InferenceSession.create(model, options);
  try {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = ortTensor(t);
    const result = await session.run(ortFeeds);
    const out: Record<string, OrtResult> = {};
    for (const name of session.outputNames) {
      const t = result[name]!;
      out[name] = {
        dims: [...t.dims],
        dataType: t.type,
        data: Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v)),
      };
    }
    return out;
  } finally {
    await session.release();
  }
}

/** Non-finite numbers survive JSON as strings. */
function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v),
  );
}

function fromJson(text: string): Record<string, OrtResult> {
  const parsed = JSON.parse(text) as Record<
    string,
    { dims: number[]; dataType: string; data: (number | string)[] }
  >;
  const out: Record<string, OrtResult> = {};
  for (const [k, v] of Object.entries(parsed)) out[k] = { ...v, data: v.data.map(Number) };
  return out;
}

async function runInChild(
  model: Uint8Array | string,
  feeds: Readonly<Record<string, OnnxTensor>>,
): Promise<Record<string, OrtResult>> {
  const dir = await Deno.makeTempDir({ prefix: "wgtune_ort_" });
  try {
    if (typeof model === "string") await Deno.writeTextFile(`${dir}/model_path.txt`, model);
    else await Deno.writeFile(`${dir}/model.onnx`, model);
    const names = Object.keys(feeds);
    await Deno.writeTextFile(`${dir}/feeds.json`, JSON.stringify(names));
    for (const [i, name] of names.entries()) {
      await Deno.writeFile(`${dir}/feed_${i}.pb`, encodeTensor({ ...feeds[name]!, name }));
    }
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--config",
        new URL("../../deno.json", import.meta.url).pathname,
        new URL("./ort_child.ts", import.meta.url).pathname,
        dir,
      ],
      stdout: "piped",
      stderr: "piped",
    });
    const { code, stdout, stderr } = await child.output();
    if (code !== 0) {
      const text = new TextDecoder().decode(stderr).split("\n").filter((l) => l.includes("rror"));
      throw new Error(text[0] ?? `onnxruntime child process exited with ${code}`);
    }
    return fromJson(new TextDecoder().decode(stdout));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Runs a model directory written by the child-process path (`model.onnx`, `feeds.json`,
 * `feed_<i>.pb`) in this process and prints the outputs as JSON: the child's side of
 * {@linkcode runOrt}.
 */
export async function runOrtDirectory(dir: string): Promise<string> {
  const names = JSON.parse(await Deno.readTextFile(`${dir}/feeds.json`)) as string[];
  const feeds: Record<string, OnnxTensor> = {};
  for (const [i, name] of names.entries()) {
    feeds[name] = decodeTensor(await Deno.readFile(`${dir}/feed_${i}.pb`));
  }
  let model: Uint8Array | string;
  try {
    model = await Deno.readTextFile(`${dir}/model_path.txt`);
  } catch {
    model = await Deno.readFile(`${dir}/model.onnx`);
  }
  return toJson(await runInProcess(model, feeds));
}

/**
 * Runs `model` (decoded form, bytes, or the path of a `.onnx` file, whose external data is then
 * read beside it) on the CPU provider with graph optimizations off; `feeds` by input name. Returns every output by name. Runs in process, or in a child process where this
 * test process's onnxruntime environment is already gone (see `inProcessBroken`).
 *
 * @example
 * ```ts ignore
 * const out = await runOrt(model, { x: buildTensor("x", "float", [2], [1, -1]) });
 * ```
 */
export async function runOrt(
  model: OnnxModel | Uint8Array | string,
  feeds: Readonly<Record<string, OnnxTensor>>,
): Promise<Record<string, OrtResult>> {
  const bytes = model instanceof Uint8Array || typeof model === "string"
    ? model
    : encodeModel(model);
  if (!inProcessBroken) {
    try {
      return await runInProcess(bytes, feeds);
    } catch (e) {
      if (!String((e as Error).message).includes("OrtEnv already destroyed")) throw e;
      inProcessBroken = true;
    }
  }
  return await runInChild(bytes, feeds);
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32): core's generator. */
export { seededRandom };

/**
 * Asserts that two value lists agree within `atol + rtol * |expected|` each; returns the largest
 * absolute difference.
 *
 * @example
 * ```ts
 * import { assertClose } from "./ort.ts";
 * console.log(assertClose([1, 2], [1, 2.5], "y", 1)); // 0.5
 * ```
 */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
  atol = 1e-5,
  rtol = 1e-4,
): number {
  if (actual.length !== expected.length) {
    throw new Error(`${what}: ${actual.length} values, expected ${expected.length}`);
  }
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    const diff = Math.abs(a - e);
    if (Number.isNaN(a) !== Number.isNaN(e) || diff > atol + rtol * Math.abs(e)) {
      throw new Error(`${what}[${i}]: ${a}, expected ${e}`);
    }
    if (diff > worst) worst = diff;
  }
  return worst;
}
