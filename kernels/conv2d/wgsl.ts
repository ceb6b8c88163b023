/**
 * WGSL pieces shared by the conv2d code generators: the binding declarations, the problem's sizes
 * as constants, and the epilogue (bias, activation, conversion to the storage type).
 *
 * @module
 */
import type { BufferBinding, KernelProgram } from "../types.ts";
import { conv2dDims, type Conv2dProblem, conv2dTensorSizes } from "./problem.ts";

/**
 * The storage buffers of a conv2d program in binding order: `input`, `weight`, `bias` (when the
 * problem has one), then `output` (read_write).
 *
 * @example Bindings with a bias
 * ```ts
 * import { conv2dBindings } from "./wgsl.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 2, height: 4, width: 4, outChannels: 3, kernelH: 3, kernelW: 3,
 *   bias: true,
 * });
 * console.log(conv2dBindings(p).map((b) => b.name)); // ["input", "weight", "bias", "output"]
 * ```
 */
export function conv2dBindings(problem: Conv2dProblem): BufferBinding[] {
  const sizes = conv2dTensorSizes(problem);
  const dtype = problem.dtype;
  const bindings: BufferBinding[] = [
    { name: "input", dtype, elements: sizes.input, access: "read" },
    { name: "weight", dtype, elements: sizes.weight, access: "read" },
  ];
  if (problem.bias) bindings.push({ name: "bias", dtype, elements: sizes.bias, access: "read" });
  bindings.push({ name: "output", dtype, elements: sizes.output, access: "read_write" });
  return bindings;
}

/**
 * WGSL type of `width` f32 lanes: `f32` or `vecN<f32>`.
 *
 * @example Scalar and vector
 * ```ts
 * import { f32Type } from "./wgsl.ts";
 * console.log(f32Type(1), f32Type(4)); // "f32" "vec4<f32>"
 * ```
 */
export function f32Type(width: number): string {
  return width === 1 ? "f32" : `vec${width}<f32>`;
}

/**
 * The module header: `enable f16;` when needed, the storage bindings (the output as vectors of
 * `outVec` elements, the input as vectors of `inVec`) and every size of the problem as a
 * `const`.
 *
 * @example Problem sizes as constants
 * ```ts
 * import { conv2dHeader } from "./wgsl.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 2, height: 4, width: 4, outChannels: 3, kernelH: 3, kernelW: 3,
 * });
 * console.log(conv2dHeader(p, 1).includes("const OH: u32 = 2u;")); // true
 * ```
 */
export function conv2dHeader(problem: Conv2dProblem, outVec: number, inVec = 1): string {
  const p = problem;
  const { outH, outW, cg, ng, k, m } = conv2dDims(p);
  const t = p.dtype;
  const outType = outVec === 1 ? t : `vec${outVec}<${t}>`;
  const inType = inVec === 1 ? t : `vec${inVec}<${t}>`;
  let binding = 0;
  const lines: string[] = [];
  if (t === "f16") lines.push("enable f16;", "");
  lines.push(`@group(0) @binding(${binding++}) var<storage, read> input: array<${inType}>;`);
  lines.push(`@group(0) @binding(${binding++}) var<storage, read> weight: array<${t}>;`);
  if (p.bias) lines.push(`@group(0) @binding(${binding++}) var<storage, read> bias: array<${t}>;`);
  lines.push(
    `@group(0) @binding(${binding++}) var<storage, read_write> output: array<${outType}>;`,
    "",
  );
  const constants: Array<[string, number, string]> = [
    ["BATCH", p.batch, "u32"],
    ["C", p.inChannels, "u32"],
    ["H", p.height, "u32"],
    ["W", p.width, "u32"],
    ["K", p.outChannels, "u32"],
    ["R", p.kernelH, "u32"],
    ["S", p.kernelW, "u32"],
    ["OH", outH, "u32"],
    ["OW", outW, "u32"],
    ["CG", cg, "u32"],
    ["NG", ng, "u32"],
    ["KK", k, "u32"],
    ["M", m, "u32"],
    ["STRIDE_H", p.strideH, "u32"],
    ["STRIDE_W", p.strideW, "u32"],
    ["DIL_H", p.dilationH, "u32"],
    ["DIL_W", p.dilationW, "u32"],
    ["PAD_T", p.padTop, "i32"],
    ["PAD_L", p.padLeft, "i32"],
  ];
  for (const [name, value, type] of constants) {
    lines.push(`const ${name}: ${type} = ${value}${type === "u32" ? "u" : "i"};`);
  }
  return lines.join("\n") + "\n";
}

/**
 * WGSL expression of an input element index. `n`, `c`, `ih` and `iw` are u32 expressions.
 *
 * @example Channels-last index
 * ```ts
 * import { inputIndex } from "./wgsl.ts";
 * console.log(inputIndex("NHWC", "n", "c", "h", "w")); // "((n * H + h) * W + w) * C + c"
 * ```
 */
export function inputIndex(
  layout: Conv2dProblem["layout"],
  n: string,
  c: string,
  ih: string,
  iw: string,
): string {
  return layout === "NCHW"
    ? `((${n} * C + ${c}) * H + ${ih}) * W + ${iw}`
    : `((${n} * H + ${ih}) * W + ${iw}) * C + ${c}`;
}

/**
 * WGSL statements that finish `width` accumulated channels starting at output channel `co`
 * (u32 expression): add the bias, apply the activation and convert to the storage type. The
 * result is bound to `name` (an f32 or vector of f32 `let`).
 *
 * @example ReLU with bias, one channel
 * ```ts
 * import { epilogue } from "./wgsl.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 2, height: 4, width: 4, outChannels: 3, kernelH: 3, kernelW: 3,
 *   bias: true, activation: "relu",
 * });
 * console.log(epilogue(p, "v", "acc", "co", 1));
 * // "let v = max(acc + f32(bias[co]), 0.0);"
 * ```
 */
export function epilogue(
  problem: Conv2dProblem,
  name: string,
  acc: string,
  co: string,
  width: number,
): string {
  let value = acc;
  if (problem.bias) {
    const lanes = Array.from(
      { length: width },
      (_, c) => `f32(bias[${c === 0 ? co : `${co} + ${c}u`}])`,
    );
    value = `${acc} + ${width === 1 ? lanes[0] : `${f32Type(width)}(${lanes.join(", ")})`}`;
  }
  const zero = width === 1 ? "0.0" : `${f32Type(width)}(0.0)`;
  const six = width === 1 ? "6.0" : `${f32Type(width)}(6.0)`;
  if (problem.activation === "relu") value = `max(${value}, ${zero})`;
  if (problem.activation === "relu6") value = `clamp(${value}, ${zero}, ${six})`;
  return `let ${name} = ${value};`;
}

/**
 * WGSL conversion of an f32 (vector) expression to the storage type of `width` lanes.
 *
 * @example f16 storage
 * ```ts
 * import { toStorage } from "./wgsl.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 1, height: 1, width: 1, outChannels: 4, kernelH: 1, kernelW: 1,
 *   dtype: "f16",
 * });
 * console.log(toStorage(p, "v", 4)); // "vec4<f16>(v)"
 * ```
 */
export function toStorage(problem: Conv2dProblem, expr: string, width: number): string {
  if (problem.dtype === "f32") return expr;
  return width === 1 ? `f16(${expr})` : `vec${width}<f16>(${expr})`;
}

/** What one algorithm contributes to a conv2d program (see {@linkcode conv2dProgram}). */
export interface Conv2dModule {
  /** Vector width of the output binding's elements. */
  readonly outVec: number;
  /** Vector width of the input binding's elements. */
  readonly inVec: number;
  /** Module-scope lines after the header: the algorithm's constants, workgroup arrays. */
  readonly declarations: readonly string[];
  /** `@workgroup_size` of `main`. */
  readonly workgroupSize: readonly [number, number, number];
  /** Workgroup counts of one dispatch. */
  readonly dispatch: readonly [number, number, number];
  /** Statements of `main`, which sees `wid` (workgroup id) and `lid` (local invocation id). */
  readonly body: readonly string[];
}

/**
 * Assembles a conv2d program: the header ({@linkcode conv2dHeader}), the algorithm's
 * declarations, then `main` with its body; bindings from {@linkcode conv2dBindings}. The shader
 * key is left empty for the family to fill in.
 *
 * @example A program whose main does nothing
 * ```ts
 * import { conv2dProgram } from "./wgsl.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 2, height: 4, width: 4, outChannels: 3, kernelH: 3, kernelW: 3,
 * });
 * const program = conv2dProgram(p, {
 *   outVec: 1, inVec: 1, declarations: [], workgroupSize: [8, 1, 1], dispatch: [1, 1, 1], body: [],
 * });
 * console.log(program.code.includes("@compute @workgroup_size(8, 1, 1)")); // true
 * ```
 */
export function conv2dProgram(problem: Conv2dProblem, module: Conv2dModule): KernelProgram {
  const [x, y, z] = module.workgroupSize;
  const code = conv2dHeader(problem, module.outVec, module.inVec) +
    [
      ...module.declarations,
      ``,
      `@compute @workgroup_size(${x}, ${y}, ${z})`,
      `fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {`,
      ...module.body,
      `}`,
      ``,
    ].join("\n");
  return {
    code,
    entryPoint: "main",
    workgroupSize: [x, y, z],
    dispatch: module.dispatch,
    bindings: conv2dBindings(problem),
    shaderKey: "",
  };
}
