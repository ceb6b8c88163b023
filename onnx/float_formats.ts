/**
 * Bit patterns of the small floating-point formats ONNX stores (bfloat16, the float8 family,
 * float4e2m1, float8e8m0) decoded to JavaScript numbers. Every value of these formats is exactly
 * representable as a float32, so the decoded numbers are exact.
 *
 * @module
 */

/** The minifloat formats {@linkcode decodeMinifloat} knows. */
export type MinifloatFormat =
  | "bfloat16"
  | "float8e4m3fn"
  | "float8e4m3fnuz"
  | "float8e5m2"
  | "float8e5m2fnuz"
  | "float4e2m1"
  | "float8e8m0";

const bf16View = new DataView(new ArrayBuffer(4));

/** Sign/exponent/mantissa decoding of a finite pattern (NaN and infinity are checked first). */
function decodeFinite(
  bits: number,
  expBits: number,
  manBits: number,
  bias: number,
): number {
  const sign = (bits >> (expBits + manBits)) & 1 ? -1 : 1;
  const exp = (bits >> manBits) & ((1 << expBits) - 1);
  const man = bits & ((1 << manBits) - 1);
  if (exp === 0) return sign * man * 2 ** (1 - bias - manBits);
  return sign * (1 + man / (1 << manBits)) * 2 ** (exp - bias);
}

/**
 * Decodes one element of a minifloat `format` from its bit pattern (the low bits of `bits`).
 *
 * Format rules (as in the ONNX spec): `float8e4m3fn` has bias 7, no infinities, NaN is
 * `S.1111.111`; `float8e4m3fnuz` has bias 8, NaN is `0x80` and no negative zero; `float8e5m2` is
 * IEEE-like with bias 15, infinities and NaNs; `float8e5m2fnuz` has bias 16, NaN is `0x80`;
 * `float4e2m1` has bias 1 and neither infinities nor NaN; `float8e8m0` is an unsigned power of two
 * `2^(e-127)` with NaN `0xFF`; `bfloat16` is the top half of a float32.
 *
 * @example Decode a few patterns
 * ```ts
 * import { decodeMinifloat } from "./float_formats.ts";
 * console.log(decodeMinifloat("float8e4m3fn", 0x7e)); // 448
 * console.log(decodeMinifloat("float4e2m1", 0b0111)); // 6
 * console.log(decodeMinifloat("bfloat16", 0x3fc0)); // 1.5
 * ```
 */
export function decodeMinifloat(format: MinifloatFormat, bits: number): number {
  switch (format) {
    case "bfloat16":
      bf16View.setUint32(0, (bits & 0xffff) << 16 >>> 0);
      return bf16View.getFloat32(0);
    case "float8e4m3fn":
      if ((bits & 0x7f) === 0x7f) return NaN;
      return decodeFinite(bits & 0xff, 4, 3, 7);
    case "float8e4m3fnuz":
      if ((bits & 0xff) === 0x80) return NaN;
      return decodeFinite(bits & 0xff, 4, 3, 8);
    case "float8e5m2": {
      const b = bits & 0xff;
      if ((b & 0x7c) === 0x7c) {
        if ((b & 0x03) !== 0) return NaN;
        return b & 0x80 ? -Infinity : Infinity;
      }
      return decodeFinite(b, 5, 2, 15);
    }
    case "float8e5m2fnuz":
      if ((bits & 0xff) === 0x80) return NaN;
      return decodeFinite(bits & 0xff, 5, 2, 16);
    case "float4e2m1":
      return decodeFinite(bits & 0x0f, 2, 1, 1);
    case "float8e8m0":
      if ((bits & 0xff) === 0xff) return NaN;
      return 2 ** ((bits & 0xff) - 127);
  }
}
