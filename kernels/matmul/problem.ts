/**
 * The matmul problem: `C[batch, m, n] = A[batch, m, k] · B[batch, k, n] (+ bias[n])`, then an
 * optional ReLU, all row-major. Validation, defaults, CLI shape parsing and the tuning key.
 *
 * @module
 */
import { assertKnownFields, positiveInteger } from "../../core/checks.ts";
import { describeList } from "../../core/describe.ts";

/**
 * Element type of a matmul's inputs and output.
 *
 * @example
 * ```ts
 * import type { MatmulDtype } from "./problem.ts";
 * const dtype: MatmulDtype = "f16";
 * ```
 */
export type MatmulDtype = "f32" | "f16";

/**
 * Epilogue applied after the optional bias.
 *
 * @example
 * ```ts
 * import type { MatmulActivation } from "./problem.ts";
 * const activation: MatmulActivation = "relu";
 * ```
 */
export type MatmulActivation = "none" | "relu";

/**
 * A normalized matmul problem: every field present and validated (see
 * {@linkcode normalizeMatmulProblem} for the defaults).
 *
 * @example A batched f16 problem with fused bias and ReLU
 * ```ts
 * import type { MatmulProblem } from "./problem.ts";
 * const problem: MatmulProblem = {
 *   m: 128, n: 64, k: 256, batch: 4, dtype: "f16", bias: true, activation: "relu",
 * };
 * ```
 */
export interface MatmulProblem {
  /** Rows of A and C. */
  readonly m: number;
  /** Columns of B and C. */
  readonly n: number;
  /** Columns of A, rows of B (the reduction length). */
  readonly k: number;
  /** Number of independent matrix products (A, B and C are batched; bias is shared). */
  readonly batch: number;
  /** Storage type of A, B, bias and C. f16 needs the device's `shader-f16` feature. */
  readonly dtype: MatmulDtype;
  /** Whether a bias vector of length n is added to every row of C. */
  readonly bias: boolean;
  /** Activation applied after the bias. */
  readonly activation: MatmulActivation;
}

const DTYPES: readonly MatmulDtype[] = ["f32", "f16"];
const ACTIVATIONS: readonly MatmulActivation[] = ["none", "relu"];
const FIELDS = ["m", "n", "k", "batch", "dtype", "bias", "activation"];

/**
 * Validates a matmul problem and fills its defaults (`batch = 1`, `dtype = "f32"`,
 * `bias = false`, `activation = "none"`). Throws a `TypeError` or `RangeError` naming the bad
 * field and its value; unknown fields are rejected so that typos do not go unnoticed.
 *
 * @example Fill defaults
 * ```ts
 * import { normalizeMatmulProblem } from "./problem.ts";
 * const p = normalizeMatmulProblem({ m: 64, n: 32, k: 16 });
 * console.log(p.batch, p.dtype, p.bias, p.activation); // 1 "f32" false "none"
 * ```
 */
export function normalizeMatmulProblem(problem: unknown): MatmulProblem {
  assertKnownFields("problem", problem, FIELDS);
  const p = problem;
  const m = positiveInteger("m", p.m);
  const n = positiveInteger("n", p.n);
  const k = positiveInteger("k", p.k);
  const batch = p.batch === undefined ? 1 : positiveInteger("batch", p.batch);
  const dtype = p.dtype ?? "f32";
  if (!DTYPES.includes(dtype as MatmulDtype)) {
    throw new RangeError(`'dtype' must be f32 or f16: current value is ${describeList(dtype)}`);
  }
  const bias = p.bias ?? false;
  if (typeof bias !== "boolean") {
    throw new TypeError(`'bias' must be a boolean: current value is ${describeList(bias)}`);
  }
  const activation = p.activation ?? "none";
  if (!ACTIVATIONS.includes(activation as MatmulActivation)) {
    throw new RangeError(
      `'activation' must be none or relu: current value is ${describeList(activation)}`,
    );
  }
  return {
    m,
    n,
    k,
    batch,
    dtype: dtype as MatmulDtype,
    bias,
    activation: activation as MatmulActivation,
  };
}

/**
 * The tuning key of a problem: dtype, batch and sizes, plus `_bias` / `_relu` when present.
 *
 * @example Key of a plain and of a fused problem
 * ```ts
 * import { matmulProblemKey, normalizeMatmulProblem } from "./problem.ts";
 * console.log(matmulProblemKey(normalizeMatmulProblem({ m: 512, n: 512, k: 512 })));
 * // "f32_b1_m512_n512_k512"
 * const fused = normalizeMatmulProblem({ m: 8, n: 8, k: 8, bias: true, activation: "relu" });
 * console.log(matmulProblemKey(fused)); // "f32_b1_m8_n8_k8_bias_relu"
 * ```
 */
export function matmulProblemKey(problem: MatmulProblem): string {
  const { dtype, batch, m, n, k, bias, activation } = problem;
  return `${dtype}_b${batch}_m${m}_n${n}_k${k}${bias ? "_bias" : ""}` +
    (activation === "none" ? "" : `_${activation}`);
}

/**
 * Floating-point operations of one run: `2·batch·m·n·k` (bias and activation are not counted).
 *
 * @example FLOPs of a batched problem
 * ```ts
 * import { matmulFlops, normalizeMatmulProblem } from "./problem.ts";
 * console.log(matmulFlops(normalizeMatmulProblem({ m: 2, n: 3, k: 4, batch: 5 }))); // 240
 * ```
 */
export function matmulFlops(problem: MatmulProblem): number {
  return 2 * problem.batch * problem.m * problem.n * problem.k;
}
