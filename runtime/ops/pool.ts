/**
 * Pooling ops as WGSL programs: MaxPool (with its optional Indices output) and AveragePool over 1,
 * 2 or 3 spatial dims with kernel_shape, strides, pads, dilations, ceil_mode, auto_pad and
 * count_include_pad; GlobalAveragePool and GlobalMaxPool as one workgroup reduction per channel.
 *
 * @module
 */
import type { KernelProgram } from "../../core/types.ts";
import { intAttr, intsAttr, stringAttr } from "./attributes.ts";
import {
  boundInput,
  boundOutput,
  chunkedLoop,
  elementProgram,
  expectDims,
  inputInfo,
  literal,
  MAX_LOOP,
  outputInfo,
  sizeOf,
  spreadGroups,
  stridesOf,
} from "./_indexing.ts";
import { type OpGenerator, type OpNode, UnsupportedOpError } from "./types.ts";

/** The window geometry of a pooling node along its spatial dims. */
export interface PoolGeometry {
  /** Kernel extent per spatial dim. */
  readonly kernel: readonly number[];
  /** Stride per spatial dim. */
  readonly strides: readonly number[];
  /** Dilation per spatial dim. */
  readonly dilations: readonly number[];
  /** Padding before each spatial dim. */
  readonly padsBegin: readonly number[];
  /** Padding after each spatial dim. */
  readonly padsEnd: readonly number[];
  /** Output extent per spatial dim. */
  readonly out: readonly number[];
}

/**
 * Output extents and pads of a pooling window over `spatial` dims, as onnxruntime computes them
 * (ceil_mode drops a last window that would start in the end padding; SAME_* pads split the
 * needed padding with the odd one after for SAME_UPPER and before for SAME_LOWER).
 *
 * @example
 * ```ts
 * import { poolGeometry } from "./pool.ts";
 * const g = poolGeometry([5], { kernel: [2], strides: [2], dilations: [1], pads: [0, 0], ceilMode: true, autoPad: "NOTSET" });
 * console.log(g.out); // [3]
 * ```
 */
export function poolGeometry(
  spatial: readonly number[],
  attrs: {
    kernel: readonly number[];
    strides: readonly number[];
    dilations: readonly number[];
    pads: readonly number[];
    ceilMode: boolean;
    autoPad: string;
  },
): PoolGeometry {
  const s = spatial.length;
  const { kernel, strides, dilations, pads, ceilMode, autoPad } = attrs;
  const check = (name: string, v: readonly number[], n: number, min: number) => {
    if (v.length !== n || v.some((x) => !Number.isInteger(x) || x < min)) {
      throw new RangeError(`'${name}' must be ${n} integers >= ${min}: current value is [${v}]`);
    }
  };
  check("kernel_shape", kernel, s, 1);
  check("strides", strides, s, 1);
  check("dilations", dilations, s, 1);
  check("pads", pads, 2 * s, 0);
  const padsBegin: number[] = [];
  const padsEnd: number[] = [];
  const out: number[] = [];
  spatial.forEach((n, k) => {
    const st = strides[k]!;
    const span = (kernel[k]! - 1) * dilations[k]! + 1;
    let pb = pads[k]!, pe = pads[k + s]!;
    let o: number;
    if (autoPad === "VALID") {
      pb = pe = 0;
      o = Math.floor((n - span) / st) + 1;
    } else if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
      o = Math.ceil(n / st);
      const needed = Math.max(0, (o - 1) * st + span - n);
      pb = autoPad === "SAME_LOWER" ? Math.ceil(needed / 2) : Math.floor(needed / 2);
      pe = needed - pb;
    } else if (autoPad === "NOTSET") {
      const full = (n + pb + pe - span) / st;
      o = (ceilMode ? Math.ceil(full) : Math.floor(full)) + 1;
      if (ceilMode && (o - 1) * st >= n + pb) o--;
    } else {
      throw new RangeError(
        `'auto_pad' must be NOTSET, SAME_UPPER, SAME_LOWER or VALID: current value is ${autoPad}`,
      );
    }
    padsBegin.push(pb);
    padsEnd.push(pe);
    out.push(Math.max(0, o));
  });
  return { kernel, strides, dilations, padsBegin, padsEnd, out };
}

function nodeGeometry(node: OpNode, spatial: readonly number[]): PoolGeometry {
  const s = spatial.length;
  const a = node.attributes;
  const kernel = intsAttr(a, "kernel_shape", undefined);
  if (!kernel) throw new RangeError(`${node.opType}: attribute 'kernel_shape' is required`);
  const ones = new Array<number>(s).fill(1);
  return poolGeometry(spatial, {
    kernel,
    strides: intsAttr(a, "strides", ones),
    dilations: intsAttr(a, "dilations", ones),
    pads: intsAttr(a, "pads", new Array<number>(2 * s).fill(0)),
    ceilMode: intAttr(a, "ceil_mode", 0) !== 0,
    autoPad: stringAttr(a, "auto_pad", "NOTSET"),
  });
}

/** The program of a windowed MaxPool or AveragePool. */
function windowProgram(node: OpNode): KernelProgram {
  const x = inputInfo(node, 0);
  if (x.dims.length < 3) throw new RangeError(`${node.opType}: input must have rank >= 3`);
  const spatial = x.dims.slice(2);
  const s = spatial.length;
  const g = nodeGeometry(node, spatial);
  const outDims = [x.dims[0]!, x.dims[1]!, ...g.out];
  expectDims(`${node.opType} output`, outputInfo(node, 0).dims, outDims);
  const isMax = node.opType === "MaxPool";
  const includePad = intAttr(node.attributes, "count_include_pad", 0) !== 0;
  const withIndices = isMax && node.outputs.length > 1;
  const storageOrder = intAttr(node.attributes, "storage_order", 0);
  if (withIndices && storageOrder !== 0 && s !== 2) {
    throw new UnsupportedOpError("MaxPool", "Indices with storage_order 1 outside 2-D");
  }
  if (withIndices) expectDims("MaxPool Indices", outputInfo(node, 1).dims, outDims);
  const inSpatial = sizeOf(spatial);
  const outSpatial = sizeOf(g.out);
  const inStrides = stridesOf(spatial);
  const outStrides = stridesOf(g.out);
  const lines: string[] = [
    `let base = i32(i / ${outSpatial}u) * ${inSpatial};`,
    `let r = i % ${outSpatial}u;`,
  ];
  g.out.forEach((_, k) => {
    lines.push(
      `let o${k} = i32((r / ${outStrides[k]}u) % ${g.out[k]}u) * ${g.strides[k]} - ${
        g.padsBegin[k]
      };`,
    );
  });
  const lowest = x.dtype === "f32" ? "-3.4028234663852886e38" : "i32(-2147483648)";
  lines.push(isMax ? `var acc: ${x.dtype} = ${lowest};` : "var acc = 0.0;");
  lines.push("var cnt = 0;", "var cntPad = 0;", "var arg = -1;");
  // Innermost statement: the taps inside the padded extent count for count_include_pad; only
  // those inside the input are read.
  const valid = g.out.map((_, k) => `v${k}`).join(" && ");
  const offset = g.out.map((_, k) => `x${k} * ${inStrides[k]}`).join(" + ");
  const flatIndex = withIndices && storageOrder !== 0
    ? `base + x1 * ${spatial[0]} + x0`
    : `base + ${offset}`;
  let body = `cntPad += 1;
if (${valid}) {
  let v = in0[base + ${offset}];
  ${isMax ? `if (v > acc || arg < 0) { acc = v; arg = ${flatIndex}; }` : "acc += f32(v);"}
  cnt += 1;
}`;
  for (let k = s - 1; k >= 0; k--) {
    const n = spatial[k]!;
    body = chunkedLoop(
      `k${k}`,
      g.kernel[k]!,
      `let x${k} = o${k} + k${k} * ${g.dilations[k]};
if (x${k} < -${g.padsBegin[k]} || x${k} >= ${n + g.padsEnd[k]!}) { continue; }
let v${k} = x${k} >= 0 && x${k} < ${n};
${body}`,
    );
  }
  lines.push(body);
  if (isMax) {
    lines.push("out0[i] = acc;");
    if (withIndices) lines.push("out1[i] = arg;");
  } else {
    lines.push(`out0[i] = acc / f32(max(${includePad ? "cntPad" : "cnt"}, 1));`);
  }
  if (!isMax && x.dtype !== "f32") {
    throw new RangeError("AveragePool: input must be floating point");
  }
  return elementProgram({
    inputs: [boundInput(node, 0)],
    outputs: withIndices ? [boundOutput(node, 0), boundOutput(node, 1)] : [boundOutput(node, 0)],
    count: sizeOf(outDims),
    body: lines.join("\n  "),
    shaderKey: `${node.opType}:${x.dtype}:${
      x.dims.join("x")
    }:${g.kernel}:${g.strides}:${g.dilations}:${g.padsBegin}:${g.padsEnd}:${g.out}:${
      includePad ? 1 : 0
    }:${withIndices ? storageOrder : "-"}`,
  });
}

/**
 * MaxPool and AveragePool over 1, 2 or 3 spatial dims (NC + spatial layout), with the optional
 * Indices output of MaxPool (flat input offsets, row-major or, with `storage_order` 1 in 2-D,
 * column-major over the spatial dims).
 *
 * @example
 * ```ts
 * import { windowPoolOp } from "./pool.ts";
 * const plan = windowPoolOp.plan({
 *   opType: "MaxPool", constants: [undefined],
 *   attributes: { kernel_shape: { name: "kernel_shape", docString: "", type: "ints", value: [2, 2] } },
 *   inputs: [{ dims: [1, 1, 4, 4], dtype: "f32" }], outputs: [{ dims: [1, 1, 3, 3], dtype: "f32" }],
 * });
 * console.log(plan.programs.length); // 1
 * ```
 */
export const windowPoolOp: OpGenerator = {
  opTypes: ["MaxPool", "AveragePool"],
  plan(node) {
    return { programs: [windowProgram(node)], scratch: [] };
  },
};

/** Threads per workgroup of the global pools. */
const GLOBAL_WG = 64;

/**
 * GlobalAveragePool and GlobalMaxPool: one workgroup per (batch, channel) that strides over the
 * spatial dims and reduces in workgroup memory.
 *
 * @example
 * ```ts
 * import { globalPoolOp } from "./pool.ts";
 * const plan = globalPoolOp.plan({
 *   opType: "GlobalAveragePool", attributes: {}, constants: [undefined],
 *   inputs: [{ dims: [1, 8, 5, 5], dtype: "f32" }], outputs: [{ dims: [1, 8, 1, 1], dtype: "f32" }],
 * });
 * console.log(plan.programs[0]!.dispatch); // [8, 1, 1]
 * ```
 */
export const globalPoolOp: OpGenerator = {
  opTypes: ["GlobalAveragePool", "GlobalMaxPool"],
  plan(node) {
    const x = inputInfo(node, 0);
    if (x.dims.length < 2) throw new RangeError(`${node.opType}: input must have rank >= 2`);
    const isMax = node.opType === "GlobalMaxPool";
    if (!isMax && x.dtype !== "f32") {
      throw new RangeError("GlobalAveragePool: input must be floating point");
    }
    const outDims = [x.dims[0]!, x.dims[1]!, ...x.dims.slice(2).map(() => 1)];
    expectDims(`${node.opType} output`, outputInfo(node, 0).dims, outDims);
    const channels = x.dims[0]! * x.dims[1]!;
    const spatial = sizeOf(x.dims.slice(2));
    const dispatch = spreadGroups(channels);
    const t = x.dtype;
    const init = isMax
      ? (t === "f32" ? "-3.4028234663852886e38" : "i32(-2147483648)")
      : literal(0, t);
    const combine = (a: string, b: string) => (isMax ? `max(${a}, ${b})` : `${a} + ${b}`);
    const trips = Math.ceil(spatial / GLOBAL_WG);
    const loop = chunkedLoop(
      "t",
      trips,
      `let j = t * ${GLOBAL_WG} + i32(lid);
if (j < ${spatial}) { acc = ${combine("acc", `in0[base + j]`)}; }`,
    );
    const result = isMax ? "part[0]" : `part[0] / ${literal(spatial, "f32")}`;
    const code = `@group(0) @binding(0) var<storage, read> in0: array<${t}>;
@group(0) @binding(1) var<storage, read_write> out0: array<${t}>;
var<workgroup> part: array<${t}, ${GLOBAL_WG}>;
@compute @workgroup_size(${GLOBAL_WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = wid.y * ${dispatch[0]}u + wid.x;
  let live = c < ${channels}u;
  let base = i32(min(c, ${channels - 1}u)) * ${spatial};
  var acc: ${t} = ${init};
  if (live) {
    ${loop}
  }
  part[lid] = acc;
  workgroupBarrier();
  for (var w = ${GLOBAL_WG / 2}u; w > 0u; w = w / 2u) {
    if (lid < w) { part[lid] = ${combine("part[lid]", "part[lid + w]")}; }
    workgroupBarrier();
  }
  if (live && lid == 0u) { out0[c] = ${result}; }
}
`;
    if (trips > MAX_LOOP * MAX_LOOP) throw new RangeError(`${node.opType}: input too large`);
    const program: KernelProgram = {
      code,
      entryPoint: "main",
      workgroupSize: [GLOBAL_WG, 1, 1],
      dispatch: channels === 0 ? [0, 1, 1] : dispatch,
      bindings: [
        { ...boundInput(node, 0), access: "read" },
        { ...boundOutput(node, 0), access: "read_write" },
      ],
      shaderKey: `${node.opType}:${t}:${channels}:${spatial}`,
    };
    return { programs: [program], scratch: [] };
  },
};

/** Every generator of this file. */
export const poolOps: readonly OpGenerator[] = [windowPoolOp, globalPoolOp];
