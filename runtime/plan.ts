/**
 * Plans a session for concrete input shapes: every node is classified once (computed on the host
 * at plan time, a view, a tuned kernel family, a WGSL op program, or onnxruntime's CPU provider),
 * consecutive CPU nodes are grouped into segments, and intermediate tensors are assigned buffers
 * by lifetime. No GPU object is created here; `runtime/session.ts` turns the plan into pipelines,
 * buffers and bind groups.
 *
 * @module
 */
import type { Graph, GraphNode } from "../graph/ir.ts";
import type { TensorType } from "../graph/shape_inference.ts";
import { type OnnxTensor, tensorSize } from "../onnx/tensor.ts";
import { gpuDtypeOf } from "./host_tensor.ts";
import { type MemoryPlan, planMemory, type PlanStep } from "./memory_plan.ts";
import { nodeInputs, partition } from "./partition.ts";
import type { OpGenerator, OpNode, OpPlan, TensorInfo } from "./ops/types.ts";
import { UnsupportedOpError } from "./ops/types.ts";
import { IN_PLACE_OPS } from "./ops/in_place.ts";
import { LOOP_BUDGET } from "../kernels/loop_budget.ts";
import { wgslLoopBound } from "../kernels/wgsl_loop_bound.ts";
import { type TunedNodePlan, tunedNodePlan } from "./tuned_nodes.ts";

/** Ops that only reinterpret their first input's bytes: they run as views, without a copy. */
export const VIEW_OPS: ReadonlySet<string> = new Set([
  "Reshape",
  "Flatten",
  "Squeeze",
  "Unsqueeze",
  "Identity",
  "Dropout",
]);

/** Where and how one node runs. */
export type NodeKind =
  | { readonly kind: "host" } // every output was computed at plan time
  | { readonly kind: "view" }
  | { readonly kind: "tuned"; readonly tuned: TunedNodePlan; readonly opNode: OpNode }
  | { readonly kind: "program"; readonly plan: OpPlan; readonly opNode: OpNode }
  | { readonly kind: "cpu"; readonly reason: string };

/** A planned node. */
export interface PlannedNode {
  /** Index in the graph's node list. */
  readonly index: number;
  /** The node. */
  readonly node: GraphNode;
  /** How it runs. */
  readonly how: NodeKind;
}

/** A step of the run: a GPU node, or a segment of CPU nodes. */
export type PlannedStep =
  | { readonly kind: "gpu"; readonly node: PlannedNode }
  | {
    readonly kind: "cpu";
    readonly nodes: readonly PlannedNode[];
    /** Values the segment reads that are not weights or graph inputs. */
    readonly inputs: readonly string[];
    /** Values it produces for later steps or the graph's outputs. */
    readonly outputs: readonly string[];
  };

/** What shape inference tells the planner. */
export interface InferredValues {
  /** Element type and dims of every value it could infer. */
  readonly types: ReadonlyMap<string, TensorType>;
  /** Values known on the host at plan time (weights and host-computed values). */
  readonly constants: ReadonlyMap<string, OnnxTensor>;
}

/** A session plan for one set of input shapes. */
export interface SessionPlan {
  /** Every node, classified. */
  readonly nodes: readonly PlannedNode[];
  /** The steps of a run, in order. */
  readonly steps: readonly PlannedStep[];
  /** Element type and concrete dims of every value the run touches. */
  readonly types: ReadonlyMap<string, TensorType>;
  /** Values known at plan time. */
  readonly constants: ReadonlyMap<string, OnnxTensor>;
  /** Values that live on the GPU (written by a GPU node or uploaded after a CPU segment). */
  readonly onGpu: ReadonlySet<string>;
  /** Values some GPU node reads (its inputs, weights and graph inputs included). */
  readonly gpuReads: ReadonlySet<string>;
  /** Buffer assignment of the intermediate values on the GPU. */
  readonly memory: MemoryPlan;
  /** For each view output, the value whose buffer it reads. */
  readonly viewOf: ReadonlyMap<string, string>;
}

/** Options of {@linkcode planSession}. */
export interface PlanOptions {
  /** Op generators by op type. */
  readonly generators: ReadonlyMap<string, OpGenerator>;
  /** Refuse the model when a node would need the CPU fallback. */
  readonly fallback: "cpu" | "error";
}

/** Thrown when `fallback: "error"` and the model has nodes without a WebGPU kernel. */
export class UnsupportedModelError extends Error {
  /** Creates the error naming the op types. */
  constructor(readonly opTypes: readonly string[]) {
    super(`the model needs onnxruntime's CPU provider for: ${opTypes.join(", ")}`);
    this.name = "UnsupportedModelError";
  }
}

const MAX_CONSTANT_ELEMENTS = 1 << 16;

function tensorNumbers(t: OnnxTensor): number[] | undefined {
  if (Array.isArray(t.data)) return undefined;
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}

/**
 * Whether an integer weight fits the GPU's i32 storage (floats and small types always do).
 *
 * @example
 * ```ts
 * import { fitsGpu } from "./plan.ts";
 * const t = { name: "", docString: "", dataType: "int64" as const, dims: [1], data: new Float64Array([2 ** 40]) };
 * console.log(fitsGpu(t)); // false
 * ```
 */
export function fitsGpu(t: OnnxTensor): boolean {
  if (t.dataType !== "int64" && t.dataType !== "uint64" && t.dataType !== "uint32") return true;
  const data = t.data as ArrayLike<number | bigint>;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v > 2147483647 || v < -2147483648) return false;
  }
  return true;
}

function classify(
  node: GraphNode,
  inferred: InferredValues,
  generators: ReadonlyMap<string, OpGenerator>,
): NodeKind {
  const outs = node.outputs.filter((o) => o !== "");
  if (outs.length > 0 && outs.every((o) => inferred.constants.has(o))) return { kind: "host" };
  if (node.domain !== "") return { kind: "cpu", reason: `domain '${node.domain}'` };
  const info = (name: string): TensorInfo | undefined | null => {
    if (name === "") return undefined;
    const t = inferred.types.get(name);
    const dtype = gpuDtypeOf(t?.dataType);
    if (!t || !dtype) return null;
    return { dims: t.dims, dtype, elemType: t.dataType };
  };
  const inputs = node.inputs.map(info);
  // Omitted optional outputs at the end (an empty name) are no outputs at all.
  let outCount = node.outputs.length;
  while (outCount > 1 && node.outputs[outCount - 1] === "") outCount--;
  const outputs = node.outputs.slice(0, outCount).map(info);
  if (nodeInputs(node as never).length !== node.inputs.filter((i) => i).length) {
    return { kind: "cpu", reason: "subgraph" };
  }
  // An omitted optional output (empty name) between others is `undefined`: only the tuned
  // families take such nodes (Attention's Y and qk_matmul_output without the present KV).
  if (
    inputs.some((i) => i === null) ||
    outputs.some((o, k) => o === null || (o === undefined && node.outputs[k] !== ""))
  ) {
    return { kind: "cpu", reason: "type or shape not known on the GPU" };
  }
  const omitted = outputs.some((o) => o === undefined);
  if (VIEW_OPS.has(node.opType) && !omitted) {
    const a = inputs[0];
    const out = outputs[0]!;
    if (a && a.dtype === out.dtype && tensorSize(a.dims) === tensorSize(out.dims)) {
      return { kind: "view" };
    }
  }
  const opNode: OpNode = {
    opType: node.opType,
    attributes: node.attributes,
    inputs: inputs as (TensorInfo | undefined)[],
    outputs: outputs as TensorInfo[],
    constants: node.inputs.map((name) => {
      const t = name ? inferred.constants.get(name) : undefined;
      if (!t) return undefined;
      if (tensorSize(t.dims) > MAX_CONSTANT_ELEMENTS && node.opType !== "Gemm") return undefined;
      return tensorNumbers(t);
    }),
  };
  // A weight the GPU reads must fit its i32 storage (values read on the host, such as Slice's
  // INT64_MAX ends, need not).
  const wide = (bound: readonly number[]) => {
    const i = bound.find((k) => {
      const t = node.inputs[k] ? inferred.constants.get(node.inputs[k]!) : undefined;
      return t !== undefined && !fitsGpu(t);
    });
    return i === undefined ? undefined : {
      kind: "cpu" as const,
      reason: `'${node.inputs[i]}' holds integers beyond 32 bits`,
    };
  };
  const tuned = tunedNodePlan(opNode);
  if (tuned) {
    const bound = [
      ...Object.values(tuned.bindings),
      ...[...tuned.before ?? [], ...tuned.after ?? []].flatMap((p) => Object.values(p.bindings)),
    ].flatMap((b) => (b.kind === "input" ? [b.index] : []));
    return wide(bound) ?? { kind: "tuned", tuned, opNode };
  }
  const generator = generators.get(node.opType);
  if (!generator) return { kind: "cpu", reason: `no WebGPU kernel for ${node.opType}` };
  if (omitted) return { kind: "cpu", reason: "an omitted optional output between others" };
  try {
    const plan = generator.plan(opNode);
    const tooLong = plan.programs.find((p) => loopPasses(p.code) > LOOP_BUDGET);
    if (tooLong) {
      return { kind: "cpu", reason: `a loop of ${node.opType}'s program passes llvmpipe's budget` };
    }
    const bound = plan.programs.flatMap((p) =>
      p.bindings.flatMap((b) => (/^in\d+$/.test(b.name) ? [Number(b.name.slice(2))] : []))
    );
    return wide(bound) ?? { kind: "program", plan, opNode };
  } catch (error) {
    if (error instanceof UnsupportedOpError || error instanceof RangeError) {
      return { kind: "cpu", reason: error.message };
    }
    throw error;
  }
}

/**
 * The loop passes one invocation of `code` runs, read from the code (`kernels/wgsl_loop_bound.ts`);
 * 0 when the code has loops that check cannot bound (their generators bound them themselves).
 * llvmpipe stops an invocation after {@linkcode LOOP_BUDGET} passes summed over all its loops, and
 * a program past that would return wrong numbers silently: such a node runs on the CPU provider.
 */
function loopPasses(code: string): number {
  try {
    return wgslLoopBound(code);
  } catch {
    return 0;
  }
}

const bytesOf = (dims: readonly number[]) => Math.max(4, tensorSize(dims) * 4);

/**
 * Plans a run of `graph` from the values shape inference found.
 *
 * @example
 * ```ts
 * import { graphFromModel } from "../graph/from_model.ts";
 * import { buildModel, buildNode, valueInfo } from "../onnx/build.ts";
 * import { OP_GENERATORS } from "./ops/registry.ts";
 * import { planSession } from "./plan.ts";
 * import { inferValues } from "./prepare.ts";
 * const graph = graphFromModel(buildModel({
 *   nodes: [buildNode("Relu", ["x"], ["a"]), buildNode("Det", ["a"], ["y"])],
 *   inputs: [valueInfo("x", "float", [3, 3])],
 *   outputs: [valueInfo("y", "float", [])],
 * }));
 * const plan = planSession(graph, inferValues(graph, new Map()), {
 *   generators: OP_GENERATORS,
 *   fallback: "cpu",
 * });
 * console.log(plan.steps.map((s) => s.kind)); // ["gpu", "cpu"]
 * ```
 */
export function planSession(
  graph: Graph,
  inferred: InferredValues,
  options: PlanOptions,
): SessionPlan {
  const nodes: PlannedNode[] = graph.nodes.map((node, index) => ({
    index,
    node,
    how: classify(node, inferred, options.generators),
  }));
  const cpuNodes = nodes.filter((n) => n.how.kind === "cpu");
  if (options.fallback === "error" && cpuNodes.length > 0) {
    throw new UnsupportedModelError([...new Set(cpuNodes.map((n) => n.node.opType))]);
  }
  const graphOutputs = graph.outputs.map((o) => o.name);
  // Host nodes vanish from the schedule: their outputs are constants.
  const scheduled = nodes.filter((n) => n.how.kind !== "host");
  const segments = partition(
    scheduled.map((n) => ({ ...n.node, overload: "", docString: "", metadata: {} })),
    (i) => scheduled[i]!.how.kind !== "cpu",
    graphOutputs,
  );
  const isExternal = (name: string) =>
    inferred.constants.has(name) || graph.inputs.some((v) => v.name === name);
  const steps: PlannedStep[] = segments.map((s) =>
    s.kind === "webgpu" ? { kind: "gpu", node: scheduled[s.node]! } : {
      kind: "cpu",
      nodes: s.nodes.map((i) => scheduled[i]!),
      inputs: s.inputs.filter((v) => !inferred.constants.has(v)),
      outputs: s.outputs,
    }
  );

  // Which values live on the GPU: outputs of GPU nodes, and CPU outputs a GPU node reads.
  const gpuReads = new Set<string>();
  for (const st of steps) {
    if (st.kind === "gpu") { for (const i of st.node.node.inputs) if (i) gpuReads.add(i); }
  }
  const onGpu = new Set<string>();
  const viewOf = new Map<string, string>();
  const planSteps: PlanStep[] = [];
  const bytes = new Map<string, number>();
  const types = inferred.types;
  for (const st of steps) {
    if (st.kind === "gpu") {
      const { node, how } = st.node;
      const outputs = node.outputs.filter((o) => o);
      for (const o of outputs) {
        onGpu.add(o);
        bytes.set(o, bytesOf(types.get(o)!.dims));
      }
      const views = how.kind === "view" ? [[outputs[0]!, node.inputs[0]!] as const] : [];
      for (const [o, i] of views) viewOf.set(o, i);
      // An element-wise program may write its output over an input of the same shape and type
      // (read only at the element it writes); an input named twice stays bound read-only.
      const inPlace = how.kind === "program" && IN_PLACE_OPS.has(node.opType)
        ? how.opNode.inputs.flatMap((info, i) => {
          const name = node.inputs[i]!;
          const out = how.opNode.outputs[0]!;
          const same = info && info.dtype === out.dtype && info.dims.length === out.dims.length &&
            info.dims.every((d, k) => d === out.dims[k]) &&
            node.inputs.filter((n) => n === name).length === 1;
          return same ? [[outputs[0]!, name] as const] : [];
        })
        : [];
      planSteps.push({ inputs: node.inputs.filter((i) => i), outputs, views, inPlace });
    } else {
      const uploads = st.outputs.filter((o) =>
        gpuReads.has(o) && gpuDtypeOf(types.get(o)?.dataType)
      );
      for (const o of uploads) {
        onGpu.add(o);
        bytes.set(o, bytesOf(types.get(o)?.dims ?? [1]));
      }
      planSteps.push({ inputs: st.inputs.filter((i) => onGpu.has(i)), outputs: uploads });
    }
  }
  const external = new Set<string>();
  for (const name of gpuReads) if (isExternal(name)) external.add(name);
  const memory = planMemory({
    steps: planSteps,
    bytes,
    external,
    outputs: new Set(graphOutputs.filter((o) => onGpu.has(o))),
  });
  return {
    nodes,
    steps,
    types,
    constants: inferred.constants,
    onGpu,
    gpuReads,
    memory,
    viewOf,
  };
}
