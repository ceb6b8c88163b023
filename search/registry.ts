/**
 * The search strategies by CLI name. Adding a strategy is one file plus one line here.
 *
 * @module
 */
import { bayesSearch } from "./bayes.ts";
import { gridSearch } from "./grid.ts";
import { randomSearch } from "./random.ts";
import type { SearchStrategy } from "./types.ts";

/**
 * Strategies by name.
 *
 * @example
 * ```ts
 * import { STRATEGIES } from "./registry.ts";
 * console.log(Object.keys(STRATEGIES)); // ["grid", "random", ...]
 * ```
 */
export const STRATEGIES: Readonly<Record<string, SearchStrategy>> = Object.freeze({
  grid: gridSearch,
  random: randomSearch,
  bayes: bayesSearch,
});

/**
 * Looks a strategy up by name; throws a `RangeError` listing the known names otherwise (inherited
 * names such as `"hasOwnProperty"` are unknown too), and a `TypeError` when `name` is not a string.
 *
 * @example
 * ```ts
 * import { getStrategy } from "./registry.ts";
 * console.log(getStrategy("grid").name); // "grid"
 * ```
 */
export function getStrategy(name: string): SearchStrategy {
  if (typeof name !== "string") {
    throw new TypeError(`'strategy' must be a string: current value is ${String(name)}`);
  }
  // Own properties only: `hasOwnProperty` or `constructor` must not reach Object.prototype.
  const strategy = Object.hasOwn(STRATEGIES, name) ? STRATEGIES[name] : undefined;
  if (!strategy) {
    throw new RangeError(
      `unknown strategy '${name}': expected one of ${Object.keys(STRATEGIES).join(", ")}`,
    );
  }
  return strategy;
}
