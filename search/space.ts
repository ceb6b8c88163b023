/**
 * Helpers over a {@linkcode SearchSpace}: enumeration, keys, seeded sampling.
 *
 * @module
 */
import type { Config, ParamValue, SearchSpace } from "../kernels/types.ts";

/**
 * A stable string key of a config: its entries sorted by name.
 *
 * @example
 * ```ts
 * import { configKey } from "@wgtune/wgtune";
 * console.log(configKey({ b: 2, a: "x" })); // "a=x,b=2"
 * ```
 */
export function configKey(config: Config): string {
  return Object.keys(config).sort().map((name) => `${name}=${config[name]}`).join(",");
}

/**
 * Every config of the raw space (cartesian product) in grid order, legal or not.
 *
 * @example
 * ```ts
 * import { enumerateAll } from "@wgtune/wgtune";
 * const all = [...enumerateAll({ params: [{ name: "x", values: [1, 2] }], isValid: () => true })];
 * console.log(all.length); // 2
 * ```
 */
export function* enumerateAll(space: SearchSpace): Generator<Config> {
  const { params } = space;
  const index = new Array<number>(params.length).fill(0);
  if (params.some((p) => p.values.length === 0)) return;
  while (true) {
    const config: Record<string, ParamValue> = {};
    params.forEach((p, i) => config[p.name] = p.values[index[i]!]!);
    yield config;
    let i = params.length - 1;
    while (i >= 0) {
      index[i]! += 1;
      if (index[i]! < params[i]!.values.length) break;
      index[i] = 0;
      i -= 1;
    }
    if (i < 0) return;
  }
}

/**
 * Every legal config of the space, in grid order.
 *
 * @example
 * ```ts
 * import { enumerateValid } from "@wgtune/wgtune";
 * const space = { params: [{ name: "x", values: [1, 2, 3] }], isValid: (c: { x?: unknown }) => c.x !== 2 };
 * console.log([...enumerateValid(space)].map((c) => c.x)); // [1, 3]
 * ```
 */
export function* enumerateValid(space: SearchSpace): Generator<Config> {
  for (const config of enumerateAll(space)) if (space.isValid(config)) yield config;
}

/** Number of configs in the raw (unrestricted) space. */
export function rawSize(space: SearchSpace): number {
  return space.params.reduce((n, p) => n * p.values.length, 1);
}

/**
 * A small, fast, seeded pseudo-random generator (mulberry32) returning floats in [0, 1).
 *
 * @example
 * ```ts
 * import { seededRandom } from "@wgtune/wgtune";
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
 * import { seededRandom, shuffle } from "@wgtune/wgtune";
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
