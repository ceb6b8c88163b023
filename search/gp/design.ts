/**
 * Space-filling initial designs over a finite set of legal candidates.
 *
 * @module
 */

/** Options of {@linkcode latinHypercubeDesign}. */
export interface LatinHypercubeOptions {
  /**
   * Number of Latin hypercubes drawn; the one whose picks lie farthest apart (maximin) wins.
   * @default {5}
   */
  readonly tries?: number;
  /**
   * Candidate indices that must not be picked (already evaluated).
   * @default {new Set()}
   */
  readonly exclude?: ReadonlySet<number>;
}

function squaredDistance(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let k = 0; k < a.length; k++) {
    const d = a[k]! - b[k]!;
    sum += d * d;
  }
  return sum;
}

/**
 * Picks `count` distinct candidates spread like a Latin hypercube: draws `count` stratified points
 * of [0, 1]^d (each axis cut into `count` slices, one point per slice, slices shuffled
 * independently), then takes for each point the nearest candidate not taken yet. Of `tries`
 * such designs, keeps the one with the largest minimum distance between its picks.
 * Returns indices into `candidates` (fewer than `count` when fewer are available).
 *
 * @example Five picks out of a 10 × 10 grid, all distinct
 * ```ts
 * import { latinHypercubeDesign } from "./design.ts";
 * import { seededRandom } from "../../core/random.ts";
 * const grid: Float64Array[] = [];
 * for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) grid.push(new Float64Array([i / 9, j / 9]));
 * const picks = latinHypercubeDesign(grid, 5, seededRandom(1));
 * console.log(new Set(picks).size); // 5
 * ```
 */
export function latinHypercubeDesign(
  candidates: readonly Float64Array[],
  count: number,
  random: () => number,
  options: LatinHypercubeOptions = {},
): number[] {
  const { tries = 5, exclude = new Set<number>() } = options;
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`'count' must be a non-negative integer: current value is ${count}`);
  }
  if (!Number.isInteger(tries) || tries < 1) {
    throw new RangeError(`'tries' must be a positive integer: current value is ${tries}`);
  }
  const available: number[] = [];
  for (let i = 0; i < candidates.length; i++) if (!exclude.has(i)) available.push(i);
  if (count === 0 || available.length === 0) return [];
  if (available.length <= count) return available;
  const d = candidates[available[0]!]!.length;
  let best: number[] = [];
  let bestScore = -1;
  for (let attempt = 0; attempt < tries; attempt++) {
    const axes: number[][] = [];
    for (let k = 0; k < d; k++) {
      const slices = Array.from({ length: count }, (_, i) => i);
      for (let i = count - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [slices[i], slices[j]] = [slices[j]!, slices[i]!];
      }
      axes.push(slices);
    }
    const taken = new Set<number>();
    const picks: number[] = [];
    const point = new Float64Array(d);
    for (let i = 0; i < count; i++) {
      for (let k = 0; k < d; k++) point[k] = (axes[k]![i]! + random()) / count;
      let nearest = -1;
      let nearestDistance = Infinity;
      for (const index of available) {
        if (taken.has(index)) continue;
        const dist = squaredDistance(point, candidates[index]!);
        if (dist < nearestDistance) [nearest, nearestDistance] = [index, dist];
      }
      taken.add(nearest);
      picks.push(nearest);
    }
    let score = Infinity;
    for (let i = 1; i < picks.length; i++) {
      for (let j = 0; j < i; j++) {
        score = Math.min(score, squaredDistance(candidates[picks[i]!]!, candidates[picks[j]!]!));
      }
    }
    if (score > bestScore) [best, bestScore] = [picks, score];
  }
  return best;
}
