import assert from "node:assert/strict";
import { KERNELS } from "../kernels/registry.ts";
import { DEFAULT_SHAPES } from "./defaults.ts";

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
