/**
 * Encodes configs as points of the unit cube, the input space of the Gaussian process.
 *
 * - A numeric parameter whose values are all powers of two (1, 2, 4, ... or 0.5, 1, ...) is put on
 *   a log2 scale, then min-max normalized to [0, 1]: 8 → 16 is as far as 64 → 128.
 * - Any other numeric parameter is min-max normalized to [0, 1].
 * - A boolean parameter is one column, 0 for `false` and 1 for `true` (its own one-hot code).
 * - Any other parameter (strings, mixed types) is categorical: one-hot, one column per value,
 *   scaled by 1/√2 so that two different values lie at distance 1, like the ends of a numeric one.
 * - A parameter with a single value carries no information and gets no column.
 *
 * Each column belongs to a group, the index of its parameter among the encoded parameters, so that
 * a kernel can give every parameter its own length scale (ARD) even when it spans several columns.
 *
 * @module
 */
import type { Config, ParamSpec, ParamValue } from "../../core/types.ts";

/** How one parameter is encoded. */
export type ParamEncoding = "log2" | "linear" | "boolean" | "one-hot";

/** An encoder from configs of one parameter list to points of [0, 1]^dimensions. */
export interface Encoder {
  /** Number of columns of an encoded config. */
  readonly dimensions: number;
  /** Names of the encoded parameters (single-valued ones are left out), one group each. */
  readonly groupNames: readonly string[];
  /** For every column, the index of its group in {@linkcode Encoder.groupNames}. */
  readonly groups: Int32Array;
  /** The encoding chosen for each parameter of {@linkcode Encoder.groupNames}. */
  readonly kinds: readonly ParamEncoding[];
  /** Encodes a config; throws a `RangeError` for a value outside its parameter's list. */
  encode(config: Config): Float64Array;
  /**
   * One coordinate in (0, 1) per group: the value's rank among its parameter's `k` values,
   * `(i + 0.5) / k` (numbers in increasing order, `false` before `true`, other values as listed),
   * so that every value owns an equal slice of the axis. Used to spread an initial design.
   */
  unit(config: Config): Float64Array;
}

interface ParamCodec {
  readonly name: string;
  readonly kind: ParamEncoding;
  readonly offset: number;
  readonly width: number;
  /** value → (column offset within the block, column value) and unit coordinate */
  readonly lookup: Map<
    ParamValue,
    { readonly column: number; readonly x: number; readonly u: number }
  >;
}

function isPowerOfTwo(value: number): boolean {
  if (!(value > 0) || !Number.isFinite(value)) return false;
  const exponent = Math.log2(value);
  return Math.abs(exponent - Math.round(exponent)) < 1e-9;
}

function describe(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : String(value);
}

/**
 * Builds the encoder of a parameter list. Throws a `TypeError` when a parameter name repeats or a
 * value list is empty or holds a value twice.
 *
 * @example Encode a log2 parameter, a linear one and a categorical one
 * ```ts
 * import { createEncoder } from "./encoding.ts";
 * const encoder = createEncoder([
 *   { name: "tile", values: [8, 16, 32, 64, 128] },
 *   { name: "unroll", values: [1, 2, 3] },
 *   { name: "variant", values: ["naive", "shared"] },
 * ]);
 * console.log(encoder.kinds); // ["log2", "linear", "one-hot"]
 * console.log([...encoder.encode({ tile: 32, unroll: 3, variant: "naive" })].map((x) => x.toFixed(3)));
 * // ["0.500", "1.000", "0.707", "0.000"]
 * ```
 */
export function createEncoder(params: readonly ParamSpec[]): Encoder {
  const codecs: ParamCodec[] = [];
  const seen = new Set<string>();
  let offset = 0;
  for (const param of params) {
    if (seen.has(param.name)) {
      throw new TypeError(`'params' names '${param.name}' twice`);
    }
    seen.add(param.name);
    const values = param.values;
    if (values.length === 0) {
      throw new TypeError(`'params' entry '${param.name}' has no values`);
    }
    if (new Set(values).size !== values.length) {
      throw new TypeError(
        `'params' entry '${param.name}' repeats a value: ${values.map(describe).join(", ")}`,
      );
    }
    if (values.length === 1) continue;
    const lookup: ParamCodec["lookup"] = new Map();
    let kind: ParamEncoding;
    let width = 1;
    if (values.every((v) => typeof v === "number" && Number.isFinite(v))) {
      const numbers = values as readonly number[];
      kind = numbers.every(isPowerOfTwo) ? "log2" : "linear";
      const scaled = numbers.map((v) => kind === "log2" ? Math.log2(v) : v);
      const lo = Math.min(...scaled);
      const hi = Math.max(...scaled);
      const sorted = [...numbers].sort((a, b) => a - b);
      numbers.forEach((v, i) => {
        const x = (scaled[i]! - lo) / (hi - lo);
        lookup.set(v, { column: 0, x, u: (sorted.indexOf(v) + 0.5) / numbers.length });
      });
    } else if (values.every((v) => typeof v === "boolean")) {
      kind = "boolean";
      lookup.set(false, { column: 0, x: 0, u: 0.25 });
      lookup.set(true, { column: 0, x: 1, u: 0.75 });
    } else {
      kind = "one-hot";
      width = values.length;
      values.forEach((v, i) =>
        lookup.set(v, { column: i, x: Math.SQRT1_2, u: (i + 0.5) / values.length })
      );
    }
    codecs.push({ name: param.name, kind, offset, width, lookup });
    offset += width;
  }
  const dimensions = offset;
  const groups = new Int32Array(dimensions);
  codecs.forEach((codec, g) => groups.fill(g, codec.offset, codec.offset + codec.width));

  function entry(codec: ParamCodec, config: Config) {
    const value = config[codec.name];
    const found = value === undefined ? undefined : codec.lookup.get(value);
    if (!found) {
      throw new RangeError(
        `'config' has ${codec.name}=${describe(value)}, which is not one of the parameter's values`,
      );
    }
    return found;
  }

  return {
    dimensions,
    groupNames: codecs.map((c) => c.name),
    groups,
    kinds: codecs.map((c) => c.kind),
    encode(config) {
      const x = new Float64Array(dimensions);
      for (const codec of codecs) {
        const found = entry(codec, config);
        x[codec.offset + found.column] = found.x;
      }
      return x;
    },
    unit(config) {
      const u = new Float64Array(codecs.length);
      codecs.forEach((codec, g) => u[g] = entry(codec, config).u);
      return u;
    },
  };
}
