import { parseMatmulShape } from "./parse_shape.ts";
import assert from "node:assert/strict";
import { matmulFlops, matmulProblemKey, normalizeMatmulProblem } from "./problem.ts";

Deno.test("normalizeMatmulProblem() fills batch, dtype, bias and activation defaults", () => {
  assert.deepEqual(normalizeMatmulProblem({ m: 3, n: 5, k: 7 }), {
    m: 3,
    n: 5,
    k: 7,
    batch: 1,
    dtype: "f32",
    bias: false,
    activation: "none",
  });
  const full = { m: 1, n: 2, k: 3, batch: 4, dtype: "f16", bias: true, activation: "relu" };
  assert.deepEqual(normalizeMatmulProblem(full), full);
});

Deno.test("normalizeMatmulProblem() throws naming the field, when a field is bad", () => {
  const cases: Array<[unknown, ErrorConstructor, RegExp]> = [
    [{ m: 0, n: 1, k: 1 }, RangeError, /'m'.*0/],
    [{ m: 1, n: 2.5, k: 1 }, RangeError, /'n'.*2\.5/],
    [{ m: 1, n: 1, k: -4 }, RangeError, /'k'.*-4/],
    [{ m: 1, n: 1 }, TypeError, /'k'.*undefined/],
    [{ m: "8", n: 1, k: 1 }, TypeError, /'m'.*'8'/],
    [{ m: 1, n: 1, k: 1, batch: 0 }, RangeError, /'batch'.*0/],
    [{ m: 1, n: 1, k: 1, dtype: "f64" }, RangeError, /'dtype'.*'f64'/],
    [{ m: 1, n: 1, k: 1, bias: "yes" }, TypeError, /'bias'.*'yes'/],
    [{ m: 1, n: 1, k: 1, activation: "gelu" }, RangeError, /'activation'.*'gelu'/],
    [{ m: 1, n: 1, k: 1, mm: 3 }, RangeError, /unknown field 'mm'/],
    [null, TypeError, /'problem'.*null/],
    [[1, 2, 3], TypeError, /'problem'/],
  ];
  for (const [problem, type, message] of cases) {
    assert.throws(() => normalizeMatmulProblem(problem), (e: unknown) => {
      assert.ok(e instanceof type, `${JSON.stringify(problem)}: ${e}`);
      assert.match((e as Error).message, message);
      return true;
    });
  }
});

Deno.test("parseMatmulShape() reads MxNxK and BxMxNxK with a dtype", () => {
  assert.deepEqual(parseMatmulShape("512x256x128"), {
    m: 512,
    n: 256,
    k: 128,
    batch: 1,
    dtype: "f32",
    bias: false,
    activation: "none",
  });
  const batched = parseMatmulShape("3x129x65x257", "f16");
  assert.deepEqual([batched.batch, batched.m, batched.n, batched.k, batched.dtype], [
    3,
    129,
    65,
    257,
    "f16",
  ]);
});

Deno.test("parseMatmulShape() throws a RangeError quoting the text, when the shape is malformed", () => {
  for (const shape of ["512x512", "axbxc", "0x4x4", "1x2x3x4x5", "", "4x4x4x", "4*4*4", "-1x2x3"]) {
    assert.throws(
      () => parseMatmulShape(shape),
      (e: unknown) =>
        e instanceof RangeError && e.message.includes(`'${shape}'`) && e.message.includes("shape"),
      shape,
    );
  }
  assert.throws(() => parseMatmulShape("4x4x4", "bf16"), /'dtype'.*'bf16'/);
});

Deno.test("matmulProblemKey() names dtype, batch and sizes, plus bias and relu when present", () => {
  assert.equal(matmulProblemKey(parseMatmulShape("512x512x512")), "f32_b1_m512_n512_k512");
  assert.equal(matmulProblemKey(parseMatmulShape("3x129x65x257", "f16")), "f16_b3_m129_n65_k257");
  const fused = normalizeMatmulProblem({ m: 2, n: 3, k: 4, bias: true, activation: "relu" });
  assert.equal(matmulProblemKey(fused), "f32_b1_m2_n3_k4_bias_relu");
  const reluOnly = normalizeMatmulProblem({ m: 2, n: 3, k: 4, activation: "relu" });
  assert.equal(matmulProblemKey(reluOnly), "f32_b1_m2_n3_k4_relu");
});

Deno.test("matmulFlops() is 2·batch·m·n·k", () => {
  assert.equal(matmulFlops(parseMatmulShape("1024x1024x1024")), 2 * 1024 ** 3);
  assert.equal(matmulFlops(parseMatmulShape("3x5x7x11")), 2 * 3 * 5 * 7 * 11);
});
