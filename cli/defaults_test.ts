import assert from "node:assert/strict";
import { KERNELS } from "../kernels/registry.ts";
import { DEFAULT_CANDIDATE_TIMEOUT_MS, DEFAULT_TIME_LIMIT_MS } from "../tuner/defaults.ts";
import { DEFAULT_CANDIDATE_TIMEOUT_S, DEFAULT_SHAPES, DEFAULT_TIME_LIMIT_S } from "./defaults.ts";

Deno.test("DEFAULT_SHAPES has a parsable default problem set for every registered op", () => {
  for (const [op, family] of Object.entries(KERNELS)) {
    const shapes = DEFAULT_SHAPES[op];
    assert.ok(shapes && shapes.length > 0, `no default shapes for ${op}`);
    for (const shape of shapes) {
      const problem = family.parseShape(shape, "f32");
      assert.equal(typeof family.problemKey(problem), "string");
    }
  }
});

Deno.test("DEFAULT_SHAPES for matmul has square, rectangular and odd sizes", () => {
  const shapes = DEFAULT_SHAPES.matmul!;
  for (
    const shape of ["256x256x256", "512x512x512", "1024x1024x1024", "128x1024x512", "257x129x511"]
  ) {
    assert.ok(shapes.includes(shape), shape);
  }
});

Deno.test("DEFAULT_SHAPES is every registered family's defaultShapes, when the CLI reads the registry", () => {
  assert.deepEqual(Object.keys(DEFAULT_SHAPES), Object.keys(KERNELS));
  for (const [op, family] of Object.entries(KERNELS)) {
    assert.equal(DEFAULT_SHAPES[op], family.defaultShapes, op);
  }
});

Deno.test("DEFAULT_TIME_LIMIT_S and DEFAULT_CANDIDATE_TIMEOUT_S are tune()'s defaults in seconds", () => {
  assert.equal(DEFAULT_TIME_LIMIT_S * 1000, DEFAULT_TIME_LIMIT_MS);
  assert.equal(DEFAULT_CANDIDATE_TIMEOUT_S * 1000, DEFAULT_CANDIDATE_TIMEOUT_MS);
});
