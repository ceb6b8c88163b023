/**
 * Search spaces and strategies: enumerate and restrict a space, the `grid`, `random` and `bayes`
 * strategies behind one interface (`SearchStrategy`), their registry, and replay fixtures that
 * test a strategy without a GPU.
 *
 * @example Run the grid strategy over a tiny space
 * ```ts
 * import type { SearchSpace } from "@wgtune/wgtune/kernels";
 * import { gridSearch } from "@wgtune/wgtune/search";
 * const space: SearchSpace = {
 *   params: [{ name: "x", values: [1, 2, 4] }],
 *   isValid: () => true,
 * };
 * const seen: unknown[] = [];
 * await gridSearch.search(space, (config) => {
 *   seen.push(config.x);
 *   return Promise.resolve({ config, status: "ok", timeMs: 1 / (config.x as number) });
 * }, { seed: 1, maxEvals: 8 });
 * console.log(seen); // [1, 2, 4]
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "../core/space.ts";
export * from "../core/random.ts";
export * from "./grid.ts";
export * from "./random.ts";
export * from "./bayes.ts";
export * from "./registry.ts";
export * from "./replay.ts";
