/**
 * ONNX model sessions on WebGPU: a model is loaded, normalized, shape-inferred for concrete input
 * shapes and planned once (kernels chosen, buffers assigned by lifetime, weights uploaded, bind
 * groups created); every run is then recorded into one command encoder and submitted once (one
 * more per CPU segment, where nodes without a WebGPU kernel run on onnxruntime's CPU provider).
 * Conv, MatMul, Gemm and Attention nodes run on the tuned kernel families with the best known
 * config for this device.
 *
 * @module
 */
import { tensorSize } from "../onnx/tensor.ts";
import type { Gpu } from "../gpu/device.ts";
import { bufferBytes } from "../core/dtype.ts";
import { decodeTensor, encodeTensor } from "../gpu/tensor_io.ts";
import { createProgramBindGroup, createUniformBuffer } from "../gpu/bind_group.ts";
import type { Graph, GraphValue } from "../graph/ir.ts";
import { loadGraph } from "../graph/from_model.ts";
import type { OnnxDataType } from "../onnx/data_type.ts";
import { compileCached, loadKernel } from "../ops/kernel_handle.ts";
import { type CpuSegment, createCpuSegment, FROM_ORT } from "./fallback.ts";
import { fromGpuValues, gpuDtypeOf, type HostTensor, toGpuValues } from "./host_tensor.ts";
import { fitsGpu, type PlannedNode, planSession, type SessionPlan } from "./plan.ts";
import { inferValues, prepareGraph } from "./prepare.ts";
import { OP_GENERATORS } from "./ops/registry.ts";
import { inPlaceProgram } from "./ops/in_place.ts";
import type { TunedNodePlan } from "./tuned_types.ts";

/** Options of {@linkcode createSession}. */
export interface SessionOptions {
  /** Concrete dims of graph inputs, by name (needed for symbolic dims). @default {{}} */
  inputShapes?: Readonly<Record<string, readonly number[]>>;
  /**
   * Cache directory of tuned configs; `null` uses the heuristic defaults only.
   * @default {defaultCacheDir()}
   */
  cacheDir?: string | null;
  /**
   * `"cpu"` runs nodes without a WebGPU kernel on onnxruntime's CPU provider; `"error"` refuses
   * such a model with one line naming the ops.
   * @default {"cpu"}
   */
  fallback?: "cpu" | "error";
  /** Time every node of every run with GPU timestamps (see {@linkcode Session.lastProfile}). @default {false} */
  profile?: boolean;
}

/** Where a config of a tuned node came from. */
export type ConfigSource = "tuned" | "nearest" | "default";

/** How one node of the model runs. */
export interface NodeReport {
  /** Node name (or `opType#index` when unnamed). */
  readonly name: string;
  /** ONNX op type. */
  readonly opType: string;
  /** `webgpu` (a kernel), `view` (no copy), `host` (computed at plan time) or `cpu` (onnxruntime). */
  readonly where: "webgpu" | "view" | "host" | "cpu";
  /** Tuned kernel family, for Conv/MatMul/Gemm/Attention on the GPU. */
  readonly family?: string;
  /** Source of the family's config. */
  readonly configSource?: ConfigSource;
  /** Why a node runs on the CPU provider. */
  readonly reason?: string;
}

/** Memory figures of a plan, in bytes. */
export interface MemoryReport {
  /** Intermediate tensors as planned (buffers shared by lifetime). */
  readonly plannedIntermediateBytes: number;
  /** Intermediate tensors with one buffer each. */
  readonly unplannedIntermediateBytes: number;
  /** Weights uploaded once. */
  readonly weightBytes: number;
  /** Every GPU buffer of the session (intermediates, weights, inputs, outputs, uniforms). */
  readonly totalGpuBytes: number;
}

/** What a session reports about its plan. */
export interface SessionReport {
  /** Every node. */
  readonly nodes: readonly NodeReport[];
  /** Node counts by where they run. */
  readonly counts: Readonly<Record<NodeReport["where"], number>>;
  /** Memory. */
  readonly memory: MemoryReport;
}

/** One row of a profile. */
export interface ProfileRow {
  readonly name: string;
  readonly opType: string;
  readonly where: NodeReport["where"];
  readonly family: string | undefined;
  readonly configSource: ConfigSource | undefined;
  /** Milliseconds. */
  readonly timeMs: number;
  /** Share of the run's total. */
  readonly share: number;
}

/** A distinct problem of a tuned kernel family in a session's plan. */
export interface KernelProblem {
  /** Kernel family (`"conv2d"`, `"matmul"`). */
  readonly op: string;
  /** The family's problem, as `tune()` and `loadKernel()` take it. */
  readonly problem: Readonly<Record<string, unknown>>;
  /** How many nodes of the model run this problem. */
  readonly nodes: number;
}

/** A session output. */
export type SessionOutput = HostTensor;

/**
 * A host input: a {@linkcode HostTensor}, or a typed array with `dims` (onnxruntime's `Tensor`s
 * are taken as they are, their `type` naming the element type).
 */
export type SessionInput = HostTensor | {
  readonly data: Exclude<HostTensor["data"], string[]>;
  readonly dims: readonly number[];
};

interface GpuStep {
  readonly planned: PlannedNode;
  readonly dispatches: readonly {
    pipeline: GPUComputePipeline;
    bindGroup: GPUBindGroup;
    workgroups: readonly [number, number, number];
  }[];
}

type RunStep =
  | { kind: "gpu"; step: GpuStep }
  | { kind: "cpu"; segment: CpuSegment; nodes: readonly PlannedNode[]; uploads: readonly string[] };

interface Built {
  readonly key: string;
  readonly plan: SessionPlan;
  readonly steps: readonly RunStep[];
  readonly bufferOf: (name: string) => GPUBuffer | undefined;
  readonly inputBuffers: ReadonlyMap<string, GPUBuffer>;
  readonly report: SessionReport;
  readonly destroy: () => Promise<void>;
}

const ORT_LIKE: Record<string, OnnxDataType> = {
  Float32Array: "float",
  Float16Array: "float16",
  Float64Array: "double",
  Int32Array: "int32",
  Int16Array: "int16",
  Int8Array: "int8",
  BigInt64Array: "int64",
  BigUint64Array: "uint64",
  Uint32Array: "uint32",
  Uint16Array: "uint16",
  Uint8Array: "uint8",
};

function nodeName(p: PlannedNode): string {
  return p.node.name || `${p.node.opType}#${p.index}`;
}

/** A model planned on a device, ready to run. Create it with {@linkcode createSession}. */
export class Session {
  #gpu: Gpu;
  #graph: Graph;
  #options: Required<Pick<SessionOptions, "fallback" | "profile">> & SessionOptions;
  #built: Built | undefined;
  #released = false;
  #profile: ProfileRow[] | undefined;
  #staging = new StagingPool();

  /** @internal Use {@linkcode createSession}. */
  constructor(gpu: Gpu, graph: Graph, options: SessionOptions) {
    this.#gpu = gpu;
    this.#graph = graph;
    this.#options = { fallback: "cpu", profile: false, ...options };
  }

  /** Graph inputs with their element types and (possibly symbolic) dims. */
  get inputs(): readonly GraphValue[] {
    return this.#graph.inputs;
  }

  /** Graph outputs. */
  get outputs(): readonly GraphValue[] {
    return this.#graph.outputs;
  }

  /** The report of the current plan. */
  get report(): SessionReport {
    if (!this.#built) throw new Error("the session has no plan yet: run it or pass inputShapes");
    return this.#built.report;
  }

  /** The profile of the last run (with `profile: true`), slowest node first. */
  get lastProfile(): readonly ProfileRow[] | undefined {
    return this.#profile;
  }

  /**
   * The distinct problems of the tuned kernel families (Conv, MatMul, Gemm nodes on the GPU) in
   * the current plan, with how many nodes share each: what to hand to `tune()` so that the next
   * session on this device finds tuned configs for them.
   *
   * @example Tune every kernel problem of a model, then plan it again with the tuned configs
   * ```ts
   * import { openDevice } from "../gpu/device.ts";
   * import { buildModel, buildNode, valueInfo } from "../onnx/build.ts";
   * import { encodeModel } from "../onnx/model_write.ts";
   * import { createSession } from "./session.ts";
   * const gpu = await openDevice();
   * const session = await createSession(gpu, encodeModel(buildModel({
   *   nodes: [buildNode("MatMul", ["a", "b"], ["c"]), buildNode("MatMul", ["c", "b"], ["d"])],
   *   inputs: [valueInfo("a", "float", [8, 8]), valueInfo("b", "float", [8, 8])],
   *   outputs: [valueInfo("d", "float", [8, 8])],
   * })), { cacheDir: null });
   * // Both products are one problem: tune it once (tune(gpu, { op, problem }, ...)) for both nodes.
   * console.log(session.kernelProblems().map((p) => [p.op, p.nodes])); // [["matmul", 2]]
   * await session.release();
   * gpu.close();
   * ```
   */
  kernelProblems(): readonly KernelProblem[] {
    const found = new Map<
      string,
      { op: string; problem: Readonly<Record<string, unknown>>; nodes: number }
    >();
    for (const p of this.#planOrThrow().plan.nodes) {
      if (p.how.kind !== "tuned") continue;
      const { op, problem } = p.how.tuned;
      const key = `${op} ${JSON.stringify(problem)}`;
      const entry = found.get(key);
      if (entry) entry.nodes++;
      else found.set(key, { op, problem, nodes: 1 });
    }
    return [...found.values()];
  }

  #planOrThrow(): Built {
    if (!this.#built) throw new Error("the session has no plan yet: run it or pass inputShapes");
    return this.#built;
  }

  /** @internal Plans for the given input dims (reusing the current plan when they match). */
  async plan(dims: ReadonlyMap<string, readonly number[]>): Promise<Built> {
    const key = JSON.stringify([...dims]);
    if (this.#built?.key === key) return this.#built;
    const previous = this.#built;
    this.#built = undefined;
    this.#staging.destroy();
    await previous?.destroy();
    this.#built = await build(this.#gpu, this.#graph, dims, key, this.#options);
    return this.#built;
  }

  /** Resolves the dims of every graph input from `inputShapes` and the model's declared dims. */
  declaredDims(shapes: Readonly<Record<string, readonly number[]>> = {}): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const name of Object.keys(shapes)) {
      if (!this.#graph.inputs.some((v) => v.name === name)) {
        throw new RangeError(
          `'${name}' is not an input of the model (inputs: ${
            this.#graph.inputs.map((v) => v.name).join(", ")
          })`,
        );
      }
    }
    for (const v of this.#graph.inputs) {
      const given = shapes[v.name];
      const declared = v.dims;
      if (given) {
        checkDims(v, given);
        out.set(v.name, [...given]);
      } else if (declared && declared.every((d) => typeof d === "number" && d >= 0)) {
        out.set(v.name, declared as number[]);
      } else {
        throw new RangeError(
          `input '${v.name}' has symbolic dims [${
            (declared ?? []).join(", ")
          }]: give its shape (inputShapes / --shape ${v.name}=...)`,
        );
      }
    }
    return out;
  }

  /**
   * Runs the model on host tensors and returns every graph output. A run with dims other than the
   * planned ones plans again for them.
   */
  async run(feeds: Readonly<Record<string, SessionInput>>): Promise<Record<string, SessionOutput>> {
    if (this.#released) throw new Error("the session was released");
    const tensors = this.#checkFeeds(feeds);
    const built = await this.plan(new Map([...tensors].map(([k, t]) => [k, t.dims])));
    const { device } = this.#gpu;
    for (const [name, buffer] of built.inputBuffers) {
      const t = tensors.get(name)!;
      const dtype = gpuDtypeOf(t.dataType)!;
      device.queue.writeBuffer(buffer, 0, encodeTensor(dtype, toGpuValues(t)));
    }
    const host = new Map<string, HostTensor>(tensors);
    // No wait here: the output read-back's mapAsync waits for the run (one wait per run, not two).
    await this.#execute(built, host, false);
    const out: Record<string, SessionOutput> = {};
    const reads: { name: string; buffer: GPUBuffer; bytes: number }[] = [];
    for (const o of this.#graph.outputs) {
      const known = host.get(o.name) ?? constantOutput(built.plan, o.name);
      if (known) {
        out[o.name] = known;
        continue;
      }
      const buffer = built.bufferOf(o.name);
      const t = built.plan.types.get(o.name);
      if (!buffer || !t) throw new Error(`output '${o.name}' was not computed`);
      reads.push({ name: o.name, buffer, bytes: Math.max(4, tensorSize(t.dims) * 4) });
    }
    const values = await readBuffers(this.#gpu, reads, this.#staging);
    reads.forEach((r, i) => {
      const t = built.plan.types.get(r.name)!;
      const dtype = gpuDtypeOf(t.dataType)!;
      const decoded = decodeTensor(dtype, values[i]!, tensorSize(t.dims));
      out[r.name] = fromGpuValues(t.dataType!, t.dims, decoded);
    });
    return out;
  }

  /**
   * Runs the model on GPU buffers: every input is a storage buffer holding its values as the GPU
   * stores them (f32, or i32 for integer types); the returned buffers belong to the session and
   * hold the outputs until the next run or release. No host copy is made (except at CPU segments).
   */
  async runGpu(
    feeds: Readonly<Record<string, GPUBuffer>>,
    dims: Readonly<Record<string, readonly number[]>> = {},
  ): Promise<Record<string, GPUBuffer>> {
    if (this.#released) throw new Error("the session was released");
    const built = await this.plan(this.declaredDims(dims));
    const encoder = this.#gpu.device.createCommandEncoder();
    for (const [name, buffer] of built.inputBuffers) {
      const given = feeds[name];
      if (!given) throw new RangeError(`missing input '${name}'`);
      encoder.copyBufferToBuffer(given, 0, buffer, 0, Math.min(given.size, buffer.size));
    }
    this.#gpu.device.queue.submit([encoder.finish()]);
    await this.#execute(built, new Map());
    const out: Record<string, GPUBuffer> = {};
    for (const o of this.#graph.outputs) {
      const buffer = built.bufferOf(o.name);
      if (!buffer) throw new Error(`output '${o.name}' is not on the GPU`);
      out[o.name] = buffer;
    }
    return out;
  }

  /** Releases every GPU buffer and onnxruntime session. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    this.#staging.destroy();
    await this.#built?.destroy();
    this.#built = undefined;
  }

  #checkFeeds(feeds: Readonly<Record<string, SessionInput>>): Map<string, HostTensor> {
    if (feeds === null || typeof feeds !== "object") {
      throw new TypeError("'feeds' must be an object of input name to tensor");
    }
    const out = new Map<string, HostTensor>();
    for (const v of this.#graph.inputs) {
      const f = feeds[v.name];
      if (!f) throw new RangeError(`missing input '${v.name}'`);
      const dataType = "dataType" in f
        ? f.dataType
        : FROM_ORT[(f as { type?: string }).type ?? ""] ??
          ORT_LIKE[f.data?.constructor?.name ?? ""];
      if (!dataType || !f.data || !Array.isArray(f.dims)) {
        throw new TypeError(`input '${v.name}' must be { data: typed array, dims: number[] }`);
      }
      if (v.dataType && dataType !== v.dataType) {
        const compatible = (v.dataType === "int64" && dataType === "int32") ||
          (v.dataType === "bool" && dataType === "uint8");
        if (!compatible) {
          throw new TypeError(`input '${v.name}' must be ${v.dataType}: it is ${dataType}`);
        }
      }
      checkDims(v, f.dims);
      if ((f.data as ArrayLike<unknown>).length !== tensorSize(f.dims)) {
        throw new RangeError(
          `input '${v.name}' has ${(f.data as ArrayLike<unknown>).length} values for dims [${
            f.dims.join(", ")
          }]`,
        );
      }
      out.set(v.name, { dataType: v.dataType ?? dataType, dims: [...f.dims], data: f.data });
    }
    for (const name of Object.keys(feeds)) {
      if (!this.#graph.inputs.some((v) => v.name === name)) {
        throw new RangeError(`'${name}' is not an input of the model`);
      }
    }
    return out;
  }

  async #execute(built: Built, host: Map<string, HostTensor>, wait = true): Promise<void> {
    const { device } = this.#gpu;
    const profile = this.#options.profile && this.#gpu.hasTimestamps;
    const timed: { row: PlannedNode; index: number }[] = [];
    const cpuTimes: { row: PlannedNode; ms: number }[] = [];
    let querySet: GPUQuerySet | undefined;
    const gpuSteps = built.steps.filter((s) => s.kind === "gpu").length;
    if (profile && gpuSteps > 0) {
      querySet = device.createQuerySet({ type: "timestamp", count: 2 * gpuSteps });
    }
    let encoder = device.createCommandEncoder();
    let pass: GPUComputePassEncoder | undefined;
    let q = 0;
    for (const step of built.steps) {
      if (step.kind === "gpu") {
        if (querySet) {
          pass?.end();
          pass = encoder.beginComputePass({
            timestampWrites: {
              querySet,
              beginningOfPassWriteIndex: 2 * q,
              endOfPassWriteIndex: 2 * q + 1,
            },
          });
          timed.push({ row: step.step.planned, index: q++ });
        }
        pass ??= encoder.beginComputePass();
        for (const d of step.step.dispatches) {
          pass.setPipeline(d.pipeline);
          pass.setBindGroup(0, d.bindGroup);
          const [x, y, z] = d.workgroups;
          if (x > 0 && y > 0 && z > 0) pass.dispatchWorkgroups(x, y, z);
        }
        if (querySet) {
          pass.end();
          pass = undefined;
        }
        continue;
      }
      pass?.end();
      pass = undefined;
      // A CPU segment: read its GPU inputs back, run onnxruntime, upload what the GPU reads.
      const reads = step.segment.inputs
        .filter((name) => !host.has(name) && !built.plan.constants.has(name))
        .map((name) => {
          const t = built.plan.types.get(name);
          const buffer = built.bufferOf(name);
          if (!t || !buffer) throw new Error(`fallback input '${name}' is not available`);
          return { name, buffer, bytes: Math.max(4, tensorSize(t.dims) * 4) };
        });
      device.queue.submit([encoder.finish()]);
      const values = await readBuffers(this.#gpu, reads, this.#staging);
      reads.forEach((r, i) => {
        const t = built.plan.types.get(r.name)!;
        const decoded = decodeTensor(gpuDtypeOf(t.dataType)!, values[i]!, tensorSize(t.dims));
        host.set(r.name, fromGpuValues(t.dataType!, t.dims, decoded));
      });
      const feeds = new Map<string, HostTensor>();
      for (const name of step.segment.inputs) {
        const t = host.get(name) ?? constantOutput(built.plan, name);
        if (!t) throw new Error(`fallback input '${name}' is not available`);
        feeds.set(name, t);
      }
      const started = performance.now();
      const results = await step.segment.run(feeds);
      if (this.#options.profile) {
        cpuTimes.push({ row: step.nodes[0]!, ms: performance.now() - started });
      }
      for (const [name, t] of results) host.set(name, t);
      for (const name of step.uploads) {
        const t = results.get(name)!;
        const { dims: planned, dataType } = built.plan.types.get(name)!;
        if (
          gpuDtypeOf(t.dataType) !== gpuDtypeOf(dataType) || t.dims.length !== planned.length ||
          t.dims.some((d, i) => d !== planned[i])
        ) {
          // The GPU nodes after this segment were planned for another tensor: refuse, never misread.
          throw new Error(
            `onnxruntime returned '${name}' as ${t.dataType} [${
              t.dims.join(", ")
            }], planned as ${dataType} [${planned.join(", ")}]`,
          );
        }
        device.queue.writeBuffer(
          built.bufferOf(name)!,
          0,
          encodeTensor(gpuDtypeOf(t.dataType)!, toGpuValues(t)),
        );
      }
      encoder = device.createCommandEncoder();
    }
    pass?.end();
    let resolve: GPUBuffer | undefined;
    if (querySet) {
      resolve = device.createBuffer({
        size: 16 * gpuSteps,
        usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
      });
      encoder.resolveQuerySet(querySet, 0, 2 * gpuSteps, resolve, 0);
    }
    device.queue.submit([encoder.finish()]);
    if (this.#options.profile) {
      const rows: { row: PlannedNode; ms: number }[] = [...cpuTimes];
      if (resolve) {
        const [bytes] = await readBuffers(this.#gpu, [{
          buffer: resolve,
          bytes: 16 * gpuSteps,
        }]);
        const ticks = new BigInt64Array(bytes!.buffer, bytes!.byteOffset, 2 * gpuSteps);
        for (const t of timed) {
          const ns = Number(ticks[2 * t.index + 1]! - ticks[2 * t.index]!);
          rows.push({ row: t.row, ms: Math.max(0, ns / 1e6) });
        }
        resolve.destroy();
        querySet!.destroy();
      } else {
        await device.queue.onSubmittedWorkDone();
      }
      const total = rows.reduce((a, r) => a + r.ms, 0) || 1;
      const byNode = new Map(built.report.nodes.map((n) => [n.name, n]));
      this.#profile = rows.map(({ row, ms }) => {
        const report = byNode.get(nodeName(row));
        return {
          name: nodeName(row),
          opType: row.node.opType,
          where: report?.where ?? "cpu",
          family: report?.family,
          configSource: report?.configSource,
          timeMs: ms,
          share: ms / total,
        };
      }).sort((a, b) => b.timeMs - a.timeMs);
    } else if (wait) {
      await device.queue.onSubmittedWorkDone();
    }
  }
}

function checkDims(v: GraphValue, given: readonly number[]): void {
  if (!Array.isArray(given) || given.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new RangeError(`the shape of '${v.name}' must be a list of non-negative integers`);
  }
  if (v.dims && v.dims.length !== given.length) {
    throw new RangeError(
      `input '${v.name}' has rank ${v.dims.length} ([${v.dims.join(", ")}]): got [${
        given.join(", ")
      }]`,
    );
  }
  v.dims?.forEach((d, i) => {
    if (typeof d === "number" && d !== given[i]) {
      throw new RangeError(
        `input '${v.name}' has dims [${v.dims!.join(", ")}]: got [${given.join(", ")}]`,
      );
    }
  });
}

function constantOutput(plan: SessionPlan, name: string): HostTensor | undefined {
  const t = plan.constants.get(name);
  return t && { dataType: t.dataType, dims: t.dims, data: t.data };
}

/**
 * Read-back buffers kept between runs, by size: a read takes one (or creates it) and gives it back
 * unmapped, so that a run allocates none once the sizes it reads have been seen. Reads that
 * overlap (concurrent runs) take different buffers.
 */
class StagingPool {
  #free = new Map<number, GPUBuffer[]>();

  take(device: GPUDevice, bytes: number): GPUBuffer {
    return this.#free.get(bytes)?.pop() ?? device.createBuffer({
      size: bytes,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
  }

  give(buffer: GPUBuffer, bytes: number): void {
    const list = this.#free.get(bytes);
    if (list) list.push(buffer);
    else this.#free.set(bytes, [buffer]);
  }

  destroy(): void {
    for (const list of this.#free.values()) for (const b of list) b.destroy();
    this.#free.clear();
  }
}

async function readBuffers(
  gpu: Gpu,
  reads: readonly { buffer: GPUBuffer; bytes: number }[],
  pool?: StagingPool,
): Promise<Uint8Array[]> {
  if (reads.length === 0) return [];
  const { device } = gpu;
  const encoder = device.createCommandEncoder();
  const staging = reads.map((r) => {
    const s = pool?.take(device, r.bytes) ?? device.createBuffer({
      size: r.bytes,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    encoder.copyBufferToBuffer(r.buffer, 0, s, 0, r.bytes);
    return s;
  });
  device.queue.submit([encoder.finish()]);
  await Promise.all(staging.map((s) => s.mapAsync(GPUMapMode.READ)));
  return staging.map((s, i) => {
    const bytes = new Uint8Array(s.getMappedRange().slice(0));
    s.unmap();
    if (pool) pool.give(s, reads[i]!.bytes);
    else s.destroy();
    return bytes;
  });
}

async function build(
  gpu: Gpu,
  graph: Graph,
  dims: ReadonlyMap<string, readonly number[]>,
  key: string,
  options: SessionOptions & { fallback: "cpu" | "error" },
): Promise<Built> {
  const { device } = gpu;
  const inferred = inferValues(graph, dims);
  const plan = planSession(graph, inferred, {
    generators: OP_GENERATORS,
    fallback: options.fallback,
  });
  const created: GPUBuffer[] = [];
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const newBuffer = (bytes: number) => {
    const b = device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 16) * 16), usage });
    created.push(b);
    return b;
  };
  let weightBytes = 0;
  const arena = plan.memory.buffers.map((bytes) => newBuffer(bytes));
  const inputBuffers = new Map<string, GPUBuffer>();
  const weights = new Map<string, GPUBuffer>();
  // The value whose buffer a view (of a view ...) reads.
  const root = (name: string) => {
    let n = name;
    while (plan.viewOf.has(n)) n = plan.viewOf.get(n)!;
    return n;
  };
  // Planned values (views of planned values included) live in the arena; graph inputs and weights,
  // and views of them, in buffers of their own.
  const bufferOf = (name: string): GPUBuffer | undefined => {
    const index = plan.memory.assignment.get(name);
    if (index !== undefined) return arena[index];
    return inputBuffers.get(root(name)) ?? weights.get(root(name));
  };
  // Graph inputs the GPU reads get a buffer each; weights are uploaded once.
  const { gpuReads } = plan;
  for (const v of graph.inputs) {
    const t = plan.types.get(v.name);
    if (t && gpuReads.has(v.name) && gpuDtypeOf(t.dataType)) {
      inputBuffers.set(v.name, newBuffer(tensorSize(t.dims) * 4));
    }
  }
  for (const name of gpuReads) {
    const r = root(name);
    const t = plan.constants.get(r);
    // Integers beyond 32 bits are only ever read on the host (the planner checked the bindings).
    if (!t || weights.has(r) || !fitsGpu(t)) continue;
    const values = toGpuValues(t);
    const buffer = newBuffer(values.byteLength);
    device.queue.writeBuffer(buffer, 0, encodeTensor(gpuDtypeOf(t.dataType)!, values));
    weights.set(r, buffer);
    weightBytes += values.byteLength;
  }
  const uniformBuffer = (data: Uint32Array<ArrayBuffer>) => {
    const b = createUniformBuffer(device, data);
    created.push(b);
    return b;
  };
  const segments: CpuSegment[] = [];
  // Element types onnxruntime gives the segments' outputs (some shape inference could not infer).
  const segmentTypes = new Map<string, OnnxDataType>();
  const reports = new Map<number, NodeReport>();
  const steps: RunStep[] = [];
  for (const st of plan.steps) {
    if (st.kind === "cpu") {
      // Every value known at plan time travels into the segment's model as a weight.
      const segment = await createCpuSegment(
        { ...graph, initializers: new Map(plan.constants) },
        st.nodes.map((n) => n.node),
        plan.types,
        st.outputs,
        segmentTypes,
      );
      segments.push(segment);
      for (const [name, dataType] of segment.outputTypes) segmentTypes.set(name, dataType);
      const uploads = st.outputs.filter((o) => plan.onGpu.has(o));
      steps.push({ kind: "cpu", segment, nodes: st.nodes, uploads });
      for (const n of st.nodes) {
        reports.set(n.index, {
          name: nodeName(n),
          opType: n.node.opType,
          where: "cpu",
          reason: n.how.kind === "cpu" ? n.how.reason : "",
        });
      }
      continue;
    }
    const p = st.node;
    const { how, node } = p;
    const bind = (name: string): GPUBuffer => {
      if (name.startsWith("in")) return bufferOf(node.inputs[Number(name.slice(2))]!)!;
      if (name.startsWith("out")) return bufferOf(node.outputs[Number(name.slice(3))]!)!;
      throw new RangeError(`unknown binding '${name}'`);
    };
    if (how.kind === "view") {
      reports.set(p.index, { name: nodeName(p), opType: node.opType, where: "view" });
      continue;
    }
    if (how.kind === "tuned") {
      const kernel = await loadKernel(gpu, how.tuned.op, how.tuned.problem, {
        ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
        nearest: true,
      });
      // Scratch buffers of the programs around the kernel (a layout change of 3-D attention).
      const scratch = (how.tuned.scratch ?? []).map((n) => newBuffer(n * 4));
      const source = (bindings: TunedNodePlan["bindings"], name: string): GPUBuffer => {
        const from = bindings[name];
        if (!from) throw new RangeError(`no source for binding '${name}'`);
        if (from.kind === "input") return bind(`in${from.index}`);
        if (from.kind === "output") return bind(`out${from.index}`);
        if (from.kind === "scratch") return scratch[from.index]!;
        const buffer = newBuffer(from.data.byteLength);
        device.queue.writeBuffer(buffer, 0, encodeTensor("f32", from.data));
        weightBytes += from.data.byteLength;
        return buffer;
      };
      const around = async (programs: TunedNodePlan["before"]) => {
        const out = [];
        for (const { program, bindings } of programs ?? []) {
          const { pipeline } = await compileCached(gpu, program);
          const entries: GPUBindGroupEntry[] = program.bindings.map((b, i) => ({
            binding: i,
            resource: { buffer: source(bindings, b.name) },
          }));
          if (program.uniforms) {
            entries.push({
              binding: program.bindings.length,
              resource: { buffer: uniformBuffer(program.uniforms) },
            });
          }
          out.push({
            pipeline,
            bindGroup: device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries }),
            workgroups: program.dispatch,
          });
        }
        return out;
      };
      const buffers = kernel.program.bindings.map((b) => source(how.tuned.bindings, b.name));
      const bindGroup = kernel.createBindGroup(buffers);
      steps.push({
        kind: "gpu",
        step: {
          planned: p,
          dispatches: [
            ...await around(how.tuned.before),
            { pipeline: kernel.pipeline, bindGroup, workgroups: kernel.program.dispatch },
            ...await around(how.tuned.after),
          ],
        },
      });
      reports.set(p.index, {
        name: nodeName(p),
        opType: node.opType,
        where: "webgpu",
        family: how.tuned.op,
        configSource: kernel.source === "explicit" ? "default" : kernel.source,
      });
      continue;
    }
    if (how.kind === "program") {
      const scratch = new Map(
        how.plan.scratch.map((s) => [s.name, newBuffer(bufferBytes(s.dtype, s.elements))]),
      );
      const dispatches = [];
      // The planner put the output over an input (in place): bind that input through the output.
      const out0 = bufferOf(node.outputs[0] ?? "");
      const overwritten = node.inputs.findIndex((name) => name && bufferOf(name) === out0);
      for (const planned of how.plan.programs) {
        const program = overwritten >= 0 && planned.bindings.some((b) =>
            b.name === `in${overwritten}`
          )
          ? inPlaceProgram(planned, `in${overwritten}`)
          : planned;
        const { pipeline } = await compileCached(gpu, program);
        const storage = program.bindings.map((b) => scratch.get(b.name) ?? bind(b.name));
        const { bindGroup } = createProgramBindGroup(
          device,
          pipeline,
          program,
          storage,
          uniformBuffer,
        );
        dispatches.push({
          pipeline,
          bindGroup,
          workgroups: program.dispatch,
        });
      }
      steps.push({ kind: "gpu", step: { planned: p, dispatches } });
      reports.set(p.index, { name: nodeName(p), opType: node.opType, where: "webgpu" });
    }
  }
  for (const p of plan.nodes) {
    if (p.how.kind === "host") {
      reports.set(p.index, { name: nodeName(p), opType: p.node.opType, where: "host" });
    }
  }
  const nodes = plan.nodes.map((p) => reports.get(p.index)!);
  const counts = { webgpu: 0, view: 0, host: 0, cpu: 0 };
  for (const n of nodes) counts[n.where]++;
  return {
    key,
    plan,
    steps,
    bufferOf,
    inputBuffers,
    report: {
      nodes,
      counts,
      memory: {
        plannedIntermediateBytes: plan.memory.plannedBytes,
        unplannedIntermediateBytes: plan.memory.noReuseBytes,
        weightBytes,
        totalGpuBytes: created.reduce((a, b) => a + b.size, 0),
      },
    },
    async destroy() {
      for (const b of created) b.destroy();
      for (const s of segments) await s.release();
    },
  };
}

/**
 * Creates a session from model bytes or a `.onnx` path. With `inputShapes` (or a model whose
 * inputs have fixed dims) it plans at once; otherwise on the first run.
 *
 * @example Run a model built with the project's writer
 * ```ts
 * import { createSession, openDevice } from "@wgtune/wgtune";
 * import { buildModel, buildNode, encodeModel, valueInfo } from "@wgtune/wgtune/onnx";
 * const model = buildModel({
 *   nodes: [buildNode("Relu", ["x"], ["y"])],
 *   inputs: [valueInfo("x", "float", [1, 4])],
 *   outputs: [valueInfo("y", "float", [1, 4])],
 * });
 * const gpu = await openDevice();
 * const session = await createSession(gpu, encodeModel(model), { cacheDir: null });
 * const { y } = await session.run({ x: { data: new Float32Array([-1, 2, -3, 4]), dims: [1, 4] } });
 * console.log(y!.dims, y!.data); // [1, 4] Float32Array [0, 2, 0, 4]
 * await session.release();
 * gpu.close();
 * ```
 */
export async function createSession(
  gpu: Gpu,
  source: Uint8Array | string | URL,
  options: SessionOptions = {},
): Promise<Session> {
  if (options === null || typeof options !== "object") {
    throw new TypeError("'options' must be an object");
  }
  if (
    options.fallback !== undefined && options.fallback !== "cpu" && options.fallback !== "error"
  ) {
    throw new RangeError(
      `'fallback' must be "cpu" or "error": current value is '${options.fallback}'`,
    );
  }
  if (
    options.cacheDir !== undefined && options.cacheDir !== null &&
    typeof options.cacheDir !== "string"
  ) {
    throw new TypeError(
      `'cacheDir' must be a string or null: current value is ${options.cacheDir}`,
    );
  }
  let loaded: Graph;
  try {
    loaded = await loadGraph(source);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.PermissionDenied) {
      throw error;
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new TypeError(`the model is not a valid ONNX model: ${message}`);
  }
  const graph = prepareGraph(loaded);
  const session = new Session(gpu, graph, options);
  let dims: Map<string, number[]> | undefined;
  try {
    dims = session.declaredDims(options.inputShapes);
  } catch (error) {
    if (options.inputShapes) throw error;
  }
  if (dims) await session.plan(dims);
  return session;
}
