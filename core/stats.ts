/**
 * Small statistics over timing samples.
 *
 * @module
 */

/**
 * The q-quantile (0..1) of samples, by linear interpolation between order statistics.
 *
 * @example
 * ```ts
 * import { quantile } from "@wgtune/wgtune/tuner";
 * console.log(quantile([4, 1, 3, 2], 0.5)); // 2.5
 * ```
 */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const position = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const weight = position - lower;
  return sorted[lower]! * (1 - weight) + sorted[upper]! * weight;
}

/**
 * The median of samples (the mean of the middle two when their count is even); `NaN` for none.
 *
 * @example
 * ```ts
 * import { median } from "./stats.ts";
 * console.log(median([4, 1, 3, 2])); // 2.5
 * ```
 */
export function median(samples: readonly number[]): number {
  return quantile(samples, 0.5);
}

/** Median, 20th and 80th percentiles of timing samples in ms. */
export interface TimingSummary {
  /** Median, ms. */
  readonly medianMs: number;
  /** 20th percentile, ms. */
  readonly p20Ms: number;
  /** 80th percentile, ms. */
  readonly p80Ms: number;
  /** Number of samples. */
  readonly samples: number;
}

/**
 * Summarizes samples as median with 20th/80th percentiles.
 *
 * @example
 * ```ts
 * import { summarizeTimings } from "@wgtune/wgtune/tuner";
 * console.log(summarizeTimings([1, 2, 3]).medianMs); // 2
 * ```
 */
export function summarizeTimings(samples: readonly number[]): TimingSummary {
  return {
    medianMs: median(samples),
    p20Ms: quantile(samples, 0.2),
    p80Ms: quantile(samples, 0.8),
    samples: samples.length,
  };
}
