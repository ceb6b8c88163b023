/**
 * Derivative-free minimization by the Nelder–Mead simplex method.
 *
 * @module
 */

/** Options of {@linkcode nelderMead}. */
export interface NelderMeadOptions {
  /**
   * Maximum number of objective evaluations.
   * @default {200}
   */
  readonly maxEvaluations?: number;
  /**
   * Size of the initial simplex: each vertex moves one coordinate of the start by this much.
   * @default {0.5}
   */
  readonly step?: number;
  /**
   * Stops when the objective values of the simplex span less than this.
   * @default {1e-6}
   */
  readonly tolerance?: number;
}

/** The best point found. */
export interface NelderMeadResult {
  /** Best point. */
  readonly x: Float64Array;
  /** Objective value at `x`. */
  readonly value: number;
  /** Objective evaluations spent. */
  readonly evaluations: number;
}

/**
 * Minimizes `f` from `start` with the adaptive Nelder–Mead method (Gao and Han's dimension-dependent
 * coefficients). Non-finite objective values count as `+Infinity`.
 *
 * @example Minimize a shifted quadratic
 * ```ts
 * import { nelderMead } from "./nelder_mead.ts";
 * const { x } = nelderMead((p) => (p[0]! - 1) ** 2 + (p[1]! + 2) ** 2, [0, 0], { maxEvaluations: 400 });
 * console.log([...x].map((v) => v.toFixed(2))); // ["1.00", "-2.00"]
 * ```
 */
export function nelderMead(
  f: (x: Float64Array) => number,
  start: ArrayLike<number>,
  options: NelderMeadOptions = {},
): NelderMeadResult {
  const { maxEvaluations = 200, step = 0.5, tolerance = 1e-6 } = options;
  const d = start.length;
  if (d === 0) throw new RangeError(`'start' must not be empty: current length is 0`);
  if (!Number.isInteger(maxEvaluations) || maxEvaluations < 1) {
    throw new RangeError(
      `'maxEvaluations' must be a positive integer: current value is ${maxEvaluations}`,
    );
  }
  if (!(step > 0)) throw new RangeError(`'step' must be positive: current value is ${step}`);
  const alpha = 1;
  const beta = 1 + 2 / d;
  const gamma = 0.75 - 1 / (2 * d);
  const delta = 1 - 1 / d;
  let evaluations = 0;
  const value = (x: Float64Array): number => {
    evaluations++;
    const v = f(x);
    return Number.isNaN(v) ? Infinity : v;
  };
  const simplex: Float64Array[] = [];
  const values: number[] = [];
  for (let i = 0; i <= d; i++) {
    const x = Float64Array.from(start);
    if (i > 0) x[i - 1]! += step;
    simplex.push(x);
    values.push(value(x));
  }
  const order = simplex.map((_, i) => i);
  const centroid = new Float64Array(d);
  const along = (t: number): Float64Array => {
    const worst = simplex[order[d]!]!;
    const x = new Float64Array(d);
    for (let k = 0; k < d; k++) x[k] = centroid[k]! + t * (centroid[k]! - worst[k]!);
    return x;
  };
  while (evaluations < maxEvaluations) {
    order.sort((a, b) => values[a]! - values[b]!);
    const best = order[0]!;
    const worst = order[d]!;
    if (Math.abs(values[worst]! - values[best]!) < tolerance) break;
    centroid.fill(0);
    for (let i = 0; i < d; i++) {
      const x = simplex[order[i]!]!;
      for (let k = 0; k < d; k++) centroid[k]! += x[k]! / d;
    }
    const reflected = along(alpha);
    const fr = value(reflected);
    const secondWorst = values[order[d - 1]!]!;
    if (fr < values[best]!) {
      const expanded = along(alpha * beta);
      const fe = value(expanded);
      if (fe < fr) [simplex[worst], values[worst]] = [expanded, fe];
      else [simplex[worst], values[worst]] = [reflected, fr];
      continue;
    }
    if (fr < secondWorst) {
      [simplex[worst], values[worst]] = [reflected, fr];
      continue;
    }
    const outside = fr < values[worst]!;
    const contracted = along(outside ? alpha * gamma : -gamma);
    const fc = value(contracted);
    if (outside ? fc <= fr : fc < values[worst]!) {
      [simplex[worst], values[worst]] = [contracted, fc];
      continue;
    }
    const bestX = simplex[best]!;
    for (let i = 1; i <= d; i++) {
      const index = order[i]!;
      const x = simplex[index]!;
      for (let k = 0; k < d; k++) x[k] = bestX[k]! + delta * (x[k]! - bestX[k]!);
      values[index] = value(x);
    }
  }
  let best = 0;
  for (let i = 1; i <= d; i++) if (values[i]! < values[best]!) best = i;
  return { x: simplex[best]!, value: values[best]!, evaluations };
}
