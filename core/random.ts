/**
 * Seeded pseudo-random numbers, so that inputs and searches can be replayed exactly.
 *
 * @module
 */

/**
 * A small, fast, seeded pseudo-random generator (mulberry32) returning floats in [0, 1).
 *
 * @example
 * ```ts
 * import { seededRandom } from "./random.ts";
 * const rand = seededRandom(42);
 * console.log(rand() === seededRandom(42)()); // true
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Shuffles an array in place with a seeded generator (Fisher-Yates) and returns it.
 *
 * @example
 * ```ts
 * import { seededRandom, shuffle } from "./random.ts";
 * console.log(shuffle([1, 2, 3], seededRandom(1)).length); // 3
 * ```
 */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
