/**
 * In-place variants of element-wise programs: the output overwrites one input of the same shape
 * and type. WebGPU does not let one buffer be bound read-only and writable in the same dispatch,
 * so the variant drops the input's binding and reads that input from the output buffer instead.
 * That is legal for programs in which each invocation reads the input only at the element it
 * writes (element-wise maps over an input of the output's shape), which the caller guarantees.
 *
 * @module
 */
import type { KernelProgram } from "../../core/types.ts";
import { declare } from "./_wgsl.ts";

/** Op types whose programs read an input of the output's shape only at the element they write. */
export const IN_PLACE_OPS: ReadonlySet<string> = new Set([
  "Relu",
  "LeakyRelu",
  "Elu",
  "Selu",
  "Celu",
  "Sigmoid",
  "HardSigmoid",
  "HardSwish",
  "Tanh",
  "Erf",
  "Gelu",
  "Softplus",
  "Softsign",
  "Sqrt",
  "Exp",
  "Log",
  "Neg",
  "Abs",
  "Reciprocal",
  "Floor",
  "Ceil",
  "Round",
  "Sin",
  "Cos",
  "Mish",
  "ThresholdedRelu",
  "Sign",
  "Add",
  "Sub",
  "Mul",
  "Div",
  "Pow",
  "Max",
  "Min",
  "Sum",
  "Mean",
  "PRelu",
  "Clip",
]);

/**
 * The program with binding `input` replaced by the output `out0`: the input's declaration goes,
 * the other bindings are renumbered, and every read of the input reads `out0`. Throws a
 * `RangeError` when the program cannot run in place (no such binding, another size or type, a
 * uniform block).
 *
 * @example
 * ```ts
 * import { inPlaceProgram } from "./in_place.ts";
 * const program = {
 *   code: "@group(0) @binding(0) var<storage, read> in0: array<f32>;\n" +
 *     "@group(0) @binding(1) var<storage, read_write> out0: array<f32>;\n" +
 *     "@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) {\n" +
 *     "  let v0 = in0[g.x];\n  out0[g.x] = max(v0, 0.0);\n}\n",
 *   entryPoint: "main", workgroupSize: [64, 1, 1] as const, dispatch: [1, 1, 1] as const,
 *   bindings: [
 *     { name: "in0", dtype: "f32" as const, elements: 64, access: "read" as const },
 *     { name: "out0", dtype: "f32" as const, elements: 64, access: "read_write" as const },
 *   ],
 *   shaderKey: "relu",
 * };
 * const inPlace = inPlaceProgram(program, "in0");
 * console.log(inPlace.bindings.map((b) => b.name), inPlace.code.includes("let v0 = out0[g.x]"));
 * // ["out0"] true
 * ```
 */
export function inPlaceProgram(program: KernelProgram, input: string): KernelProgram {
  const source = program.bindings.find((b) => b.name === input);
  const out = program.bindings.find((b) => b.name === "out0");
  if (!source || !out || source.access !== "read") {
    throw new RangeError(`in place: the program has no input binding '${input}' and output 'out0'`);
  }
  if (source.dtype !== out.dtype || source.elements !== out.elements || program.uniforms) {
    throw new RangeError(`in place: '${input}' differs from 'out0' in type or size`);
  }
  const bindings = program.bindings.filter((b) => b.name !== input);
  const body = program.code
    .split("\n")
    .filter((line) => !/^@group\(0\) @binding\(\d+\) var<storage/.test(line))
    .join("\n")
    .replace(new RegExp(`\\b${input}\\b`, "g"), "out0");
  return {
    ...program,
    code: `${declare(bindings)}\n${body}`,
    bindings,
    shaderKey: `${program.shaderKey}|in-place:${input}`,
  };
}
