import assert from "node:assert/strict";
import type { Config, SearchSpace } from "../core/types.ts";
import { gridSearch } from "./grid.ts";
import { randomSearch } from "./random.ts";
import { getStrategy, STRATEGIES } from "./registry.ts";
import { configKey, enumerateAll, enumerateValid, rawSize } from "../core/space.ts";
import { seededRandom } from "../core/random.ts";
import { type Evaluate, SearchStopped } from "./types.ts";

const space: SearchSpace = {
  params: [
    { name: "tile", values: [8, 16, 32, 64] },
    { name: "vec", values: [1, 2, 4] },
    { name: "variant", values: ["register", "shared"] },
  ],
  isValid: (c) =>
    (c.tile as number) * (c.vec as number) <= 128 && !(c.variant === "shared" && c.vec === 4),
};

function recorder(limit = Infinity): { evaluate: Evaluate; seen: Config[] } {
  const seen: Config[] = [];
  const evaluate: Evaluate = (config) => {
    if (seen.length >= limit) throw new SearchStopped("max-evals");
    seen.push(config);
    return Promise.resolve({ config, status: "ok", timeMs: 1 });
  };
  return { evaluate, seen };
}

Deno.test("enumerateAll() yields the cartesian product in grid order", () => {
  const all = [...enumerateAll(space)];
  assert.equal(all.length, rawSize(space));
  assert.equal(new Set(all.map(configKey)).size, all.length);
  assert.deepEqual(all[0], { tile: 8, vec: 1, variant: "register" });
  assert.deepEqual(all[1], { tile: 8, vec: 1, variant: "shared" });
});

Deno.test("gridSearch visits every legal config exactly once and nothing else", async () => {
  const { evaluate, seen } = recorder();
  await gridSearch.search(space, evaluate, { seed: 1, maxEvals: 100 });
  const legal = [...enumerateValid(space)].map(configKey);
  assert.deepEqual(seen.map(configKey), legal);
  assert.ok(seen.every((c) => space.isValid(c)));
});

Deno.test("randomSearch is repeat-free, legal, complete, and reproducible for a seed", async () => {
  const first = recorder();
  await randomSearch.search(space, first.evaluate, { seed: 42, maxEvals: 100 });
  const keys = first.seen.map(configKey);
  assert.equal(new Set(keys).size, keys.length);
  assert.deepEqual([...keys].sort(), [...enumerateValid(space)].map(configKey).sort());
  const again = recorder();
  await randomSearch.search(space, again.evaluate, { seed: 42, maxEvals: 100 });
  assert.deepEqual(again.seen.map(configKey), keys);
  const other = recorder();
  await randomSearch.search(space, other.evaluate, { seed: 43, maxEvals: 100 });
  assert.notDeepEqual(other.seen.map(configKey), keys);
});

Deno.test("strategies let SearchStopped from evaluate end the search", async () => {
  for (const strategy of Object.values(STRATEGIES)) {
    const { evaluate, seen } = recorder(3);
    await assert.rejects(strategy.search(space, evaluate, { seed: 1, maxEvals: 3 }), SearchStopped);
    assert.equal(seen.length, 3, strategy.name);
  }
});

Deno.test("getStrategy() throws a RangeError naming the known strategies for an unknown name", () => {
  assert.throws(() => getStrategy("annealing"), /unknown strategy 'annealing'.*grid.*random/);
});

Deno.test("seededRandom() is deterministic and within [0, 1)", () => {
  const a = seededRandom(5);
  const b = seededRandom(5);
  for (let i = 0; i < 100; i++) {
    const x = a();
    assert.equal(x, b());
    assert.ok(x >= 0 && x < 1);
  }
});
