/**
 * Op generators of the ONNX reductions (ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd,
 * ReduceSumSquare, ReduceL1, ReduceL2, ReduceLogSum, ReduceLogSumExp) over any set of axes, in the newest opset
 * form: `axes` is input 1 (a plan-time constant), with `keepdims` and `noop_with_empty_axes`.
 *
 * Small reductions run one thread per output element; larger ones one workgroup per output
 * element, whose threads stride over the reduced elements (loops chunked under llvmpipe's cap)
 * and combine their partial results in a workgroup tree.
 *
 * @module
 */
import { intAttr, intsAttr } from "./attributes.ts";
import {
  elementProgram,
  gatherIndex,
  inBinding,
  linearProgram,
  lit,
  normAxis,
  outBinding,
  pow2Threads,
  sizeOf,
  stridedLoop,
  stridesOf,
  treeReduce,
} from "./_wgsl.ts";
import {
  type GpuDtype,
  type OpGenerator,
  type OpNode,
  type OpPlan,
  UnsupportedOpError,
} from "./types.ts";

interface Reducer {
  readonly init: (t: GpuDtype) => string;
  readonly pre?: (x: string) => string;
  readonly combine: (a: string, b: string) => string;
  readonly post?: (acc: string, n: number, t: GpuDtype) => string;
  readonly floatOnly?: boolean;
  /** A first pass finds the maximum `mx`, which `pre` and `post` may use (LogSumExp). */
  readonly shift?: boolean;
}

const sum = (a: string, b: string) => `(${a} + ${b})`;

const REDUCERS: Readonly<Record<string, Reducer>> = {
  ReduceSum: { init: (t) => lit(0, t), combine: sum },
  ReduceMean: {
    init: (t) => lit(0, t),
    combine: sum,
    post: (acc, n, t) => `(${acc} / ${lit(n, t)})`,
  },
  ReduceMax: {
    init: (t) => (t === "f32" ? lit(-Infinity, t) : lit(-2147483648, t)),
    combine: (a, b) => `max(${a}, ${b})`,
  },
  ReduceMin: {
    init: (t) => (t === "f32" ? lit(Infinity, t) : lit(2147483647, t)),
    combine: (a, b) => `min(${a}, ${b})`,
  },
  ReduceProd: { init: (t) => lit(1, t), combine: (a, b) => `(${a} * ${b})` },
  ReduceSumSquare: { init: (t) => lit(0, t), pre: (x) => `(${x} * ${x})`, combine: sum },
  ReduceL1: { init: (t) => lit(0, t), pre: (x) => `abs(${x})`, combine: sum },
  ReduceL2: {
    init: (t) => lit(0, t),
    pre: (x) => `(${x} * ${x})`,
    combine: sum,
    post: (acc) => `sqrt(${acc})`,
    floatOnly: true,
  },
  ReduceLogSum: {
    init: (t) => lit(0, t),
    combine: sum,
    post: (acc) => `log(${acc})`,
    floatOnly: true,
  },
  ReduceLogSumExp: {
    init: (t) => lit(0, t),
    pre: (x) => `exp(${x} - mx)`,
    combine: sum,
    post: (acc) => `(log(${acc}) + mx)`,
    floatOnly: true,
    shift: true,
  },
};

const maxOf = (a: string, b: string) => `max(${a}, ${b})`;

/** Reduced elements up to which one thread computes one output element. */
const THREAD_PER_OUTPUT = 32;
/** Threads of a workgroup that reduces one output element. */
const REDUCE_WG = 256;

/** The sorted, normalized axes of a reduction node (input 1, else the `axes` attribute). */
function reductionAxes(node: OpNode, rank: number): number[] | undefined {
  let axes: readonly number[] | undefined;
  if (node.inputs[1]) {
    axes = node.constants[1];
    if (!axes) throw new UnsupportedOpError(node.opType, "'axes' known only at run time");
  } else axes = intsAttr(node.attributes, "axes", undefined);
  if (!axes || axes.length === 0) {
    return intAttr(node.attributes, "noop_with_empty_axes", 0) === 1
      ? undefined
      : Array.from({ length: rank }, (_, k) => k);
  }
  return [...new Set(axes.map((a) => normAxis(node.opType, a, rank, "axes")))].sort((a, b) =>
    a - b
  );
}

function planReduce(node: OpNode): OpPlan {
  const spec = REDUCERS[node.opType]!;
  const x = node.inputs[0];
  const out = node.outputs[0];
  if (!x || !out) throw new RangeError(`${node.opType}: needs input 0 and output 0`);
  const t = x.dtype;
  if (spec.floatOnly && t !== "f32") {
    throw new UnsupportedOpError(node.opType, "integer input");
  }
  const rank = x.dims.length;
  const axes = reductionAxes(node, rank);
  const total = sizeOf(out.dims);
  if (total === 0) return { programs: [], scratch: [] };
  const bindings = [inBinding(0, x), outBinding(0, out)];
  const key = `${node.opType}|${t}|${x.dims.join("x")}|${axes?.join(",") ?? "noop"}`;
  const finish = (acc: string, n: number) => {
    const v = spec.post ? spec.post(acc, n, t) : acc;
    return v;
  };
  const pre = spec.pre ?? ((v: string) => v);
  if (!axes) {
    if (total !== sizeOf(x.dims)) {
      throw new RangeError(`${node.opType}: output size differs from the input's with no axes`);
    }
    // Identity copy (noop_with_empty_axes with empty axes).
    return {
      programs: [elementProgram({ key, bindings, total, body: "  out0[idx] = in0[idx];" })],
      scratch: [],
    };
  }
  const strides = stridesOf(x.dims);
  const kept = x.dims.map((_, k) => k).filter((k) => !axes.includes(k));
  const keptDims = kept.map((k) => x.dims[k]!);
  const redDims = axes.map((k) => x.dims[k]!);
  const n = sizeOf(redDims);
  if (sizeOf(keptDims) !== total) {
    throw new RangeError(
      `${node.opType}: output dims [${out.dims.join(",")}] do not match the reduction of [${
        x.dims.join(",")
      }]`,
    );
  }
  const base = gatherIndex("o", keptDims, kept.map((k) => strides[k]!));
  const offset = (r: string) => gatherIndex(r, redDims, axes.map((k) => strides[k]!));
  if (n <= THREAD_PER_OUTPUT) {
    const threadShift = `var mx = ${lit(-Infinity, "f32")};
  for (var r = 0u; r < ${n}u; r++) { mx = max(mx, in0[b + ${offset("r")}]); }`;
    return {
      programs: [elementProgram({
        key: `${key}|thread`,
        bindings,
        total,
        body: `  let o = idx;
  let b = ${base};
  ${spec.shift ? threadShift : ""}
  var acc = ${spec.init(t)};
  for (var r = 0u; r < ${n}u; r++) {
    acc = ${spec.combine("acc", pre(`in0[b + ${offset("r")}]`))};
  }
  out0[idx] = ${finish("acc", n)};`,
      })],
      scratch: [],
    };
  }
  const threads = pow2Threads(n, REDUCE_WG);
  const shiftPass = `var m = ${lit(-Infinity, "f32")};
  ${stridedLoop(n, threads, "lid", `m = max(m, in0[b + ${offset("k")}]);`)}
  ${treeReduce("redm", threads, "m", maxOf)}
  let mx = redm[0];`;
  return {
    programs: [linearProgram({
      key: `${key}|group`,
      bindings,
      groups: total,
      workgroup: threads,
      // A separate array for the max pass: with one shared array, Dawn on lavapipe lets a thread
      // read the max after another thread overwrote it, barrier or not.
      helpers: `var<workgroup> red: array<${t}, ${threads}>;${
        spec.shift ? `\nvar<workgroup> redm: array<f32, ${threads}>;` : ""
      }`,
      body: `  let o = group;
  let b = ${base};
  ${spec.shift ? shiftPass : ""}
  var acc = ${spec.init(t)};
  ${stridedLoop(n, threads, "lid", `acc = ${spec.combine("acc", pre(`in0[b + ${offset("k")}]`))};`)}
  ${treeReduce("red", threads, "acc", spec.combine)}
  if (lid == 0u) { out0[o] = ${finish("red[0]", n)}; }`,
    })],
    scratch: [],
  };
}

/**
 * The reduction op generators (ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd,
 * ReduceSumSquare, ReduceL1, ReduceL2, ReduceLogSum, ReduceLogSumExp).
 *
 * @example Plan a ReduceMean over the last axis (no GPU needed)
 * ```ts
 * import { reduceOps } from "./reduce.ts";
 * const plan = reduceOps[0]!.plan({
 *   opType: "ReduceMean",
 *   attributes: {},
 *   inputs: [{ dims: [4, 1000], dtype: "f32" }, { dims: [1], dtype: "i32" }],
 *   outputs: [{ dims: [4, 1], dtype: "f32" }],
 *   constants: [undefined, [-1]],
 * });
 * console.log(plan.programs[0]!.dispatch); // [4, 1, 1]
 * ```
 */
export const reduceOps: readonly OpGenerator[] = [{
  opTypes: Object.keys(REDUCERS),
  plan: planReduce,
}];
