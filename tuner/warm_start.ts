/**
 * Warm start: prior observations for a model-based strategy, taken from cached trials of the same
 * kernel (and kernel version) on the nearest other problem measured on the same device.
 *
 * @module
 */
import type { CacheEntry } from "../cache/mod.ts";
import type { Evaluation } from "../search/types.ts";

/**
 * Distance between two problems of one family: the sum over numeric fields of |log2 a − log2 b|.
 * Problems that differ in a non-numeric field (dtype, layout, flags) are incomparable (Infinity).
 *
 * @example
 * ```ts
 * import { problemDistance } from "@wgtune/wgtune/tuner";
 * console.log(problemDistance({ m: 256, dtype: "f32" }, { m: 512, dtype: "f32" })); // 1
 * ```
 */
export function problemDistance(a: unknown, b: unknown): number {
  if (!a || !b || typeof a !== "object" || typeof b !== "object") return Infinity;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  let distance = 0;
  for (const key of keys) {
    const x = left[key];
    const y = right[key];
    if (typeof x === "number" && typeof y === "number" && x > 0 && y > 0) {
      distance += Math.abs(Math.log2(x) - Math.log2(y));
    } else if (JSON.stringify(x) !== JSON.stringify(y)) {
      return Infinity;
    }
  }
  return distance;
}

/**
 * Prior evaluations from the cached entry nearest to `problem` (same kernel and version, another
 * problem key, at most `maxDistance` apart), or `[]` when there is none.
 *
 * @example
 * ```ts
 * import { nearestPrior } from "@wgtune/wgtune/tuner";
 * console.log(nearestPrior("matmul", 1, "k1", { m: 8 }, []).length); // 0
 * ```
 */
export function nearestPrior(
  kernel: string,
  kernelVersion: number,
  problemKey: string,
  problem: unknown,
  entries: readonly CacheEntry[],
  maxDistance = 6,
): Evaluation[] {
  let nearest: CacheEntry | undefined;
  let nearestDistance = Infinity;
  for (const entry of entries) {
    if (entry.kernel !== kernel || entry.kernelVersion !== kernelVersion) continue;
    if (entry.problemKey === problemKey) continue;
    const distance = problemDistance(problem, entry.problem);
    if (distance < nearestDistance) {
      nearest = entry;
      nearestDistance = distance;
    }
  }
  if (!nearest || nearestDistance > maxDistance) return [];
  return nearest.trials.map((trial) => ({
    config: trial.config,
    status: trial.status,
    timeMs: trial.status === "ok" && trial.timeMs !== null ? trial.timeMs : Infinity,
  }));
}
