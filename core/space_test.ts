import assert from "node:assert/strict";
import { enumerateValid, restrictSpace } from "./space.ts";

const space = {
  params: [{ name: "tile", values: [8, 16, 32] }, { name: "vec", values: [1, 2, 4] }],
  isValid: (config: Record<string, unknown>) => config.tile !== 32 || config.vec !== 4,
};

Deno.test("restrictSpace() keeps the space's own restrictions and rejects unknown names or values", () => {
  const sub = restrictSpace(space, { vec: [4, 2], tile: [32] });
  assert.deepEqual([...enumerateValid(sub)], [{ tile: 32, vec: 2 }]);
  assert.equal(sub.isValid({ tile: 32, vec: 4 }), false);
  assert.equal(sub.isValid({ tile: 16, vec: 2 }), false);
  assert.throws(() => restrictSpace(space, { width: [1] }), /unknown parameter 'width'.*tile, vec/);
  assert.throws(() => restrictSpace(space, { vec: [3] }), /'vec' must be one of 1, 2, 4/);
});
