import assert from "node:assert/strict";
import { syntheticMatmulFixture } from "./_synthetic_fixture.ts";
import { fixtureOptimum, parseFixture } from "./replay.ts";
import { configKey } from "../core/space.ts";

Deno.test("syntheticMatmulFixture() builds a valid fixture of a few hundred configs with failures, when called with defaults", () => {
  const fixture = syntheticMatmulFixture();
  assert.deepEqual(parseFixture(JSON.parse(JSON.stringify(fixture))), fixture);
  assert.equal(fixture.device, "synthetic-cost-model");
  assert.ok(fixture.results.length >= 200 && fixture.results.length <= 1000);
  const failures = fixture.results.filter((r) => r.status !== "ok").length;
  assert.ok(failures > 0.05 * fixture.results.length && failures < 0.3 * fixture.results.length);
  // a narrow optimum: few configs within 5% of the best
  const best = fixtureOptimum(fixture).timeMs;
  const near = fixture.results.filter((r) => r.timeMs !== null && r.timeMs <= 1.05 * best).length;
  assert.ok(near >= 1 && near <= 0.05 * fixture.results.length, `near-optimal configs: ${near}`);
});

Deno.test("syntheticMatmulFixture() scales times and moves the optimum, when the shape changes", () => {
  const square = syntheticMatmulFixture();
  const skinny = syntheticMatmulFixture({ m: 192, n: 192, k: 2048 });
  assert.equal(square.results.length, skinny.results.length);
  assert.notEqual(
    configKey(fixtureOptimum(square).config),
    configKey(fixtureOptimum(skinny).config),
  );
  assert.equal(skinny.problemKey, "synthetic_m192_n192_k2048");
});

Deno.test("syntheticMatmulFixture() is deterministic, when called twice with the same options", () => {
  assert.deepEqual(syntheticMatmulFixture({ seed: 3 }), syntheticMatmulFixture({ seed: 3 }));
  assert.notDeepEqual(syntheticMatmulFixture({ seed: 3 }), syntheticMatmulFixture({ seed: 4 }));
  assert.throws(
    () => syntheticMatmulFixture({ k: 0 }),
    /'k' must be a positive integer: current value is 0/,
  );
});
