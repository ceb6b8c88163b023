import assert from "node:assert/strict";
import {
  evaluationsToReach,
  fixtureOptimum,
  fixtureSpace,
  type GridFixture,
  parseFixture,
  readFixture,
  replayEvaluate,
} from "./replay.ts";
import { gridSearch } from "./grid.ts";
import { randomSearch } from "./random.ts";
import { enumerateValid } from "../core/space.ts";
import { SearchStopped, type SearchStrategy } from "./types.ts";

function fixtureJson(): Record<string, unknown> {
  return {
    format: "wgtune-grid-fixture",
    version: 1,
    op: "demo",
    problemKey: "p1",
    device: "cpu",
    space: { params: [{ name: "x", values: [1, 2, 3, 4] }, { name: "mode", values: ["a", "b"] }] },
    results: [
      { config: { x: 1, mode: "a" }, status: "ok", timeMs: 10 },
      { config: { x: 2, mode: "a" }, status: "ok", timeMs: 5 },
      { config: { x: 3, mode: "a" }, status: "compile_error", timeMs: null },
      { config: { x: 4, mode: "a" }, status: "ok", timeMs: 4.1 },
      { config: { x: 1, mode: "b" }, status: "ok", timeMs: 8 },
      { config: { x: 2, mode: "b" }, status: "ok", timeMs: 4 },
      { config: { x: 3, mode: "b" }, status: "timeout", timeMs: null },
    ],
  };
}

const fixture: GridFixture = parseFixture(fixtureJson());

Deno.test("parseFixture() keeps every field, when the fixture is well formed", () => {
  assert.equal(fixture.op, "demo");
  assert.equal(fixture.problemKey, "p1");
  assert.equal(fixture.results.length, 7);
  assert.deepEqual(fixture.results[2], {
    config: { x: 3, mode: "a" },
    status: "compile_error",
    timeMs: null,
  });
});

Deno.test("parseFixture() throws an error naming the field, when the fixture is malformed", () => {
  const broken = (change: (json: Record<string, unknown>) => void): Record<string, unknown> => {
    const json = structuredClone(fixtureJson());
    change(json);
    return json;
  };
  const results = (json: Record<string, unknown>) => json.results as Record<string, unknown>[];
  const cases: [Record<string, unknown> | unknown, RegExp][] = [
    [42, /'fixture' must be an object/],
    [
      broken((j) => j.format = "cache"),
      /'fixture.format' must be "wgtune-grid-fixture": current value is "cache"/,
    ],
    [broken((j) => j.version = 2), /'fixture.version' must be 1: current value is 2/],
    [broken((j) => delete j.device), /'fixture.device' must be a string/],
    [broken((j) => j.space = { params: [] }), /'fixture.space.params' must be a non-empty array/],
    [
      broken((j) => j.space = { params: [{ name: "x", values: [{}] }] }),
      /'fixture.space.params\[0\]'/,
    ],
    [broken((j) => j.results = []), /'fixture.results' must be a non-empty array/],
    [
      broken((j) => results(j)[1]!.config = { x: 2 }),
      /'fixture.results\[1\].config' must have exactly the parameters x, mode/,
    ],
    [
      broken((j) => results(j)[1]!.config = { x: 9, mode: "a" }),
      /'fixture.results\[1\].config.x' must be one of the parameter's values: current value is 9/,
    ],
    [
      broken((j) => results(j)[1]!.config = { x: 1, mode: "a" }),
      /'fixture.results\[1\].config' repeats config mode=a,x=1/,
    ],
    [
      broken((j) => results(j)[0]!.status = "fast"),
      /'fixture.results\[0\].status' must be one of ok, invalid/,
    ],
    [
      broken((j) => results(j)[0]!.timeMs = null),
      /'fixture.results\[0\].timeMs' must be a positive finite number when status is "ok": current value is null/,
    ],
    [broken((j) => results(j)[0]!.timeMs = -1), /current value is -1/],
    [
      broken((j) => results(j)[2]!.timeMs = "slow"),
      /'fixture.results\[2\].timeMs' must be a number or null/,
    ],
  ];
  for (const [json, message] of cases) assert.throws(() => parseFixture(json), message);
  assert.throws(() => parseFixture(broken((j) => j.version = 2)), RangeError);
  assert.throws(() => parseFixture(broken((j) => j.format = "x")), TypeError);
});

Deno.test("readFixture() parses a file and reports bad JSON, when reading from disk", async () => {
  const path = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(path, JSON.stringify(fixtureJson()));
    assert.deepEqual(await readFixture(path), fixture);
    await Deno.writeTextFile(path, "{ not json");
    await assert.rejects(() => readFixture(path), /does not hold JSON/);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("fixtureSpace() accepts exactly the configs in results, when enumerated", () => {
  const legal = [...enumerateValid(fixtureSpace(fixture))];
  assert.equal(legal.length, 7);
  assert.equal(fixtureSpace(fixture).isValid({ x: 4, mode: "b" }), false);
  assert.equal(fixtureSpace(fixture).isValid({ mode: "b", x: 3 }), true);
});

Deno.test("fixtureOptimum() returns the fastest ok result, and throws when none is ok", () => {
  assert.deepEqual(fixtureOptimum(fixture), { config: { x: 2, mode: "b" }, timeMs: 4 });
  const failed = fixtureJson();
  for (const r of failed.results as Record<string, unknown>[]) {
    [r.status, r.timeMs] = ["timeout", null];
  }
  assert.throws(() => fixtureOptimum(parseFixture(failed)), /has no "ok" result among 7/);
});

Deno.test("replayEvaluate() answers from the fixture and counts distinct configs, when configs repeat", async () => {
  const evaluate = replayEvaluate(fixture, 10);
  assert.deepEqual(await evaluate({ x: 2, mode: "a" }), {
    config: { x: 2, mode: "a" },
    status: "ok",
    timeMs: 5,
  });
  const failed = await evaluate({ x: 3, mode: "b" });
  assert.equal(failed.status, "timeout");
  assert.equal(failed.timeMs, Infinity);
  await evaluate({ mode: "a", x: 2 });
  assert.equal(evaluate.evaluations, 2);
  assert.equal(evaluate.history.length, 2);
});

Deno.test("replayEvaluate() answers invalid and counts it, when a config is not in the results", async () => {
  const evaluate = replayEvaluate(fixture, 10);
  assert.deepEqual(await evaluate({ x: 4, mode: "b" }), {
    config: { x: 4, mode: "b" },
    status: "invalid",
    timeMs: Infinity,
  });
  assert.equal(evaluate.evaluations, 1);
});

Deno.test("replayEvaluate() throws SearchStopped('max-evals') but still answers repeats, when the budget is spent", async () => {
  const evaluate = replayEvaluate(fixture, 2);
  await evaluate({ x: 1, mode: "a" });
  await evaluate({ x: 2, mode: "a" });
  await assert.rejects(
    () => evaluate({ x: 4, mode: "a" }),
    (e: unknown) => e instanceof SearchStopped && e.reason === "max-evals",
  );
  assert.equal((await evaluate({ x: 1, mode: "a" })).timeMs, 10);
  assert.equal(evaluate.evaluations, 2);
  assert.throws(
    () => replayEvaluate(fixture, -1),
    /'maxEvals' must be a non-negative integer: current value is -1/,
  );
});

Deno.test("evaluationsToReach() counts evaluations up to the first near-optimal config, when replaying grid search", async () => {
  // grid order: (1,a) (1,b) (2,a) (2,b) ...: times 10, 8, 5, 4 → optimum 4 at the 4th
  assert.equal(await evaluationsToReach(gridSearch, fixture, { seed: 0 }), 4);
  // within 30% of 4 (≤ 5.2): (2,a) at 5 is the 3rd
  assert.equal(await evaluationsToReach(gridSearch, fixture, { seed: 0, withinFraction: 0.3 }), 3);
  assert.equal(await evaluationsToReach(gridSearch, fixture, { seed: 0, maxEvals: 3 }), Infinity);
});

Deno.test("evaluationsToReach() stops the search once the target is reached, when the strategy would go on", async () => {
  let calls = 0;
  const counting: SearchStrategy = {
    name: "counting",
    async search(space, evaluate, options) {
      for (const config of enumerateValid(space)) {
        calls++;
        await evaluate(config);
      }
      void options;
    },
  };
  assert.equal(await evaluationsToReach(counting, fixture, { seed: 0 }), 4);
  assert.equal(calls, 5); // the fifth call was refused with SearchStopped
});

Deno.test("evaluationsToReach() passes errors other than SearchStopped through, when the strategy fails", async () => {
  const failing: SearchStrategy = {
    name: "failing",
    search: () => Promise.reject(new TypeError("broken strategy")),
  };
  await assert.rejects(() => evaluationsToReach(failing, fixture, { seed: 0 }), /broken strategy/);
  await assert.rejects(
    () => evaluationsToReach(gridSearch, fixture, { seed: 0, withinFraction: -0.1 }),
    /'withinFraction' must be a non-negative number: current value is -0.1/,
  );
});

Deno.test("evaluationsToReach() is reproducible per seed, when replaying random search", async () => {
  const runs = await Promise.all(
    [1, 1, 2, 3, 4, 5].map((seed) => evaluationsToReach(randomSearch, fixture, { seed })),
  );
  assert.equal(runs[0], runs[1]);
  for (const n of runs) assert.ok(n >= 1 && n <= 7);
});
