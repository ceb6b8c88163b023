import { parseAttentionShape } from "./parse_shape.ts";
import assert from "node:assert/strict";
import {
  attendedPairs,
  attentionFlops,
  attentionProblemKey,
  normalizeAttentionProblem,
} from "./problem.ts";

const base = { batch: 2, heads: 4, seqQ: 7, seqKV: 13, headDim: 16 };

Deno.test("normalizeAttentionProblem() fills defaults, when only sizes are given", () => {
  const p = normalizeAttentionProblem(base);
  assert.deepEqual(p, {
    ...base,
    kvHeads: 4,
    headDimV: 16,
    causal: false,
    causalOffset: 0,
    scale: 0.25,
    softcap: 0,
    maskShape: null,
    dtype: "f32",
  });
});

Deno.test("normalizeAttentionProblem() turns mask shorthands and shapes into 4-d shapes", () => {
  assert.deepEqual(normalizeAttentionProblem({ ...base, mask: "2d" }).maskShape, [1, 1, 7, 13]);
  assert.deepEqual(normalizeAttentionProblem({ ...base, mask: "4d" }).maskShape, [2, 4, 7, 13]);
  assert.deepEqual(normalizeAttentionProblem({ ...base, maskShape: [13] }).maskShape, [
    1,
    1,
    1,
    13,
  ]);
  assert.deepEqual(
    normalizeAttentionProblem({ ...base, maskShape: [2, 1, 7, 13] }).maskShape,
    [2, 1, 7, 13],
  );
  assert.deepEqual(
    normalizeAttentionProblem({ ...base, mask: "2d", maskShape: [7, 13] }).maskShape,
    [1, 1, 7, 13],
  );
  assert.equal(normalizeAttentionProblem({ ...base, mask: "none" }).maskShape, null);
});

Deno.test("normalizeAttentionProblem() keeps explicit scale, kvHeads, headDimV and causal offset", () => {
  const p = normalizeAttentionProblem({
    ...base,
    kvHeads: 2,
    headDimV: 8,
    causal: true,
    causalOffset: -3,
    scale: -0.5,
    dtype: "f16",
  });
  assert.equal(p.kvHeads, 2);
  assert.equal(p.headDimV, 8);
  assert.equal(p.causalOffset, -3);
  assert.equal(p.scale, -0.5);
  assert.equal(p.dtype, "f16");
});

Deno.test("normalizeAttentionProblem() rejects bad fields with errors naming field and value", () => {
  const cases: Array<[unknown, ErrorConstructor, RegExp]> = [
    [null, TypeError, /'problem' must be an object: current value is null/],
    [{ ...base, seqQ: 0 }, RangeError, /'seqQ' must be a positive integer: current value is 0/],
    [{ ...base, heads: 2.5 }, RangeError, /'heads' .* 2\.5/],
    [
      { ...base, batch: "2" },
      TypeError,
      /'batch' must be a positive integer: current value is '2'/,
    ],
    [{ ...base, kvHeads: 3 }, RangeError, /'kvHeads' must divide heads \(4\): current value is 3/],
    [
      { ...base, headDim: 2048 },
      RangeError,
      /'headDim' must be at most 1024: current value is 2048/,
    ],
    [{ ...base, causal: 1 }, TypeError, /'causal' must be a boolean: current value is 1/],
    [{ ...base, causalOffset: 2 }, RangeError, /'causalOffset' needs causal: true/],
    [{ ...base, causal: true, causalOffset: 0.5 }, RangeError, /'causalOffset' .* 0\.5/],
    [
      { ...base, scale: NaN },
      RangeError,
      /'scale' must be a finite f32 number: current value is NaN/,
    ],
    [
      { ...base, scale: 1e39 },
      RangeError,
      /'scale' must be a finite f32 number: current value is 1e\+39/,
    ],
    [{ ...base, scale: "1" }, TypeError, /'scale' .* '1'/],
    [{ ...base, mask: "3d" }, RangeError, /'mask' must be none, 2d or 4d: current value is '3d'/],
    [{ ...base, maskShape: [7, 12] }, RangeError, /'maskShape' must broadcast .* seqKV is 12/],
    [{ ...base, maskShape: [1, 1, 1, 7, 13] }, RangeError, /'maskShape' must have 1 to 4 dims/],
    [{ ...base, maskShape: "7x13" }, TypeError, /'maskShape' must be an array/],
    [
      { ...base, mask: "2d", maskShape: [1, 13] },
      RangeError,
      /'maskShape' conflicts with mask '2d'/,
    ],
    [{ ...base, mask: "none", maskShape: [7, 13] }, RangeError, /conflicts with mask 'none'/],
    [{ ...base, dtype: "bf16" }, RangeError, /'dtype' must be f32 or f16: current value is 'bf16'/],
    [{ ...base, seq: 4 }, RangeError, /unknown field 'seq'/],
  ];
  for (const [input, type, message] of cases) {
    assert.throws(() => normalizeAttentionProblem(input), (e: unknown) => {
      assert.ok(e instanceof type, `${JSON.stringify(input)}: ${e}`);
      assert.match((e as Error).message, message);
      return true;
    });
  }
});

Deno.test("parseAttentionShape() reads the documented formats, when tokens vary in case and order", () => {
  const a = parseAttentionShape("B1,H8,S512,D64");
  assert.deepEqual([a.batch, a.heads, a.kvHeads, a.seqQ, a.seqKV, a.headDim], [
    1,
    8,
    8,
    512,
    512,
    64,
  ]);
  assert.equal(a.causal, false);
  assert.equal(a.dtype, "f32");
  const b = parseAttentionShape("B1,H8,KV2,Sq128,Skv512,D64,causal", "f16");
  assert.deepEqual([b.kvHeads, b.seqQ, b.seqKV, b.causal, b.dtype], [2, 128, 512, true, "f16"]);
  const c = parseAttentionShape(" d32 , h4, s16, skv=20, dv=16, causal+4, scale0.5, mask4d ");
  assert.deepEqual(
    [c.batch, c.seqQ, c.seqKV, c.headDim, c.headDimV, c.causalOffset, c.scale],
    [1, 16, 20, 32, 16, 4, 0.5],
  );
  assert.deepEqual(c.maskShape, [1, 4, 16, 20]);
  const d = parseAttentionShape("H2,Sq3,Skv5,D8,causal-2,mask1x2x1x5,scale=1e-1");
  assert.equal(d.causalOffset, -2);
  assert.deepEqual(d.maskShape, [1, 2, 1, 5]);
  assert.equal(d.scale, 0.1);
  assert.deepEqual(parseAttentionShape("H2,S3,D8,mask2d").maskShape, [1, 1, 3, 3]);
});

Deno.test("parseAttentionShape() throws RangeErrors quoting the shape, when it is malformed", () => {
  const cases: Array<[string, RegExp]> = [
    ["", /unknown token ''/],
    ["B1,H8,S512", /must give D<n> \(headDim\)/],
    ["B1,S512,D64", /must give H<n> \(heads\)/],
    ["B1,H8,D64", /must give S<n>, or Sq<n> and Skv<n>/],
    ["B1,H8,Sq4,D64", /must give S<n>, or Sq<n> and Skv<n>/],
    ["B1,H8,S512,D64,X3", /unknown token 'X3' in 'B1,H8,S512,D64,X3'/],
    ["B1,H8,S512,S256,D64", /sets seq twice/],
    ["H8,S512,D64,causal,causal+1", /sets causal twice/],
    ["H8,S0,D64", /'seqQ' must be a positive integer: current value is 0/],
    ["H8,S4,D64,mask5x4", /'maskShape' must broadcast/],
    ["H8,S4,D64,KV3", /'kvHeads' must divide heads \(8\)/],
  ];
  for (const [shape, message] of cases) {
    assert.throws(() => parseAttentionShape(shape), (e: unknown) => {
      assert.ok(e instanceof RangeError, `${shape}: ${e}`);
      assert.match((e as Error).message, message);
      return true;
    });
  }
  assert.throws(() => parseAttentionShape("H8,S4,D64", "i8"), /'dtype' must be f32 or f16/);
});

Deno.test("attentionProblemKey() is readable and changes exactly with what matters to tuning", () => {
  const p = normalizeAttentionProblem(base);
  assert.equal(attentionProblemKey(p), "f32_b2_h4_kv4_sq7_skv13_d16");
  assert.equal(
    attentionProblemKey(normalizeAttentionProblem({ ...base, scale: 3 })),
    attentionProblemKey(p),
  );
  const keys = [
    { ...base },
    { ...base, dtype: "f16" },
    { ...base, kvHeads: 2 },
    { ...base, headDimV: 8 },
    { ...base, causal: true },
    { ...base, causal: true, causalOffset: 6 },
    { ...base, causal: true, causalOffset: -6 },
    { ...base, mask: "2d" },
    { ...base, mask: "4d" },
  ].map((input) => attentionProblemKey(normalizeAttentionProblem(input)));
  assert.equal(new Set(keys).size, keys.length);
  assert.equal(keys[5], "f32_b2_h4_kv4_sq7_skv13_d16_causal+6");
  assert.equal(keys[6], "f32_b2_h4_kv4_sq7_skv13_d16_causal-6");
  assert.equal(keys[7], "f32_b2_h4_kv4_sq7_skv13_d16_mask1x1x7x13");
  assert.equal(
    attentionProblemKey(parseAttentionShape("B1,H8,S512,D64")),
    "f32_b1_h8_kv8_sq512_skv512_d64",
  );
});

Deno.test("attentionFlops() counts 4·B·H·Sq·Skv·D, and only attended pairs when causal", () => {
  const p = normalizeAttentionProblem({ batch: 1, heads: 8, seqQ: 1024, seqKV: 1024, headDim: 64 });
  assert.equal(attentionFlops(p), 4 * 8 * 1024 * 1024 * 64);
  const dv = normalizeAttentionProblem({ ...base, headDimV: 8 });
  assert.equal(attentionFlops(dv), 2 * 2 * 4 * 7 * 13 * (16 + 8));
  // Upper-left causal with seqQ < seqKV: row i sees i + 1 keys.
  const causal = normalizeAttentionProblem({ ...base, causal: true });
  assert.equal(attendedPairs(causal), 1 + 2 + 3 + 4 + 5 + 6 + 7);
  // seqQ > seqKV: rows past seqKV see every key.
  const tall = normalizeAttentionProblem({ ...base, seqQ: 5, seqKV: 3, causal: true });
  assert.equal(attendedPairs(tall), 1 + 2 + 3 + 3 + 3);
  const shifted = normalizeAttentionProblem({
    ...base,
    seqQ: 2,
    seqKV: 4,
    causal: true,
    causalOffset: 2,
  });
  assert.equal(attendedPairs(shifted), 3 + 4);
  const empty = normalizeAttentionProblem({
    ...base,
    seqQ: 2,
    seqKV: 4,
    causal: true,
    causalOffset: -5,
  });
  assert.equal(attendedPairs(empty), 0);
});

Deno.test("softcap: parsed from shapes, in the problem key, and rejected when negative", () => {
  const p = parseAttentionShape("B1,H2,S8,D4,softcap30");
  assert.equal(p.softcap, 30);
  assert.equal(attentionProblemKey(p), "f32_b1_h2_kv2_sq8_skv8_d4_softcap");
  assert.equal(parseAttentionShape("B1,H2,S8,D4").softcap, 0);
  assert.throws(
    () =>
      normalizeAttentionProblem({ batch: 1, heads: 1, seqQ: 1, seqKV: 1, headDim: 4, softcap: -1 }),
    (e: Error) => e instanceof RangeError && /'softcap'.*-1/.test(e.message),
  );
});
