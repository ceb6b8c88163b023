/**
 * The attention family's CLI shape format: comma-separated tokens such as
 * `B1,H8,KV2,Sq64,Skv256,D64,causal`.
 *
 * @module
 */
import { describeList } from "../../core/describe.ts";
import { type AttentionProblem, normalizeAttentionProblem } from "./problem.ts";

const INTEGER_TOKEN = /^(b|h|kv|sq|skv|s|dv|d)=?(\d+)$/;
const TOKEN_FIELDS: Readonly<Record<string, string>> = {
  b: "batch",
  h: "heads",
  kv: "kvHeads",
  sq: "seqQ",
  skv: "seqKV",
  s: "seq",
  d: "headDim",
  dv: "headDimV",
};

/**
 * Parses a CLI shape: comma-separated tokens, case-insensitive, in any order.
 *
 * - `B<n>` batch (default 1), `H<n>` heads (required), `KV<n>` kv heads (default H),
 * - `S<n>` both sequence lengths, or `Sq<n>` and `Skv<n>` (either overrides `S`),
 * - `D<n>` head size (required), `Dv<n>` head size of V (default D),
 * - `causal`, or `causal+<n>` / `causal-<n>` for a shifted diagonal (`causalOffset`),
 * - `scale<x>` (default `1/sqrt(D)`), `softcap<x>` (logit soft-capping, default none),
 * - `mask2d`, `mask4d`, or `mask<d0>x<d1>...` (a broadcastable mask shape such as `mask1x8x128x512`).
 *
 * Examples: `"B1,H8,S512,D64"`, `"B1,H8,KV2,Sq128,Skv512,D64,causal"`. Throws a `RangeError` that
 * quotes the offending token.
 *
 * @example Parse a grouped-query causal shape
 * ```ts
 * import { parseAttentionShape } from "./parse_shape.ts";
 * const p = parseAttentionShape("B1,H8,KV2,Sq128,Skv512,D64,causal", "f16");
 * console.log(p.kvHeads, p.seqQ, p.seqKV, p.causal, p.dtype); // 2 128 512 true "f16"
 * ```
 */
export function parseAttentionShape(shape: string, dtype?: string): AttentionProblem {
  if (typeof shape !== "string") {
    throw new TypeError(`'shape' must be a string: current value is ${describeList(shape)}`);
  }
  const fields: Record<string, number> = {};
  const problem: Record<string, unknown> = {};
  const seen = new Set<string>();
  const tokens = shape.split(",").map((t) => t.trim());
  for (const token of tokens) {
    const lower = token.toLowerCase();
    const integer = INTEGER_TOKEN.exec(lower);
    const causal = /^causal(?:([+-])(\d+))?$/.exec(lower);
    const scale = /^scale=?([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)$/.exec(lower);
    const softcap = /^softcap=?((?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)$/.exec(lower);
    const mask = /^mask=?(2d|4d|\d+(?:x\d+){0,3})$/.exec(lower);
    let key: string;
    if (integer) {
      key = TOKEN_FIELDS[integer[1]!]!;
      fields[key] = Number(integer[2]);
    } else if (causal) {
      key = "causal";
      problem.causal = true;
      if (causal[1]) problem.causalOffset = (causal[1] === "-" ? -1 : 1) * Number(causal[2]);
    } else if (scale) {
      key = "scale";
      problem.scale = Number(scale[1]);
    } else if (softcap) {
      key = "softcap";
      problem.softcap = Number(softcap[1]);
    } else if (mask) {
      key = "mask";
      if (mask[1] === "2d" || mask[1] === "4d") problem.mask = mask[1];
      else problem.maskShape = mask[1]!.split("x").map(Number);
    } else {
      throw new RangeError(
        `'shape' has an unknown token '${token}' in '${shape}': expected B<n>, H<n>, KV<n>, ` +
          `S<n>, Sq<n>, Skv<n>, D<n>, Dv<n>, causal[+-<n>], scale<x>, softcap<x>, mask2d, mask4d or ` +
          `mask<AxB...>`,
      );
    }
    if (seen.has(key)) {
      throw new RangeError(`'shape' sets ${key} twice: current value is '${shape}'`);
    }
    seen.add(key);
  }
  for (const name of ["heads", "headDim"]) {
    if (fields[name] === undefined) {
      throw new RangeError(
        `'shape' must give ${
          name === "heads" ? "H<n>" : "D<n>"
        } (${name}): current value is '${shape}'`,
      );
    }
  }
  const seqQ = fields.seqQ ?? fields.seq;
  const seqKV = fields.seqKV ?? fields.seq;
  if (seqQ === undefined || seqKV === undefined) {
    throw new RangeError(
      `'shape' must give S<n>, or Sq<n> and Skv<n> (sequence lengths): current value is '${shape}'`,
    );
  }
  const input: Record<string, unknown> = {
    ...problem,
    batch: fields.batch ?? 1,
    heads: fields.heads,
    seqQ,
    seqKV,
    headDim: fields.headDim,
    dtype: dtype ?? "f32",
  };
  if (fields.kvHeads !== undefined) input.kvHeads = fields.kvHeads;
  if (fields.headDimV !== undefined) input.headDimV = fields.headDimV;
  return normalizeAttentionProblem(input);
}
