/**
 * onnxruntime-node's WebGPU execution provider, for side-by-side benchmarks: ONNX models built in
 * code (`Conv`, `com.microsoft` `MultiHeadAttention`, and trivial models that only move the same
 * data), sessions pinned to WebGPU, and three timed variants per problem.
 *
 * Every session is created with `executionProviders: ["webgpu"]` and the session config entry
 * `session.disable_cpu_ep_fallback = "1"` (passed as `extra: { session: { … } }`, which the Node
 * binding forwards to `AddSessionConfigEntry`): session creation then fails when any node would be
 * assigned to the CPU provider, so a session that opens runs every node on WebGPU.
 * {@linkcode openOrtWebGpu} checks that the guard is in force by creating an ONNX `Attention`
 * (opset 23) session, a node ORT 1.23 assigns to the CPU provider even when WebGPU is requested:
 * it must be refused. `WGTUNE_BENCH_ORT_LOG=1` makes the benched sessions log at info level, which
 * prints one `webgpu_context.cc … Starting program "…"` line per WebGPU program run.
 *
 * ORT runs on its own Dawn device (not the wgtune `GPUDevice`); its `session.run` is synchronous
 * in the Node binding (deferred by `setImmediate`), and returns once the outputs are where
 * `preferredOutputLocation` puts them:
 * - host outputs (the default): the inputs are copied to the GPU, the graph runs, the outputs are
 *   copied back, and the call waits for all of it;
 * - `"gpu-buffer"` outputs: the call returns after submitting; inputs may be GPU tensors returned by
 *   another session on the same ORT device. Reading such a tensor with `getData()` aborts the
 *   process in 1.23.0 (`terminate called after throwing an instance of 'char const*'`), so GPU
 *   results are read back by feeding them to a `Reshape` session with host outputs (`Identity`
 *   has no WebGPU kernel), and waiting is done by running a 4-element session with a host output, which waits for everything queued
 *   on ORT's device before it.
 *
 * Works with Mesa 25's lavapipe (bookworm-backports); with Mesa 22.3 ORT's bundled Dawn refuses the
 * device ("Vulkan shaderUniform*ArrayDynamicIndexing required", "No supported adapters") and
 * {@linkcode openOrtWebGpu} throws.
 *
 * @module
 */
// Bench-only dependencies stay out of the package's import map (deno.json), so the version is
// pinned here; the module itself is imported dynamically (see openOrtWebGpu). Types only:
// deno-lint-ignore no-import-prefix
import type * as OrtModule from "npm:onnxruntime-node@1.23.0";
import { onnxMessageType } from "../onnx/schema.ts";
import {
  conv2dOutputHeight,
  conv2dOutputWidth,
  type Conv2dProblem,
} from "../kernels/conv2d/problem.ts";
import type { AttentionProblem } from "../kernels/attention/problem.ts";
import { relativeError, type Variant } from "./_bench.ts";

/** onnxruntime-node version the benchmarks run against. */
export const ORT_VERSION = "1.23.0";

type Ort = typeof OrtModule;
type Session = OrtModule.InferenceSession;
type Tensor = OrtModule.Tensor;

/** A graph input or output: name and fixed shape (f32). */
export interface TensorSpec {
  readonly name: string;
  readonly dims: readonly number[];
}

/** Options of {@linkcode OrtWebGpu.session}. */
export interface OrtSessionOptions {
  /**
   * Keep the outputs on the GPU (`preferredOutputLocation: "gpu-buffer"`).
   * @default {false}
   */
  gpuOutputs?: boolean;
  /**
   * Turn graph optimizations off (for the copy sessions, so that nothing is folded away).
   * @default {false}
   */
  noOptimization?: boolean;
  /**
   * Log at info level (prints the WebGPU programs run); otherwise warnings only.
   * @default {false}
   */
  log?: boolean;
}

/** Options of {@linkcode openOrtWebGpu}. */
export interface OpenOrtOptions {
  /**
   * The WebGPU provider's `preferredLayout`: with `NHWC` (ORT's default) it wraps every NCHW `Conv`
   * in transposes of the input and output (run each time), with `NCHW` it runs its NCHW kernels.
   * Left unset, ORT's default applies.
   */
  layout?: "NCHW" | "NHWC";
}

/** onnxruntime-node with its WebGPU provider working. */
export interface OrtWebGpu {
  /** The `onnxruntime-node` module. */
  readonly ort: Ort;
  /** How the CPU-fallback guard was checked, for the report. */
  readonly guard: string;
  /** A session on the WebGPU provider with CPU fallback disabled (fails if a node needs the CPU). */
  session(model: Uint8Array, options?: OrtSessionOptions): Promise<Session>;
  /** Waits for everything submitted to ORT's WebGPU device so far. */
  sync(): Promise<void>;
}

/** The legend of the ORT columns of a bench table. */
export const ORT_NOTE = "ORT columns: `ort host I/O` = one InferenceSession.run per op with host " +
  "tensors (each run uploads the inputs, runs, downloads the output and waits); `ort copies` = " +
  "the same runs of a model with the same inputs and output that does next to no work " +
  "(one-element Slice per input, Expand to the output), in ms per iteration, without the " +
  "bench's empty wait; `ort host I/O − ort copies` = GFLOPS from the difference of the two " +
  "median iteration times; `ort GPU I/O` = inputs uploaded once, outputs kept on the GPU " +
  "(preferredOutputLocation gpu-buffer) and disposed, then one wait per iteration (a 4-element " +
  "run with a host output). Weights are initializers (uploaded once) in every ORT session.";

/** Session config entries (`SessionOptions.extra`) of every session. */
const NO_CPU_FALLBACK = { session: { disable_cpu_ep_fallback: "1" } };

/** ORT's message when a node was assigned to the CPU provider while the fallback is disabled. */
const FALLBACK_REFUSED = "fallback to CPU EP has been explicitly disabled";

const F32 = 1;
const INT64 = 7;
/** `AttributeProto.AttributeType` values. */
const ATTR = { FLOAT: 1, INT: 2, INTS: 7 } as const;

function valueInfo({ name, dims }: TensorSpec) {
  return {
    name,
    type: {
      tensor_type: { elem_type: F32, shape: { dim: dims.map((d) => ({ dim_value: d })) } },
    },
  };
}

function ints(name: string, values: readonly number[]) {
  return { name, type: ATTR.INTS, ints: [...values] };
}

function int64Initializer(name: string, values: readonly number[]) {
  return { name, data_type: INT64, dims: [values.length], int64_data: [...values] };
}

function f32Initializer(name: string, dims: readonly number[], values: Float32Array) {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
  return { name, data_type: F32, dims: [...dims], raw_data: bytes };
}

/** A serialized `ModelProto` (IR 8, opset 17, plus `com.microsoft` 1 when `contrib`). */
function encodeModel(graph: Record<string, unknown>, opset = 17, contrib = false): Uint8Array {
  const type = onnxMessageType("ModelProto");
  const opsets = [{ domain: "", version: opset }];
  if (contrib) opsets.push({ domain: "com.microsoft", version: 1 });
  const message = type.fromObject({
    ir_version: 8,
    producer_name: "wgtune-bench",
    opset_import: opsets,
    graph: { name: "g", ...graph },
  });
  return type.encode(message).finish();
}

/**
 * One ONNX `Conv` node with the problem's attributes (pads, strides, dilations, group), the weight
 * `[K, C/group, R, S]` (and the bias, when the problem has one) as initializers, input `X`
 * `[N, C, H, W]` and output `Y` `[N, K, OH, OW]`. NCHW, f32, no activation only.
 */
export function conv2dModel(
  p: Conv2dProblem,
  weight: Float32Array,
  bias?: Float32Array,
): { model: Uint8Array; input: TensorSpec; output: TensorSpec } {
  if (p.layout !== "NCHW" || p.dtype !== "f32" || p.activation !== "none") {
    throw new RangeError(
      `'problem' must be an NCHW f32 conv without activation for the ORT model: current value is ` +
        `${p.layout} ${p.dtype} activation ${p.activation}`,
    );
  }
  if (p.bias !== (bias !== undefined)) {
    throw new RangeError(`'bias' must be given exactly when the problem has a bias`);
  }
  const [oh, ow] = [conv2dOutputHeight(p), conv2dOutputWidth(p)];
  const input = { name: "X", dims: [p.batch, p.inChannels, p.height, p.width] };
  const output = { name: "Y", dims: [p.batch, p.outChannels, oh, ow] };
  const wDims = [p.outChannels, p.inChannels / p.groups, p.kernelH, p.kernelW];
  const initializer = [f32Initializer("W", wDims, weight)];
  if (bias) initializer.push(f32Initializer("B", [p.outChannels], bias));
  const model = encodeModel({
    node: [{
      op_type: "Conv",
      input: bias ? ["X", "W", "B"] : ["X", "W"],
      output: ["Y"],
      attribute: [
        ints("kernel_shape", [p.kernelH, p.kernelW]),
        ints("pads", [p.padTop, p.padLeft, p.padBottom, p.padRight]),
        ints("strides", [p.strideH, p.strideW]),
        ints("dilations", [p.dilationH, p.dilationW]),
        { name: "group", type: ATTR.INT, i: p.groups },
      ],
    }],
    initializer,
    input: [valueInfo(input)],
    output: [valueInfo(output)],
  });
  return { model, input, output };
}

/**
 * One `com.microsoft` `MultiHeadAttention` node: query `[B, Sq, H·D]`, key `[B, Skv, H·D]`, value
 * `[B, Skv, H·Dv]`, output `[B, Sq, H·Dv]` (heads interleaved in the last axis, where wgtune's
 * tensors are `[B, H, S, D]`), `num_heads = H`, `scale` set to the problem's. Non-causal, unmasked,
 * f32, as many key/value heads as query heads only.
 */
export function multiHeadAttentionModel(
  p: AttentionProblem,
): { model: Uint8Array; inputs: TensorSpec[]; output: TensorSpec } {
  if (p.kvHeads !== p.heads || p.causal || p.maskShape !== null || p.dtype !== "f32") {
    throw new RangeError(
      `'problem' must be f32, non-causal, unmasked, with kvHeads = heads for MultiHeadAttention: ` +
        `current value is ${p.dtype}, heads ${p.heads}, kvHeads ${p.kvHeads}, causal ${p.causal}, ` +
        `mask ${p.maskShape ? p.maskShape.join("x") : "none"}`,
    );
  }
  const inputs = [
    { name: "query", dims: [p.batch, p.seqQ, p.heads * p.headDim] },
    { name: "key", dims: [p.batch, p.seqKV, p.heads * p.headDim] },
    { name: "value", dims: [p.batch, p.seqKV, p.heads * p.headDimV] },
  ];
  const output = { name: "output", dims: [p.batch, p.seqQ, p.heads * p.headDimV] };
  const model = encodeModel(
    {
      node: [{
        op_type: "MultiHeadAttention",
        domain: "com.microsoft",
        input: inputs.map((i) => i.name),
        output: [output.name],
        attribute: [
          { name: "num_heads", type: ATTR.INT, i: p.heads },
          { name: "scale", type: ATTR.FLOAT, f: p.scale },
        ],
      }],
      input: inputs.map(valueInfo),
      output: [valueInfo(output)],
    },
    17,
    true,
  );
  return { model, inputs, output };
}

/**
 * A model with the same inputs and output as a benched one that does next to no GPU work: each
 * input is consumed by a one-element `Slice` (so ORT uploads it whole), the slices are added, and
 * `Expand` writes the output. Timing it with host tensors measures what a host-I/O `run` costs
 * besides the op: input uploads, output download, the waits, plus one pass writing the output.
 */
export function hostCopyModel(inputs: readonly TensorSpec[], output: TensorSpec): Uint8Array {
  const node: Record<string, unknown>[] = [];
  const initializer: Record<string, unknown>[] = [int64Initializer("out_shape", output.dims)];
  const ranks = new Set(inputs.map((i) => i.dims.length));
  for (const rank of ranks) {
    initializer.push(
      int64Initializer(`zeros${rank}`, Array(rank).fill(0)),
      int64Initializer(`ones${rank}`, Array(rank).fill(1)),
    );
  }
  let sum = "";
  for (const [index, { name, dims }] of inputs.entries()) {
    const rank = dims.length;
    node.push({
      op_type: "Slice",
      input: [name, `zeros${rank}`, `ones${rank}`],
      output: [`s${index}`],
    });
    if (index === 0) {
      sum = "s0";
    } else {
      node.push({ op_type: "Add", input: [sum, `s${index}`], output: [`a${index}`] });
      sum = `a${index}`;
    }
  }
  node.push({ op_type: "Expand", input: [sum, "out_shape"], output: [output.name] });
  return encodeModel({
    node,
    initializer,
    input: inputs.map(valueInfo),
    output: [valueInfo(output)],
  });
}

/**
 * A copy from each spec `name` to `name + suffix`: `Reshape` to the same shape (`Identity` has no
 * WebGPU kernel in ORT 1.23; `Reshape` has, and only moves the data where the output must be).
 */
function copyModel(specs: readonly TensorSpec[], suffix: string): Uint8Array {
  return encodeModel({
    node: specs.map(({ name }) => ({
      op_type: "Reshape",
      input: [name, `${name}_shape`],
      output: [name + suffix],
    })),
    initializer: specs.map(({ name, dims }) => int64Initializer(`${name}_shape`, dims)),
    input: specs.map(valueInfo),
    output: specs.map((s) => valueInfo({ name: s.name + suffix, dims: s.dims })),
  });
}

/** `Neg` of a 4-element tensor: its host output waits for all work queued on ORT's device. */
function syncModel(): Uint8Array {
  return encodeModel({
    node: [{ op_type: "Neg", input: ["t"], output: ["u"] }],
    input: [valueInfo({ name: "t", dims: [4] })],
    output: [valueInfo({ name: "u", dims: [4] })],
  });
}

/** A model with one ONNX `Attention` (opset 23) node, which ORT 1.23 runs on the CPU provider. */
function cpuOnlyModel(): Uint8Array {
  const specs = ["Q", "K", "V"].map((name) => ({ name, dims: [1, 1, 4, 8] }));
  return encodeModel({
    node: [{ op_type: "Attention", input: ["Q", "K", "V"], output: ["Y"] }],
    input: specs.map(valueInfo),
    output: [valueInfo({ name: "Y", dims: [1, 1, 4, 8] })],
  }, 23);
}

/**
 * Loads onnxruntime-node, opens a session on its WebGPU provider and runs it once, and checks that
 * a node the provider does not take is refused rather than run on the CPU. Throws with the reason
 * when any of that fails (no binary for this platform, no adapter for ORT's Dawn, …).
 *
 * @example
 * ```ts ignore
 * const ort = await openOrtWebGpu();
 * const session = await ort.session(conv2dModel(problem, weight).model);
 * ```
 */
export async function openOrtWebGpu(options: OpenOrtOptions = {}): Promise<OrtWebGpu> {
  // Imported here, not statically: the native binding loads at import time, and a machine where it
  // cannot load must still run the rest of the bench.
  // deno-lint-ignore no-import-prefix
  const ort: Ort = await import("npm:onnxruntime-node@1.23.0");
  const provider = options.layout
    ? { name: "webgpu" as const, preferredLayout: options.layout }
    : "webgpu";
  const session = (model: Uint8Array, sessionOptions: OrtSessionOptions = {}) =>
    ort.InferenceSession.create(model, {
      executionProviders: [provider],
      extra: NO_CPU_FALLBACK,
      logSeverityLevel: sessionOptions.log ? 1 : 2,
      ...(sessionOptions.gpuOutputs ? { preferredOutputLocation: "gpu-buffer" as const } : {}),
      ...(sessionOptions.noOptimization ? { graphOptimizationLevel: "disabled" as const } : {}),
    });
  const syncSession = await session(syncModel());
  const feed = { t: new ort.Tensor("float32", new Float32Array([1, 2, 3, 4]), [4]) };
  const check = await syncSession.run(feed);
  if ((check["u"]?.data as Float32Array | undefined)?.[3] !== -4) {
    throw new Error("a 4-element Neg on ORT's WebGPU provider returned wrong data");
  }
  let guard: string;
  try {
    // Severity 4 (fatal only): the expected refusal would otherwise log an error line.
    await ort.InferenceSession.create(cpuOnlyModel(), {
      executionProviders: [provider],
      extra: NO_CPU_FALLBACK,
      logSeverityLevel: 4,
    });
    guard = "NOT verified: an ONNX Attention (opset 23) session was accepted with CPU fallback " +
      "disabled (ORT may now run it on WebGPU); the benched sessions use the same option";
  } catch (error) {
    if (!String(error).includes(FALLBACK_REFUSED)) throw error;
    guard = "verified: with session.disable_cpu_ep_fallback=1 ORT refuses an ONNX Attention " +
      "(opset 23) session, which it would run on the CPU provider; every benched session opened " +
      "with the same option";
  }
  return {
    ort,
    guard,
    session,
    async sync() {
      await syncSession.run(feed);
    },
  };
}

/** What {@linkcode prepareOrtCase} benches: a model, its host inputs and its output. */
export interface OrtCaseSpec {
  readonly model: Uint8Array;
  readonly inputs: readonly (TensorSpec & { readonly data: Float32Array })[];
  readonly output: TensorSpec;
  /** Log the WebGPU programs of the benched sessions. */
  readonly log?: boolean;
}

/** Sessions, variants and outputs of one problem. */
export interface OrtCase {
  /** The output of one host-I/O run. */
  readonly output: Float32Array;
  /** The output of one GPU-I/O run, read back through a `Reshape` session with a host output. */
  readonly gpuOutput: Float32Array;
  /**
   * `ort host I/O` (each op one `run` with host tensors, copies included), `ort copies` (the same
   * runs of {@linkcode hostCopyModel}, its `minus`) and `ort GPU I/O` (inputs uploaded once,
   * outputs kept on the GPU and disposed, one wait at the end).
   */
  readonly variants: readonly Variant[];
}

/**
 * Opens the sessions of one problem, warms them up (two runs each) and returns the three timed
 * variants and one output of each way of running.
 */
export async function prepareOrtCase(ort: OrtWebGpu, spec: OrtCaseSpec): Promise<OrtCase> {
  const { Tensor } = ort.ort;
  const log = spec.log ?? false;
  const outName = spec.output.name;
  const feeds: Record<string, Tensor> = {};
  for (const { name, dims, data } of spec.inputs) {
    feeds[name] = new Tensor("float32", data, [...dims]);
  }
  const hostSession = await ort.session(spec.model, { log });
  const copySession = await ort.session(hostCopyModel(spec.inputs, spec.output), { log });
  const gpuSession = await ort.session(spec.model, { gpuOutputs: true, log });
  const upload = await ort.session(copyModel(spec.inputs, "_gpu"), {
    gpuOutputs: true,
    noOptimization: true,
  });
  const download = await ort.session(copyModel([spec.output], "_host"), {
    noOptimization: true,
  });
  const uploaded = await upload.run(feeds);
  const gpuFeeds: Record<string, Tensor> = {};
  for (const { name } of spec.inputs) {
    const tensor = uploaded[`${name}_gpu`] as Tensor;
    if (tensor.location !== "gpu-buffer") {
      throw new Error(
        `ORT kept the uploaded input ${name} in ${tensor.location}, not a GPU buffer`,
      );
    }
    gpuFeeds[name] = tensor;
  }

  const hostRun = async () => (await hostSession.run(feeds))[outName] as Tensor;
  const gpuRun = async () => (await gpuSession.run(gpuFeeds))[outName] as Tensor;
  const copies: Variant = {
    name: "ort copies",
    samples: [],
    overheadOnly: true,
    async issue(count) {
      for (let i = 0; i < count; i++) await copySession.run(feeds);
    },
  };
  const variants: Variant[] = [
    {
      name: "ort host I/O",
      samples: [],
      minus: copies,
      async issue(count) {
        for (let i = 0; i < count; i++) await hostRun();
      },
    },
    copies,
    {
      name: "ort GPU I/O",
      samples: [],
      async issue(count) {
        for (let i = 0; i < count; i++) (await gpuRun()).dispose();
        await ort.sync();
      },
    },
  ];
  for (const variant of variants) await variant.issue(2);
  const output = new Float32Array((await hostRun()).data as Float32Array);
  const onGpu = await gpuRun();
  if (onGpu.location !== "gpu-buffer") {
    throw new Error(`ORT returned the output in ${onGpu.location}, not a GPU buffer`);
  }
  const back = await download.run({ [outName]: onGpu });
  onGpu.dispose();
  const gpuOutput = new Float32Array((back[`${outName}_host`] as Tensor).data as Float32Array);
  return { output, gpuOutput, variants };
}

/**
 * {@linkcode openOrtWebGpu} for a bench: `null` and the line to print when `WGTUNE_BENCH_ORT=0` or
 * when ORT cannot run here, so that the bench goes on without it. `WGTUNE_BENCH_ORT_LAYOUT=NCHW`
 * (or `NHWC`) sets the provider's preferred layout.
 */
export async function openOrtForBench(): Promise<{ ort: OrtWebGpu | null; line: string }> {
  if (Deno.env.get("WGTUNE_BENCH_ORT") === "0") {
    return { ort: null, line: `onnxruntime-node ${ORT_VERSION}: skipped (WGTUNE_BENCH_ORT=0)` };
  }
  const layout = Deno.env.get("WGTUNE_BENCH_ORT_LAYOUT");
  if (layout !== undefined && layout !== "NCHW" && layout !== "NHWC") {
    throw new RangeError(
      `'WGTUNE_BENCH_ORT_LAYOUT' must be NCHW or NHWC: current value is ${layout}`,
    );
  }
  try {
    const ort = await openOrtWebGpu(layout ? { layout } : {});
    return {
      ort,
      line: `onnxruntime-node ${ORT_VERSION} WebGPU EP on its own Dawn device, preferredLayout ` +
        `${layout ?? "default (NHWC)"}; CPU fallback guard ${ort.guard}`,
    };
  } catch (error) {
    const reason = String(error instanceof Error ? error.message : error).split("\n")[0];
    return {
      ort: null,
      line:
        `onnxruntime-node ${ORT_VERSION} WebGPU EP: SKIPPED, it could not start here: ${reason}`,
    };
  }
}

/**
 * {@linkcode prepareOrtCase} plus the cross-check of both of its outputs against `want`: the
 * variants to add and a line for the log; no variants (and the reason in the line) when a session
 * fails or an output differs from `want` by `tolerance` or more (relative to `want`'s largest
 * magnitude). `toWant` maps ORT's output layout to `want`'s.
 */
export async function ortVariants(
  ort: OrtWebGpu,
  spec: OrtCaseSpec,
  want: Float32Array,
  toWant: (output: Float32Array) => Float32Array = (x) => x,
  tolerance = 1e-4,
): Promise<{ variants: readonly Variant[]; line: string }> {
  let result: OrtCase;
  try {
    result = await prepareOrtCase(ort, spec);
  } catch (error) {
    const reason = String(error instanceof Error ? error.message : error).split("\n")[0];
    return { variants: [], line: `ORT SKIPPED for this problem: ${reason}` };
  }
  const errors = [result.output, result.gpuOutput].map((x) => relativeError(toWant(x), want));
  if (!errors.every((e) => e < tolerance)) {
    return {
      variants: [],
      line: `ORT SKIPPED for this problem: its output differs from wgtune's by ` +
        `${errors.map((e) => e.toExponential(1)).join(" (host I/O), ")} (GPU I/O), relative`,
    };
  }
  return {
    variants: result.variants,
    line: `ORT max relative difference from wgtune tuned: host I/O ${
      errors[0]!.toExponential(1)
    }, GPU I/O ${errors[1]!.toExponential(1)}`,
  };
}
