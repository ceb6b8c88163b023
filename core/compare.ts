/**
 * Comparison of a kernel's output with its float64 reference.
 *
 * @module
 */
import type { Tolerance } from "./types.ts";

/** The outcome of {@linkcode compareToReference}. */
export interface Comparison {
  /** True when every element is within tolerance and finite where the reference is. */
  readonly ok: boolean;
  /** Largest absolute error. */
  readonly maxAbsError: number;
  /** Index of the first element out of tolerance, or -1. */
  readonly firstBadIndex: number;
  /** Number of elements out of tolerance. */
  readonly badCount: number;
}

/**
 * Checks `|actual - expected| <= atol + rtol * |expected|` element-wise; NaN or a length mismatch
 * fails.
 *
 * @example
 * ```ts
 * import { compareToReference } from "@wgtune/wgtune/tuner";
 * const r = compareToReference(new Float32Array([1, 2.0001]), new Float64Array([1, 2]), { atol: 1e-3, rtol: 1e-3 });
 * console.log(r.ok); // true
 * ```
 */
export function compareToReference(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: Tolerance,
): Comparison {
  if (actual.length !== expected.length) {
    return { ok: false, maxAbsError: Infinity, firstBadIndex: 0, badCount: expected.length };
  }
  let maxAbsError = 0;
  let firstBadIndex = -1;
  let badCount = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    const error = Math.abs(a - e);
    const bad = !(error <= tolerance.atol + tolerance.rtol * Math.abs(e)) && !(a === e);
    if (bad) {
      badCount++;
      if (firstBadIndex < 0) firstBadIndex = i;
    }
    if (error > maxAbsError || Number.isNaN(error)) {
      maxAbsError = Number.isNaN(error) ? Infinity : error;
    }
  }
  return { ok: badCount === 0, maxAbsError, firstBadIndex, badCount };
}
