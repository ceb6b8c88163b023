/**
 * The matmul family's CLI shape format: `MxNxK` or `BxMxNxK`.
 *
 * @module
 */
import { describeList } from "../../core/describe.ts";
import { type MatmulProblem, normalizeMatmulProblem } from "./problem.ts";

const SHAPE = /^\s*(\d+)x(\d+)x(\d+)(?:x(\d+))?\s*$/;

/**
 * Parses a CLI shape: `"MxNxK"` or `"BxMxNxK"` (for example `"512x512x512"`, `"3x129x65x257"`),
 * with an optional dtype (`"f32"` when omitted). Throws a `RangeError` quoting the offending text.
 *
 * @example Parse a batched shape
 * ```ts
 * import { parseMatmulShape } from "./parse_shape.ts";
 * const p = parseMatmulShape("3x129x65x257", "f16");
 * console.log(p.batch, p.m, p.n, p.k, p.dtype); // 3 129 65 257 "f16"
 * ```
 */
export function parseMatmulShape(shape: string, dtype?: string): MatmulProblem {
  if (typeof shape !== "string") {
    throw new TypeError(`'shape' must be a string: current value is ${describeList(shape)}`);
  }
  const match = SHAPE.exec(shape);
  if (!match) {
    throw new RangeError(
      `'shape' must be MxNxK or BxMxNxK with positive integers: current value is '${shape}'`,
    );
  }
  const numbers = match.slice(1).filter((s) => s !== undefined).map(Number);
  const [batch, m, n, k] = numbers.length === 4 ? numbers : [1, ...numbers];
  for (const [name, value] of [["batch", batch], ["m", m], ["n", n], ["k", k]] as const) {
    if (!Number.isSafeInteger(value) || value! < 1) {
      throw new RangeError(
        `'shape' must be MxNxK or BxMxNxK with positive integers: '${name}' is ${value} in '${shape}'`,
      );
    }
  }
  return normalizeMatmulProblem({ m, n, k, batch, dtype: dtype ?? "f32" });
}
