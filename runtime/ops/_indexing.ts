/**
 * WGSL indexing helpers shared by the pooling, resize, data-movement and ConvTranspose generators:
 * row-major strides, flat-index decomposition with dims baked in as constants, loops chunked below
 * llvmpipe's 65,535-iteration limit, dispatches spread over x and y, and a builder for programs
 * that compute one output element per invocation.
 *
 * @module
 */
import type { BufferBinding, KernelProgram } from "../../core/types.ts";
import type { GpuDtype, OpNode, TensorInfo } from "./types.ts";

/** Invocations per workgroup of the one-element-per-invocation programs. */
export const WORKGROUP = 64;

/** Most workgroups per dispatch dimension (WebGPU's default limit). */
const MAX_GROUPS = 65535;

/** Most iterations one generated loop runs (llvmpipe stops a loop after 65,535). */
export const MAX_LOOP = 32768;

export { sizeOf, stridesOf } from "./_wgsl.ts";
import { sizeOf, stridesOf } from "./_wgsl.ts";

/**
 * Normalizes a possibly negative `axis` of a tensor of rank `rank`; RangeError when outside.
 *
 * @example
 * ```ts
 * import { normalizeAxis } from "./_indexing.ts";
 * console.log(normalizeAxis(-1, 4, "axis")); // 3
 * ```
 */
export function normalizeAxis(axis: number, rank: number, what: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new RangeError(`'${what}' must be in [${-rank}, ${rank - 1}]: current value is ${axis}`);
  }
  return a;
}

/**
 * WGSL lines declaring `let ${prefix}${k}: i32` for each coordinate of the flat row-major index
 * `flat` (a `u32` expression) in a tensor of `dims`.
 *
 * @example
 * ```ts
 * import { decompose } from "./_indexing.ts";
 * console.log(decompose("i", [2, 3], "o"));
 * ```
 */
export function decompose(flat: string, dims: readonly number[], prefix: string): string {
  const strides = stridesOf(dims);
  const lines: string[] = [];
  dims.forEach((d, k) => {
    const s = strides[k]!;
    const q = k === 0 ? `${flat} / ${s}u` : `(${flat} / ${s}u) % ${d}u`;
    lines.push(`let ${prefix}${k} = i32(${s === 1 && k === 0 ? flat : q});`);
  });
  return lines.join("\n  ");
}

/**
 * A WGSL `i32` expression of the flat offset of coordinates `coords` (WGSL `i32` expressions)
 * with `strides`; `"0"` for a scalar.
 *
 * @example
 * ```ts
 * import { offsetExpr } from "./_indexing.ts";
 * console.log(offsetExpr(["a", "b"], [3, 1])); // "a * 3 + b"
 * ```
 */
export function offsetExpr(coords: readonly string[], strides: readonly number[]): string {
  const terms = coords.flatMap((c, k) => {
    const s = strides[k]!;
    return s === 0 ? [] : [s === 1 ? c : `${c} * ${s}`];
  });
  return terms.length === 0 ? "0" : terms.join(" + ");
}

/**
 * A WGSL loop of `count` iterations (a `u32`-valued constant) binding `let ${v}: i32`, nested in
 * two loops when `count` exceeds {@linkcode MAX_LOOP} so that no loop passes llvmpipe's limit.
 *
 * @example
 * ```ts
 * import { chunkedLoop } from "./_indexing.ts";
 * console.log(chunkedLoop("k", 3, "s += x[k];").startsWith("for")); // true
 * ```
 */
export function chunkedLoop(v: string, count: number, body: string): string {
  if (count <= MAX_LOOP) {
    return `for (var ${v} = 0; ${v} < ${count}; ${v}++) {\n${body}\n}`;
  }
  const chunks = Math.ceil(count / MAX_LOOP);
  return `for (var ${v}_o = 0; ${v}_o < ${chunks}; ${v}_o++) {
for (var ${v}_i = 0; ${v}_i < ${MAX_LOOP}; ${v}_i++) {
let ${v} = ${v}_o * ${MAX_LOOP} + ${v}_i;
if (${v} >= ${count}) { break; }
${body}
}
}`;
}

/**
 * Workgroup counts for `groups` workgroups spread over x and y so that neither passes 65,535;
 * the flat workgroup id is `wid.y * x + wid.x`.
 *
 * @example
 * ```ts
 * import { spreadGroups } from "./_indexing.ts";
 * console.log(spreadGroups(70000)); // [35000, 2, 1]
 * ```
 */
export function spreadGroups(groups: number): [number, number, number] {
  if (groups <= MAX_GROUPS) return [groups, 1, 1];
  const y = Math.ceil(groups / MAX_GROUPS);
  return [Math.ceil(groups / y), y, 1];
}

/**
 * The WGSL literal of `value` for `dtype` (f32 literals always carry a decimal point or exponent;
 * infinities and NaN become calls of `f32_bits()`, which {@linkcode elementProgram} declares).
 *
 * @example
 * ```ts
 * import { literal } from "./_indexing.ts";
 * console.log(literal(2, "f32"), literal(-3, "i32")); // "2.0" "-3"
 * ```
 */
export function literal(value: number, dtype: GpuDtype): string {
  if (dtype === "i32") {
    const v = Math.max(-2147483648, Math.min(2147483647, Math.trunc(value)));
    return v === -2147483648 ? "i32(-2147483648)" : `${v}`;
  }
  // A constant expression may not evaluate to inf or NaN: those go through f32_bits(), a function
  // every elementProgram declares.
  if (Number.isNaN(value)) return "f32_bits(0x7fc00000u)";
  const f = Math.fround(value);
  if (!Number.isFinite(f)) return f > 0 ? "f32_bits(0x7f800000u)" : "f32_bits(0xff800000u)";
  const s = `${f}`;
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** One buffer a program reads (`read`) or writes (`read_write`). */
export interface BoundTensor {
  /** Binding name (`in${i}`, `out${i}`, `scratch${j}`). */
  readonly name: string;
  /** Element type. */
  readonly dtype: GpuDtype;
  /** Number of elements. */
  readonly elements: number;
  /** Declare the buffer as `array<vec4<dtype>>` (elements must be a multiple of 4). */
  readonly vec4?: boolean;
}

/** What {@linkcode elementProgram} builds. */
export interface ElementProgramSpec {
  /** Buffers read, in binding order. */
  readonly inputs: readonly BoundTensor[];
  /** Buffers written, in binding order after the inputs. */
  readonly outputs: readonly BoundTensor[];
  /** Number of invocations (one per element computed); the flat index is `i: u32`. */
  readonly count: number;
  /** WGSL statements run for each `i < count`. */
  readonly body: string;
  /** Module-scope WGSL (helper functions, constants). */
  readonly decls?: string;
  /**
   * Uniform words bound after the storage buffers as `u.t: array<vec4<i32>, n>` (the length is
   * rounded up to whole vec4s).
   */
  readonly table?: Int32Array;
  /** Shader key: everything that changes the code. */
  readonly shaderKey: string;
  /** Invocations per workgroup (default {@linkcode WORKGROUP}). */
  readonly workgroup?: number;
}

/** The most table words a program may put in its uniform block (64 KiB). */
export const MAX_TABLE_WORDS = 16384;

/**
 * Builds a program running `spec.body` once per flat index `i` in `[0, count)`, with storage
 * bindings declared under their names and dispatches spread over x and y.
 *
 * @example
 * ```ts
 * import { elementProgram } from "./_indexing.ts";
 * const p = elementProgram({
 *   inputs: [{ name: "in0", dtype: "f32", elements: 8 }],
 *   outputs: [{ name: "out0", dtype: "f32", elements: 8 }],
 *   count: 8,
 *   body: "out0[i] = in0[i];",
 *   shaderKey: "copy:8",
 * });
 * console.log(p.dispatch); // [1, 1, 1]
 * ```
 */
export function elementProgram(spec: ElementProgramSpec): KernelProgram {
  const wg = spec.workgroup ?? WORKGROUP;
  const dispatch = spreadGroups(Math.ceil(spec.count / wg));
  const all = [
    ...spec.inputs.map((t) => ({ ...t, access: "read" as const })),
    ...spec.outputs.map((t) => ({ ...t, access: "read_write" as const })),
  ];
  const bindings: BufferBinding[] = all.map(({ name, dtype, elements, access }) => ({
    name,
    dtype,
    elements,
    access,
  }));
  const decl = all.map((b, k) => {
    const type = b.vec4 ? `vec4<${b.dtype}>` : b.dtype;
    return `@group(0) @binding(${k}) var<storage, ${b.access}> ${b.name}: array<${type}>;`;
  });
  let uniforms: Uint32Array<ArrayBuffer> | undefined;
  if (spec.table) {
    const vecs = Math.max(1, Math.ceil(spec.table.length / 4));
    if (vecs * 4 > MAX_TABLE_WORDS) {
      throw new RangeError(`table of ${spec.table.length} words exceeds ${MAX_TABLE_WORDS}`);
    }
    const words = new Uint32Array(vecs * 4);
    words.set(new Uint32Array(spec.table.buffer, spec.table.byteOffset, spec.table.length));
    uniforms = words;
    decl.push(`struct Table { t: array<vec4<i32>, ${vecs}> }`);
    decl.push(`@group(0) @binding(${bindings.length}) var<uniform> u: Table;`);
    decl.push(`fn tab(k: i32) -> i32 { return u.t[k / 4][k % 4]; }`);
  }
  const code = `${decl.join("\n")}
fn f32_bits(b: u32) -> f32 { return bitcast<f32>(b); }
${spec.decls ?? ""}
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * ${dispatch[0]}u + wid.x) * ${wg}u + lid;
  if (i >= ${spec.count}u) { return; }
  ${spec.body}
}
`;
  const program: KernelProgram = {
    code,
    entryPoint: "main",
    workgroupSize: [wg, 1, 1],
    dispatch: spec.count === 0 ? [0, 1, 1] : dispatch,
    bindings,
    shaderKey: `${spec.shaderKey}|wg${wg}`,
  };
  return uniforms ? { ...program, uniforms } : program;
}

/** The {@linkcode TensorInfo} of input `i`; RangeError when the node lacks it. */
export function inputInfo(node: OpNode, i: number): TensorInfo {
  const info = node.inputs[i];
  if (!info) throw new RangeError(`${node.opType}: input ${i} is missing`);
  return info;
}

/** The {@linkcode TensorInfo} of output `i`; RangeError when the node lacks it. */
export function outputInfo(node: OpNode, i: number): TensorInfo {
  const info = node.outputs[i];
  if (!info) throw new RangeError(`${node.opType}: output ${i} is missing`);
  return info;
}

/** Binds node input `i` as `in${i}`. */
export function boundInput(node: OpNode, i: number): BoundTensor {
  const info = inputInfo(node, i);
  return { name: `in${i}`, dtype: info.dtype, elements: sizeOf(info.dims) };
}

/** Binds node output `i` as `out${i}`. */
export function boundOutput(node: OpNode, i: number): BoundTensor {
  const info = outputInfo(node, i);
  return { name: `out${i}`, dtype: info.dtype, elements: sizeOf(info.dims) };
}

/**
 * The value of constant input `i` when present, `undefined` when the input is omitted, and
 * UnsupportedOpError-worthy `null` when it is given but only known at run time.
 */
export function constantInput(node: OpNode, i: number): readonly number[] | undefined | null {
  if (!node.inputs[i]) return undefined;
  return node.constants[i] ?? null;
}

/** Checks that `dims` equal `expected`, RangeError naming `what` otherwise. */
export function expectDims(
  what: string,
  dims: readonly number[],
  expected: readonly number[],
): void {
  if (dims.length !== expected.length || dims.some((d, k) => d !== expected[k])) {
    throw new RangeError(
      `${what} must have dims [${expected.join(", ")}]: current value is [${dims.join(", ")}]`,
    );
  }
}
