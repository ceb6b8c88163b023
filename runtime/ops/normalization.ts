/**
 * Op generators of row-wise normalizations: Softmax and LogSoftmax (newest semantics: one axis),
 * LayerNormalization (with the optional Mean and InvStdDev outputs), InstanceNormalization,
 * GroupNormalization, and
 * BatchNormalization in inference mode.
 *
 * Row ops run one thread per row when rows are short, else one workgroup per row: its threads
 * stride over the row (loops kept under llvmpipe's iteration cap) and combine partial maxima and
 * sums in a workgroup tree. Variances are two-pass
 * (mean first, then the mean of squared deviations).
 *
 * @module
 */
import { floatAttr, intAttr } from "./attributes.ts";
import {
  broadcastIndex,
  elementProgram,
  inBinding,
  linearProgram,
  lit,
  normAxis,
  outBinding,
  pow2Threads,
  sizeOf,
  stridedLoop,
  treeReduce,
} from "./_wgsl.ts";
import {
  type OpGenerator,
  type OpNode,
  type OpPlan,
  type TensorInfo,
  UnsupportedOpError,
} from "./types.ts";

/** Most threads of a workgroup that handles one row. */
const ROW_WG = 256;

function input(node: OpNode, i: number): TensorInfo {
  const t = node.inputs[i];
  if (!t) throw new RangeError(`${node.opType}: input ${i} is required`);
  return t;
}

function output(node: OpNode, i: number): TensorInfo {
  const t = node.outputs[i];
  if (!t) throw new RangeError(`${node.opType}: output ${i} is required`);
  return t;
}

function requireFloat(node: OpNode, t: TensorInfo) {
  if (t.dtype !== "f32") throw new UnsupportedOpError(node.opType, "integer input");
}

const none: OpPlan = { programs: [], scratch: [] };

/** Row length up to which one thread handles a whole row (no workgroup barriers). */
const THREAD_PER_ROW = 32;

/**
 * Code builders of a row op: one thread per row for short rows, else one workgroup per row.
 * `row` holds the row number in both; `reduce` and `map` loop over the row's `k`.
 */
interface RowMode {
  /** Declares `name` as the combination over the row of `step` (uses `k`). */
  reduce(
    name: string,
    init: string,
    step: string,
    combine: (a: string, b: string) => string,
  ): string;
  /** Runs `body` (uses `k`) for every element of the row. */
  map(body: string): string;
  /** Runs `body` once per row. */
  once(body: string): string;
}

function rowProgram(
  key: string,
  bindings: ReturnType<typeof inBinding>[],
  rows: number,
  len: number,
  body: (mode: RowMode) => string,
) {
  if (len <= THREAD_PER_ROW) {
    const loop = (code: string) => `for (var k = 0u; k < ${len}u; k++) { ${code} }`;
    const mode: RowMode = {
      reduce: (name, init, step, combine) =>
        `var ${name}_acc = ${init};
  ${loop(`${name}_acc = ${combine(`${name}_acc`, step)};`)}
  let ${name} = ${name}_acc;`,
      map: loop,
      once: (code) => code,
    };
    return elementProgram({
      key: `${key}|thread`,
      bindings,
      total: rows,
      body: `  let row = idx;\n  ${body(mode)}`,
    });
  }
  const threads = pow2Threads(len, ROW_WG);
  // Each reduction gets its own workgroup array: with one shared array, Dawn on lavapipe lets a
  // thread read the previous result after another thread overwrote it, barrier or not.
  const arrays: string[] = [];
  const mode: RowMode = {
    reduce: (name, init, step, combine) => {
      const red = `red_${name}`;
      arrays.push(red);
      return `var ${name}_acc = ${init};
  ${stridedLoop(len, threads, "lid", `${name}_acc = ${combine(`${name}_acc`, step)};`)}
  ${treeReduce(red, threads, `${name}_acc`, combine)}
  let ${name} = ${red}[0];`;
    },
    map: (code) => stridedLoop(len, threads, "lid", code),
    once: (code) => `if (lid == 0u) { ${code} }`,
  };
  const code = body(mode);
  return linearProgram({
    key: `${key}|group`,
    bindings,
    groups: rows,
    workgroup: threads,
    helpers: arrays.map((a) => `var<workgroup> ${a}: array<f32, ${threads}>;`).join("\n"),
    body: `  let row = group;\n  ${code}`,
  });
}

const add = (a: string, b: string) => `(${a} + ${b})`;

function planSoftmax(node: OpNode): OpPlan {
  const x = input(node, 0);
  const y = output(node, 0);
  requireFloat(node, x);
  const rank = x.dims.length;
  if (rank === 0) throw new RangeError(`${node.opType}: input must have rank 1 or more`);
  const axis = normAxis(node.opType, intAttr(node.attributes, "axis", -1), rank);
  const len = x.dims[axis]!;
  const inner = sizeOf(x.dims.slice(axis + 1));
  if (sizeOf(x.dims) === 0) return none;
  const rows = sizeOf(x.dims) / len;
  const at = inner === 1 ? "base + k" : `base + k * ${inner}u`;
  const log = node.opType === "LogSoftmax";
  const write = log ? `in0[${at}] - mx - log(total)` : `exp(in0[${at}] - mx) / total`;
  const base = inner === 1
    ? `row * ${len}u`
    : `(row / ${inner}u) * ${len * inner}u + row % ${inner}u`;
  const program = rowProgram(
    `${node.opType}|${x.dims.join("x")}|${axis}`,
    [inBinding(0, x), outBinding(0, y)],
    rows,
    len,
    (mode) =>
      `let base = ${base};
  ${mode.reduce("mx", lit(-Infinity, "f32"), `in0[${at}]`, (a, b) => `max(${a}, ${b})`)}
  ${mode.reduce("total", "0.0", `exp(in0[${at}] - mx)`, add)}
  ${mode.map(`out0[${at}] = ${write};`)}`,
  );
  return { programs: [program], scratch: [] };
}

/**
 * Normalizes `rows` contiguous rows of `len` elements: `y = (x - mean) * invStd * scale + bias`,
 * where `scaleIndex` / `biasIndex` map (`row`, `k`) to the index into scale (in1) and bias (in2).
 */
function planRowNorm(
  node: OpNode,
  rows: number,
  len: number,
  epsilon: number,
  scaleIndex: string,
  biasIndex: string | undefined,
  stats: boolean,
): OpPlan {
  const x = input(node, 0);
  const scale = input(node, 1);
  const y = output(node, 0);
  requireFloat(node, x);
  if (rows * len === 0) return none;
  const bindings = [inBinding(0, x), inBinding(1, scale)];
  if (biasIndex !== undefined) bindings.push(inBinding(2, input(node, 2)));
  bindings.push(outBinding(0, y));
  const mean = stats ? node.outputs[1] : undefined;
  const invStd = stats ? node.outputs[2] : undefined;
  if (mean) bindings.push(outBinding(1, mean));
  if (invStd) bindings.push(outBinding(2, invStd));
  const bias = biasIndex === undefined ? "" : ` + in2[${biasIndex}]`;
  const n = lit(len, "f32");
  const statsCode = `${mean ? " out1[row] = mean;" : ""}${invStd ? " out2[row] = inv;" : ""}`;
  const program = rowProgram(
    `${node.opType}|${rows}x${len}|${epsilon}|${scaleIndex}|${biasIndex}|${!!mean}|${!!invStd}`,
    bindings,
    rows,
    len,
    (mode) =>
      `let base = row * ${len}u;
  ${mode.reduce("sum", "0.0", "in0[base + k]", add)}
  let mean = sum / ${n};
  ${mode.reduce("sq", "0.0", "(in0[base + k] - mean) * (in0[base + k] - mean)", add)}
  let inv = 1.0 / sqrt(sq / ${n} + ${lit(epsilon, "f32")});
  ${mode.map(`out0[base + k] = (in0[base + k] - mean) * inv * in1[${scaleIndex}]${bias};`)}
  ${statsCode ? mode.once(statsCode) : ""}`,
  );
  return { programs: [program], scratch: [] };
}

function planLayerNorm(node: OpNode): OpPlan {
  const x = input(node, 0);
  const rank = x.dims.length;
  const axis = normAxis(node.opType, intAttr(node.attributes, "axis", -1), rank);
  const rowDims = x.dims.slice(axis);
  const len = sizeOf(rowDims);
  const rows = sizeOf(x.dims.slice(0, axis));
  const epsilon = floatAttr(node.attributes, "epsilon", 1e-5);
  const scale = input(node, 1);
  const bias = node.inputs[2];
  return planRowNorm(
    node,
    rows,
    len,
    epsilon,
    broadcastIndex(scale.dims, rowDims, "k"),
    bias ? broadcastIndex(bias.dims, rowDims, "k") : undefined,
    true,
  );
}

function planInstanceNorm(node: OpNode): OpPlan {
  const x = input(node, 0);
  if (x.dims.length < 3) {
    throw new RangeError(
      `InstanceNormalization: input must have rank 3 or more: it is ${x.dims.length}`,
    );
  }
  const channels = x.dims[1]!;
  const len = sizeOf(x.dims.slice(2));
  const rows = x.dims[0]! * channels;
  const epsilon = floatAttr(node.attributes, "epsilon", 1e-5);
  const c = `(row % ${channels}u)`;
  return planRowNorm(node, rows, len, epsilon, c, c, false);
}

function planGroupNorm(node: OpNode): OpPlan {
  const x = input(node, 0);
  if (x.dims.length < 3) {
    throw new RangeError(
      `GroupNormalization: input must have rank 3 or more: it is ${x.dims.length}`,
    );
  }
  const groups = intAttr(node.attributes, "num_groups", 0);
  const channels = x.dims[1]!;
  if (groups <= 0 || channels % groups !== 0) {
    throw new RangeError(
      `GroupNormalization: 'num_groups' must divide the ${channels} channels: it is ${groups}`,
    );
  }
  const spatial = sizeOf(x.dims.slice(2));
  const perGroup = channels / groups;
  const len = perGroup * spatial;
  const epsilon = floatAttr(node.attributes, "epsilon", 1e-5);
  // Opset 21 scales per channel; opset 18 scaled per group.
  const perChannel = sizeOf(input(node, 1).dims) === channels;
  const index = perChannel
    ? `(row % ${groups}u) * ${perGroup}u + k / ${spatial}u`
    : `(row % ${groups}u)`;
  return planRowNorm(node, x.dims[0]! * groups, len, epsilon, index, index, false);
}

function planBatchNorm(node: OpNode): OpPlan {
  if (intAttr(node.attributes, "training_mode", 0) !== 0) {
    throw new UnsupportedOpError("BatchNormalization", "training_mode=1");
  }
  const x = input(node, 0);
  const y = output(node, 0);
  requireFloat(node, x);
  if (x.dims.length < 2) {
    throw new RangeError(
      `BatchNormalization: input must have rank 2 or more: it is ${x.dims.length}`,
    );
  }
  const total = sizeOf(x.dims);
  if (total === 0) return none;
  const channels = x.dims[1]!;
  const inner = sizeOf(x.dims.slice(2));
  const epsilon = floatAttr(node.attributes, "epsilon", 1e-5);
  const c = inner === 1 ? `idx % ${channels}u` : `(idx / ${inner}u) % ${channels}u`;
  const body = `  let c = ${c};
  let inv = in1[c] / sqrt(in4[c] + ${lit(epsilon, "f32")});
  out0[idx] = (in0[idx] - in3[c]) * inv + in2[c];`;
  const program = elementProgram({
    key: `BatchNormalization|${x.dims.join("x")}|${epsilon}`,
    bindings: [0, 1, 2, 3, 4].map((i) => inBinding(i, input(node, i))).concat(outBinding(0, y)),
    total,
    body,
  });
  return { programs: [program], scratch: [] };
}

/**
 * The normalization op generators: Softmax, LogSoftmax, LayerNormalization,
 * InstanceNormalization, GroupNormalization and BatchNormalization (inference).
 *
 * @example Plan a Softmax over the last axis (no GPU needed)
 * ```ts
 * import { normalizationOps } from "./normalization.ts";
 * const softmax = normalizationOps.find((g) => g.opTypes.includes("Softmax"))!;
 * const plan = softmax.plan({
 *   opType: "Softmax",
 *   attributes: {},
 *   inputs: [{ dims: [8, 128], dtype: "f32" }],
 *   outputs: [{ dims: [8, 128], dtype: "f32" }],
 *   constants: [],
 * });
 * console.log(plan.programs[0]!.workgroupSize); // [128, 1, 1]
 * ```
 */
export const normalizationOps: readonly OpGenerator[] = [
  { opTypes: ["Softmax", "LogSoftmax"], plan: planSoftmax },
  { opTypes: ["LayerNormalization"], plan: planLayerNorm },
  { opTypes: ["InstanceNormalization"], plan: planInstanceNorm },
  { opTypes: ["GroupNormalization"], plan: planGroupNorm },
  { opTypes: ["BatchNormalization"], plan: planBatchNorm },
];
