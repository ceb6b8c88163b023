/**
 * Expected improvement for minimization, computed in log space so that candidates far from the
 * incumbent still rank correctly when the improvement itself underflows to zero.
 *
 * @module
 */

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * `erfc(x)` via the Chebyshev fit of Numerical Recipes (`erfcc`), relative error below 1.2e-7
 * everywhere, returned as `t · exp(-x² + tail)` split so that callers can stay in log space.
 */
function erfcParts(x: number): { t: number; logTail: number } {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly = -1.26551223 +
    t * (1.00002368 +
        t * (0.37409196 +
            t * (0.09678418 +
                t * (-0.18628806 +
                    t * (0.27886807 +
                        t *
                          (-1.13520398 +
                            t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return { t, logTail: poly };
}

/**
 * The standard normal cumulative distribution function `Φ(z)`.
 *
 * @example Median and 97.5% quantile
 * ```ts
 * import { normalCdf } from "./acquisition.ts";
 * console.log(normalCdf(0).toFixed(6)); // "0.500000"
 * console.log(normalCdf(1.959964).toFixed(4)); // "0.9750"
 * ```
 */
export function normalCdf(z: number): number {
  const x = -z / Math.SQRT2;
  const { t, logTail } = erfcParts(x);
  const erfcAbs = t * Math.exp(-x * x + logTail);
  const erfc = x >= 0 ? erfcAbs : 2 - erfcAbs;
  return 0.5 * erfc;
}

/**
 * The standard normal density `φ(z)`.
 *
 * @example Density at the mean
 * ```ts
 * import { normalPdf } from "./acquisition.ts";
 * console.log(normalPdf(0).toFixed(6)); // "0.398942"
 * ```
 */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
}

/**
 * `log(z Φ(z) + φ(z))`, the log of the expected improvement of a unit normal over a threshold `z`
 * standard deviations above its mean. Stable for very negative `z` (no underflow, no cancellation).
 */
function logH(z: number): number {
  if (z > -5) {
    const h = z * normalCdf(z) + normalPdf(z);
    return Math.log(Math.max(h, Number.MIN_VALUE));
  }
  // z ≤ −5: Φ(z) = ½ erfc(|z|/√2) = ½ t e^{−z²/2 + tail}, so Φ(z)/φ(z) = ½ t √(2π) e^{tail}
  // (the Mills ratio R), and zΦ(z) + φ(z) = φ(z) (1 − |z| R).
  const { t, logTail } = erfcParts(-z / Math.SQRT2);
  const mills = 0.5 * t * Math.exp(logTail + LOG_SQRT_2PI);
  const rest = 1 - -z * mills;
  // the fit's 1.2e-7 relative error makes `rest` (about 1/z²) only roughly right; clamp it into
  // [1/(z² + 3), 1/(z² + 1)], bounds that hold for all z < 0, to keep it positive and ordered
  const safe = Math.min(Math.max(rest, 1 / (z * z + 3)), 1 / (z * z + 1));
  return -0.5 * z * z - LOG_SQRT_2PI + Math.log(safe);
}

/**
 * Log expected improvement (for minimization) of a normal posterior with mean `mean` and standard
 * deviation `sd` over the incumbent `best`, with exploration margin `xi`:
 * `log E[max(best − xi − f, 0)]`. Returns `-Infinity` when `sd` is 0 and no improvement is possible.
 *
 * @example Improvement grows with uncertainty
 * ```ts
 * import { logExpectedImprovement } from "./acquisition.ts";
 * const narrow = logExpectedImprovement(1, 0.1, 0);
 * const wide = logExpectedImprovement(1, 1, 0);
 * console.log(wide > narrow); // true
 * console.log(Math.exp(logExpectedImprovement(0, 1, 0)).toFixed(4)); // "0.3989"
 * ```
 */
export function logExpectedImprovement(mean: number, sd: number, best: number, xi = 0): number {
  const gain = best - xi - mean;
  if (!(sd > 0)) return gain > 0 ? Math.log(gain) : -Infinity;
  return Math.log(sd) + logH(gain / sd);
}
