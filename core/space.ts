/**
 * Helpers over a {@linkcode SearchSpace}: enumeration, keys, restriction.
 *
 * @module
 */
import type { Config, ParamSpec, ParamValue, SearchSpace } from "./types.ts";

/**
 * A stable string key of a config: its entries sorted by name.
 *
 * @example
 * ```ts
 * import { configKey } from "./space.ts";
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
 * import { enumerateAll } from "./space.ts";
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
 * import { enumerateValid } from "./space.ts";
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
 * The subspace where each named parameter takes only the given values (the other parameters
 * keep theirs; legality still comes from `space.isValid`). Throws a `RangeError` naming an
 * unknown parameter or a value the space does not list.
 *
 * @example Only vector width 4
 * ```ts
 * import { enumerateValid, restrictSpace } from "./space.ts";
 * const space = {
 *   params: [{ name: "tile", values: [8, 16] }, { name: "vec", values: [1, 4] }],
 *   isValid: () => true,
 * };
 * console.log([...enumerateValid(restrictSpace(space, { vec: [4] }))]);
 * // [{ tile: 8, vec: 4 }, { tile: 16, vec: 4 }]
 * ```
 */
export function restrictSpace(
  space: SearchSpace,
  fixed: Readonly<Record<string, readonly ParamValue[]>>,
): SearchSpace {
  for (const [name, values] of Object.entries(fixed)) {
    const param = space.params.find((p) => p.name === name);
    if (!param) {
      throw new RangeError(
        `unknown parameter '${name}': the space has ${space.params.map((p) => p.name).join(", ")}`,
      );
    }
    for (const value of values) {
      if (!param.values.includes(value)) {
        throw new RangeError(
          `'${name}' must be one of ${param.values.join(", ")}: current value is ${value}`,
        );
      }
    }
  }
  const entries = Object.entries(fixed);
  return {
    params: space.params.map((p) => ({ name: p.name, values: fixed[p.name] ?? p.values })),
    isValid: (config: Config) =>
      space.isValid(config) &&
      entries.every(([name, values]) => values.includes(config[name] as ParamValue)),
  };
}

/**
 * Parses `name=v1|v2` (a parameter and the values it may take, as `--fix` options write it) into
 * the name and the values, typed like the space's. Throws a `RangeError` for a malformed text, an
 * unknown parameter or a value the space does not list.
 *
 * @example
 * ```ts
 * import { parseFixSpec } from "./space.ts";
 * const params = [{ name: "vec", values: [1, 2, 4] }];
 * console.log(parseFixSpec("vec=2|4", params)); // ["vec", [2, 4]]
 * ```
 */
export function parseFixSpec(
  text: string,
  params: readonly ParamSpec[],
): [string, ParamValue[]] {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(text);
  if (!match) throw new RangeError(`--fix must look like name=value[|value...]: got "${text}"`);
  const [, name, list] = match as unknown as [string, string, string];
  const param = params.find((p) => p.name === name);
  if (!param) {
    throw new RangeError(
      `--fix names an unknown parameter "${name}"; the space has ${
        params.map((p) => p.name).join(", ")
      }`,
    );
  }
  const values = list.split("|").map((raw) => {
    const value = param.values.find((v) => String(v) === raw);
    if (value === undefined) {
      throw new RangeError(
        `--fix ${name}: "${raw}" is not among the space's values ${param.values.join(", ")}`,
      );
    }
    return value;
  });
  return [name, values];
}
