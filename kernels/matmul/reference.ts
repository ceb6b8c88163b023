/**
 * Inputs, float64 CPU reference and comparison tolerance of a matmul problem.
 *
 * @module
 */
import { seededRandom } from "../../core/random.ts";
import type { HostTensor, Tolerance } from "../types.ts";
import type { MatmulProblem } from "./problem.ts";

/**
 * Deterministic pseudo-random inputs `a`, `b` (and `bias` when the problem has one), uniform in
 * [-1, 1); f16 problems get values already rounded to f16, exactly what the GPU will read.
 *
 * @example Inputs of a problem with bias
 * ```ts
 * import { makeMatmulInputs } from "./reference.ts";
 * import { normalizeMatmulProblem } from "./problem.ts";
 * const inputs = makeMatmulInputs(normalizeMatmulProblem({ m: 2, n: 3, k: 4, bias: true }), 7);
 * console.log(inputs.map((t) => [t.name, t.data.length])); // [["a", 8], ["b", 12], ["bias", 3]]
 * ```
 */
export function makeMatmulInputs(problem: MatmulProblem, seed: number): HostTensor[] {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`'seed' must be an integer: current value is ${seed}`);
  }
  const random = seededRandom(seed);
  const round = problem.dtype === "f16" ? Math.f16round : Math.fround;
  const fill = (length: number): Float32Array =>
    Float32Array.from({ length }, () => round(random() * 2 - 1));
  const { m, n, k, batch } = problem;
  const inputs: HostTensor[] = [
    { name: "a", data: fill(batch * m * k) },
    { name: "b", data: fill(batch * k * n) },
  ];
  if (problem.bias) inputs.push({ name: "bias", data: fill(n) });
  return inputs;
}

function input(inputs: readonly HostTensor[], name: string, elements: number): ArrayLike<number> {
  const tensor = inputs.find((t) => t.name === name);
  if (!tensor) throw new TypeError(`'inputs' must contain a tensor named '${name}'`);
  if (tensor.data.length !== elements) {
    throw new RangeError(
      `'inputs' tensor '${name}' must have ${elements} elements: it has ${tensor.data.length}`,
    );
  }
  return tensor.data;
}

/**
 * The float64 reference: a plain triple loop over the inputs' exact values, then bias and
 * activation. Independent of every GPU code path.
 *
 * @example A 2×2 product with bias and ReLU
 * ```ts
 * import { matmulReference } from "./reference.ts";
 * import { normalizeMatmulProblem } from "./problem.ts";
 * const problem = normalizeMatmulProblem({ m: 2, n: 2, k: 2, bias: true, activation: "relu" });
 * const out = matmulReference(problem, [
 *   { name: "a", data: new Float32Array([1, 2, 3, 4]) },
 *   { name: "b", data: new Float32Array([1, -1, 0, 1]) },
 *   { name: "bias", data: new Float32Array([0, -2]) },
 * ]);
 * console.log([...out]); // [1, 0, 3, 0]
 * ```
 */
export function matmulReference(
  problem: MatmulProblem,
  inputs: readonly HostTensor[],
): Float64Array {
  const { m, n, k, batch } = problem;
  const a = input(inputs, "a", batch * m * k);
  const b = input(inputs, "b", batch * k * n);
  const bias = problem.bias ? input(inputs, "bias", n) : undefined;
  const out = new Float64Array(batch * m * n);
  const row = new Float64Array(n);
  for (let p = 0; p < batch; p++) {
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let q = 0; q < k; q++) {
        const av = a[(p * m + i) * k + q]!;
        const bRow = (p * k + q) * n;
        for (let j = 0; j < n; j++) row[j]! += av * b[bRow + j]!;
      }
      for (let j = 0; j < n; j++) {
        let v = row[j]! + (bias ? bias[j]! : 0);
        if (problem.activation === "relu") v = Math.max(v, 0);
        out[(p * m + i) * n + j] = v;
      }
    }
  }
  return out;
}

/**
 * Tolerance of a kernel's output against the float64 reference. Kernels accumulate in f32
 * (unit roundoff u = 2⁻²⁴) also for f16 storage; with inputs in [-1, 1) the rounding error of a
 * sum of k + 1 terms (bias included) stays far below `u · (k + 1) · √(k + 1)` (the probabilistic
 * bound `u · √(k+1) · Σ|aᵢbᵢ|` with Σ|aᵢbᵢ| ≤ k + 1), so `atol` is twice that. The output's own
 * rounding is relative: 2u for f32, 2⁻¹⁰ (twice f16's roundoff) for f16.
 *
 * @example Tolerance of a long f16 reduction
 * ```ts
 * import { matmulTolerance } from "./reference.ts";
 * import { normalizeMatmulProblem } from "./problem.ts";
 * const t = matmulTolerance(normalizeMatmulProblem({ m: 1, n: 1, k: 1023, dtype: "f16" }));
 * console.log(t.rtol); // 0.0009765625
 * ```
 */
export function matmulTolerance(problem: MatmulProblem): Tolerance {
  const u = 2 ** -24;
  const terms = problem.k + 1;
  return {
    atol: 2 * u * terms * Math.sqrt(terms),
    rtol: problem.dtype === "f16" ? 2 ** -10 : 2 * u,
  };
}
