/**
 * A toy kernel family that lives outside `kernels/`, to prove that a family is one folder plus one
 * registration: `y[i] = 3 x[i] + 1` over `n` f32 elements, with a tiny space (workgroup size and
 * elements per thread) and a float64 reference. Shapes are `N<n>`, for example `"N37"`.
 *
 * @module
 */
import type { KernelFamily } from "../../kernels/types.ts";

/** The problem: `n` elements. */
export interface ToyProblem {
  /** Elements, a positive integer. */
  readonly n: number;
}

function normalize(problem: unknown): ToyProblem {
  const n = (problem as { n?: unknown } | null)?.n;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
    throw new RangeError(`'problem.n' must be a positive integer: current value is ${String(n)}`);
  }
  return { n };
}

/** The family, registered by the tests under the name `"toy_scale"`. */
export const toyFamily: KernelFamily<ToyProblem> = {
  name: "toy_scale",
  version: 1,
  normalizeProblem: normalize,
  parseShape: (shape: string): ToyProblem => {
    const match = /^N(\d+)$/.exec(shape);
    if (!match) throw new RangeError(`'shape' must look like N<n>: current value is '${shape}'`);
    return normalize({ n: Number(match[1]) });
  },
  defaultShapes: ["N4096", "N1000"],
  testShapes: ["N37"],
  problemKey: (p: ToyProblem): string => `n${p.n}`,
  space: (_p: ToyProblem, caps) => ({
    params: [{ name: "wg", values: [32, 64, 128] }, { name: "per", values: [1, 2] }],
    isValid: (c) => (c.wg as number) <= caps.maxInvocationsPerWorkgroup,
  }),
  defaultConfig: () => ({ wg: 64, per: 1 }),
  generate: (p: ToyProblem, config) => {
    const wg = config.wg as number;
    const per = config.per as number;
    if (![32, 64, 128].includes(wg) || ![1, 2].includes(per)) {
      throw new RangeError(
        `'config' is not in the space: current value is ${JSON.stringify(config)}`,
      );
    }
    return {
      code: `@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(${wg}) fn main(@builtin(global_invocation_id) g: vec3u) {
  for (var j = 0u; j < ${per}u; j++) {
    let i = g.x * ${per}u + j;
    if (i < ${p.n}u) { y[i] = 3.0 * x[i] + 1.0; }
  }
}`,
      entryPoint: "main",
      workgroupSize: [wg, 1, 1],
      dispatch: [Math.ceil(p.n / (wg * per)), 1, 1],
      bindings: [
        { name: "x", dtype: "f32", elements: p.n, access: "read" },
        { name: "y", dtype: "f32", elements: p.n, access: "read_write" },
      ],
      shaderKey: `toy_scale_v1_n${p.n}_wg${wg}_per${per}`,
    };
  },
  flops: (p: ToyProblem): number => 2 * p.n,
  makeInputs: (p: ToyProblem, seed: number) => {
    let state = (seed * 2654435761) >>> 0;
    const data = Float32Array.from({ length: p.n }, () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 32 - 0.5;
    });
    return [{ name: "x", data }];
  },
  reference: (_p: ToyProblem, inputs) => Float64Array.from(inputs[0]!.data, (v) => 3 * v + 1),
  tolerance: () => ({ atol: 1e-6, rtol: 1e-6 }),
};
