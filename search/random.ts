/**
 * Random search: legal configs in a seeded random order, without repeats.
 *
 * @module
 */
import { enumerateValid } from "../core/space.ts";
import { seededRandom, shuffle } from "../core/random.ts";
import type { SearchStrategy } from "./types.ts";

/**
 * Seeded random sampling of the restricted space without replacement.
 *
 * @example
 * ```ts
 * import { randomSearch } from "@wgtune/wgtune/search";
 * const seen: unknown[] = [];
 * await randomSearch.search(
 *   { params: [{ name: "x", values: [1, 2, 3] }], isValid: () => true },
 *   (config) => { seen.push(config.x); return Promise.resolve({ config, status: "ok", timeMs: 1 }); },
 *   { seed: 7, maxEvals: 10 },
 * );
 * console.log(seen.length); // 3
 * ```
 */
export const randomSearch: SearchStrategy = {
  name: "random",
  async search(space, evaluate, { seed }) {
    const order = shuffle([...enumerateValid(space)], seededRandom(seed));
    for (const config of order) await evaluate(config);
  },
};
