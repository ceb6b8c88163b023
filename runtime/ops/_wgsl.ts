/**
 * Private WGSL building blocks of the op generators: sizes and strides, numpy-style broadcasting
 * with the index arithmetic baked in as constants, literals, linear dispatch spread over x and y,
 * loops chunked under llvmpipe's per-loop iteration cap, and workgroup tree reductions.
 *
 * @module
 */
import type { BufferBinding, Dtype, KernelProgram } from "../../core/types.ts";
import type { GpuDtype, TensorInfo } from "./types.ts";

/** Most workgroups `dispatchWorkgroups` takes per dimension. */
export const MAX_GROUPS = 65535;
/**
 * Most iterations one generated loop runs: llvmpipe stops an invocation after about 65,535 loop
 * iterations summed over all its loops, so three such loops fit in one program.
 */
export const MAX_LOOP = 16384;

// Sizes and row-major strides are the graph's and the decoder's own.
export { tensorSize as sizeOf } from "../../onnx/tensor.ts";
export { stridesOf } from "../../graph/broadcast.ts";
import { tensorSize as sizeOf } from "../../onnx/tensor.ts";
import { stridesOf } from "../../graph/broadcast.ts";

/** Normalizes a possibly negative `axis` of a rank-`rank` tensor; RangeError when out of range. */
export function normAxis(op: string, axis: number, rank: number, name = "axis"): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new RangeError(`${op}: '${name}' must be in [${-rank}, ${rank - 1}]: it is ${axis}`);
  }
  return a;
}

/** The multidirectional (numpy) broadcast of `shapes`; RangeError when they do not broadcast. */
export function broadcastDims(op: string, shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let k = 0; k < rank; k++) {
    let d = 1;
    for (const s of shapes) {
      const v = s[s.length - rank + k] ?? 1;
      if (v === 1) continue;
      if (d !== 1 && d !== v) {
        throw new RangeError(
          `${op}: shapes ${shapes.map((x) => `[${x.join(",")}]`).join(" and ")} do not broadcast`,
        );
      }
      d = v;
    }
    out.push(d);
  }
  return out;
}

/**
 * A WGSL expression of `u32` type giving the flat index into a tensor of `inDims` that
 * broadcasts to `outDims`, for the flat output index held in `idx`. Adjacent dims of the same
 * kind (broadcast or not) are merged, so common cases compile to `idx`, `0u` or one div/mod.
 */
export function broadcastIndex(
  inDims: readonly number[],
  outDims: readonly number[],
  idx: string,
): string {
  const rank = outDims.length;
  const padded = Array.from({ length: rank }, (_, k) => inDims[inDims.length - rank + k] ?? 1);
  // Groups of adjacent output dims where the input is either full (kind 1) or broadcast (0).
  const groups: { size: number; full: boolean }[] = [];
  for (let k = 0; k < rank; k++) {
    const d = outDims[k]!;
    if (d === 1) continue;
    const full = padded[k] === d;
    const last = groups[groups.length - 1];
    if (last && last.full === full) last.size *= d;
    else groups.push({ size: d, full });
  }
  if (groups.every((g) => g.full)) return idx;
  if (groups.every((g) => !g.full)) return "0u";
  // Flat index = sum over full groups of coord * inStride, coord = (idx / outStride) % size.
  const terms: string[] = [];
  let outStride = 1;
  let inStride = 1;
  for (let g = groups.length - 1; g >= 0; g--) {
    const { size, full } = groups[g]!;
    if (full) {
      let coord = outStride === 1 ? idx : `(${idx} / ${outStride}u)`;
      if (g > 0) coord = `(${coord} % ${size}u)`;
      terms.push(inStride === 1 ? coord : `${coord} * ${inStride}u`);
      inStride *= size;
    }
    outStride *= size;
  }
  return terms.join(" + ");
}

/**
 * A WGSL literal of `value` in `dtype`. Non-finite f32 values call `f32_bits` (in every program's
 * prelude): a constant expression may not evaluate to infinity or NaN, a function call is not one.
 */
export function lit(value: number, dtype: GpuDtype): string {
  if (dtype === "i32") {
    const v = Math.trunc(value);
    if (v === -2147483648) return "i32(-2147483647 - 1)";
    return `${v}i`;
  }
  const f = Math.fround(value);
  if (Number.isNaN(f)) return "f32_bits(0x7fc00000u)";
  if (f === Infinity) return "f32_bits(0x7f800000u)";
  if (f === -Infinity) return "f32_bits(0xff800000u)";
  let s = String(f);
  if (!/[.e]/.test(s)) s += ".0";
  return `${s}f`;
}

/** Casts a WGSL expression of type `from` to `to` (f32 to i32 truncates toward zero). */
export function castExpr(expr: string, from: GpuDtype, to: GpuDtype): string {
  return from === to ? expr : `${to}(${expr})`;
}

/** The binding list of a program: storage buffer declarations in order. */
export interface Binding {
  readonly name: string;
  readonly dtype: Dtype;
  readonly elements: number;
  readonly access: "read" | "read_write";
}

/** A read binding of node input `i`. */
export function inBinding(i: number, info: TensorInfo): Binding {
  return { name: `in${i}`, dtype: info.dtype, elements: sizeOf(info.dims), access: "read" };
}

/** A write binding of node output `i`. */
export function outBinding(i: number, info: TensorInfo): Binding {
  return { name: `out${i}`, dtype: info.dtype, elements: sizeOf(info.dims), access: "read_write" };
}

/** WGSL declarations of `bindings` at `@group(0) @binding(k)`. */
export function declare(bindings: readonly Binding[]): string {
  return bindings.map((b, k) =>
    `@group(0) @binding(${k}) var<storage, ${b.access}> ${b.name}: array<${b.dtype}>;`
  ).join("\n");
}

/** Workgroup counts for `groups` workgroups spread over x and y (each at most 65,535). */
export function spread(groups: number): [number, number, number] {
  if (groups <= 0) return [0, 1, 1];
  const x = Math.min(groups, MAX_GROUPS);
  const y = Math.ceil(groups / x);
  if (y > MAX_GROUPS) throw new RangeError(`too many workgroups: ${groups}`);
  return [x, y, 1];
}

/**
 * Assembles a program whose workgroups are numbered linearly: `body` sees `group` (the linear
 * workgroup number, already checked against `groups`) and `lid` (local invocation index).
 */
export function linearProgram(opts: {
  readonly key: string;
  readonly bindings: readonly Binding[];
  readonly groups: number;
  readonly workgroup: number;
  readonly body: string;
  readonly helpers?: string;
}): KernelProgram {
  const dispatch = spread(opts.groups);
  const code = `${declare(opts.bindings)}
fn f32_bits(b: u32) -> f32 { return bitcast<f32>(b); }
${opts.helpers ?? ""}
@compute @workgroup_size(${opts.workgroup})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let group = wid.y * ${dispatch[0]}u + wid.x;
  if (group >= ${opts.groups}u) { return; }
${opts.body}
}
`;
  return {
    code,
    entryPoint: "main",
    workgroupSize: [opts.workgroup, 1, 1],
    dispatch,
    bindings: opts.bindings.map((b): BufferBinding => ({ ...b })),
    shaderKey: `${opts.key}|wg${opts.workgroup}|g${opts.groups}|${
      opts.bindings.map((b) => `${b.name}:${b.dtype}:${b.elements}`).join(",")
    }`,
  };
}

/** Threads per workgroup of one-thread-per-element programs. */
export const ELEMENT_WG = 256;

/**
 * A program with one thread per element of `total`: `body` sees `idx` (the element, already
 * checked against `total`).
 */
export function elementProgram(opts: {
  readonly key: string;
  readonly bindings: readonly Binding[];
  readonly total: number;
  readonly body: string;
  readonly helpers?: string;
}): KernelProgram {
  const groups = Math.ceil(opts.total / ELEMENT_WG);
  return linearProgram({
    key: `${opts.key}|n${opts.total}`,
    bindings: opts.bindings,
    groups,
    workgroup: ELEMENT_WG,
    helpers: opts.helpers ?? "",
    body: `  let idx = group * ${ELEMENT_WG}u + lid;
  if (idx >= ${opts.total}u) { return; }
${opts.body}`,
  });
}

/**
 * A loop in which thread `t` of `threads` visits `k = t, t + threads, ...` below `n`; `body` uses
 * `k`. llvmpipe stops an invocation after about 65,535 loop iterations in total, counted over all
 * its loops (nesting does not help), so the body is unrolled as often as needed to keep this loop
 * at most {@linkcode MAX_LOOP} iterations: a program may run three such loops.
 */
export function stridedLoop(n: number, threads: number, t: string, body: string): string {
  const perThread = Math.ceil(n / threads);
  if (perThread <= 0) return "";
  if (perThread <= MAX_LOOP) {
    const check = n % threads === 0 ? "" : `if (k < ${n}u) `;
    return `for (var j = 0u; j < ${perThread}u; j++) {
    let k = j * ${threads}u + ${t};
    ${check}{ ${body} }
  }`;
  }
  const unroll = Math.ceil(perThread / MAX_LOOP);
  const iterations = Math.ceil(perThread / unroll);
  const copies = Array.from({ length: unroll }, (_, u) =>
    `{
      let k = (j * ${unroll}u + ${u}u) * ${threads}u + ${t};
      if (k < ${n}u) { ${body} }
    }`).join("\n    ");
  return `for (var j = 0u; j < ${iterations}u; j++) {
    ${copies}
  }`;
}

/**
 * Tree reduction across a workgroup of `threads` (a power of two) through the workgroup array
 * `buf`: stores `value`, combines with `combine(a, b)` and leaves the result in `buf[0]`, followed
 * by a barrier. Must run in uniform control flow.
 */
export function treeReduce(
  buf: string,
  threads: number,
  value: string,
  combine: (a: string, b: string) => string,
): string {
  let code = `${buf}[lid] = ${value};
  workgroupBarrier();`;
  for (let s = threads / 2; s >= 1; s /= 2) {
    code += `
  if (lid < ${s}u) { ${buf}[lid] = ${combine(`${buf}[lid]`, `${buf}[lid + ${s}u]`)}; }
  workgroupBarrier();`;
  }
  return code;
}

/** The smallest power of two at least `n`, capped to `[1, cap]`. */
export function pow2Threads(n: number, cap: number): number {
  let t = 1;
  while (t < n && t < cap) t *= 2;
  return t;
}

/**
 * Accurate `erf` (max abs error about 2e-7): an odd Taylor series below 0.5 (relative accuracy near
 * zero), Abramowitz and Stegun 7.1.26 above (|error| <= 1.5e-7).
 */
export const ERF_WGSL = `
fn erf_small(x: f32) -> f32 {
  // 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1)) for |x| < 0.5
  let x2 = x * x;
  var term = x;
  var sum = x;
  for (var n = 1u; n < 9u; n++) {
    term = -term * x2 / f32(n);
    sum += term / f32(2u * n + 1u);
  }
  return 1.1283791670955126 * sum;
}
fn erfc_big(z: f32) -> f32 {
  // 1 - erf(z) for z >= 0.5, Abramowitz and Stegun 7.1.26
  let t = 1.0 / (1.0 + 0.3275911 * z);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 +
    t * (-1.453152027 + t * 1.061405429))));
  return poly * exp(-z * z);
}
fn erf_f32(x: f32) -> f32 {
  let z = abs(x);
  if (z < 0.5) { return erf_small(x); }
  if (z > 9.0) { return sign(x); }
  return sign(x) * (1.0 - erfc_big(z));
}
`;

/** `tanh` that stays finite for large arguments. */
export const TANH_WGSL = `
fn tanh_f32(x: f32) -> f32 {
  let z = abs(x);
  if (z < 0.3) {
    let x2 = x * x;
    // odd Taylor series to x^13: error below 1e-10 for |x| < 0.3
    return x * (1.0 + x2 * (-0.3333333333 + x2 * (0.1333333333 + x2 * (-0.0539682540 +
      x2 * (0.0218694885 + x2 * (-0.0088632355 + x2 * 0.0035921280))))));
  }
  if (z > 15.0) { return sign(x); }
  let e = exp(-2.0 * z);
  return sign(x) * (1.0 - e) / (1.0 + e);
}
`;

/**
 * A WGSL `u32` expression mapping the flat index `idx` over the row-major `dims` to
 * `sum(coord_k * strides[k])`: the index into a tensor whose dims are visited with other strides
 * (kept dims of a reduction, reduced dims, a transposed view). Size-1 dims are dropped and dims
 * contiguous in the target merged.
 */
export function gatherIndex(
  idx: string,
  dims: readonly number[],
  strides: readonly number[],
): string {
  const parts: { dim: number; stride: number }[] = [];
  dims.forEach((dim, k) => {
    if (dim === 1) return;
    const stride = strides[k]!;
    const last = parts[parts.length - 1];
    if (last && last.stride === stride * dim) {
      last.dim *= dim;
      last.stride = stride;
    } else parts.push({ dim, stride });
  });
  if (parts.length === 0) return "0u";
  const terms: string[] = [];
  let inner = 1;
  for (let k = parts.length - 1; k >= 0; k--) {
    const { dim, stride } = parts[k]!;
    let coord = inner === 1 ? idx : `(${idx} / ${inner}u)`;
    if (k > 0) coord = `(${coord} % ${dim}u)`;
    terms.push(stride === 1 ? coord : `${coord} * ${stride}u`);
    inner *= dim;
  }
  return `(${terms.join(" + ")})`;
}
