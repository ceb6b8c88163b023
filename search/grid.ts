/**
 * Grid search: every legal config once, in the space's order.
 *
 * @module
 */
import { enumerateValid } from "../core/space.ts";
import type { SearchStrategy } from "./types.ts";

/**
 * Exhaustive search over the restricted space.
 *
 * @example
 * ```ts
 * import { gridSearch } from "@wgtune/wgtune/search";
 * const seen: unknown[] = [];
 * await gridSearch.search(
 *   { params: [{ name: "x", values: [1, 2] }], isValid: () => true },
 *   (config) => { seen.push(config.x); return Promise.resolve({ config, status: "ok", timeMs: 1 }); },
 *   { seed: 0, maxEvals: 10 },
 * );
 * console.log(seen); // [1, 2]
 * ```
 */
export const gridSearch: SearchStrategy = {
  name: "grid",
  async search(space, evaluate) {
    for (const config of enumerateValid(space)) await evaluate(config);
  },
};
