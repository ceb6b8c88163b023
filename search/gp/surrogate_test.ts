import assert from "node:assert/strict";
import { fitSurrogate, logTimeOf, type Observation } from "./surrogate.ts";

const groups = new Int32Array([0]);
const at = (key: string, x: number, timeMs: number | null): Observation => ({
  key,
  x: new Float64Array([x]),
  logTime: timeMs === null ? null : Math.log(timeMs),
});

Deno.test("logTimeOf() returns null, when the trial failed or the time is unusable", () => {
  assert.equal(logTimeOf({ status: "ok", timeMs: Math.E }), 1);
  assert.equal(logTimeOf({ status: "compile_error", timeMs: 3 }), null);
  assert.equal(logTimeOf({ status: "ok", timeMs: Infinity }), null);
  assert.equal(logTimeOf({ status: "ok", timeMs: 0 }), null);
  assert.equal(logTimeOf({ status: "ok", timeMs: NaN }), null);
});

Deno.test("fitSurrogate() nudges the mean towards slow at a lone failure without forcing it, when one trial failed", () => {
  const observations = [at("a", 0, 1), at("b", 0.3, 8), at("c", 0.6, null), at("d", 1, 2)];
  const withFailure = fitSurrogate(observations, groups);
  const okOnly = fitSurrogate(observations.filter((o) => o.logTime !== null), groups);
  assert.equal(withFailure.imputedLogTime, Math.log(8));
  assert.equal(withFailure.bestLogTime, 0);
  const probe = [new Float64Array([0.6])];
  const nudged = withFailure.predict(probe).mean[0]!;
  const plain = okOnly.predict(probe).mean[0]!;
  assert.ok(nudged > plain, `${nudged} > ${plain}`);
  assert.ok(nudged < Math.log(8) - 0.05, `${nudged} < log 8`);
});

Deno.test("fitSurrogate() predicts slow inside a cluster of failures, when a whole region failed", () => {
  const observations = [
    ...[0, 0.1, 0.2, 0.3, 0.4].map((x, i) => at(`ok${i}`, x, 1 + 3 * x)),
    ...[0.7, 0.8, 0.9, 1].map((x, i) => at(`fail${i}`, x, null)),
  ];
  const surrogate = fitSurrogate(observations, groups);
  const { mean, sd } = surrogate.predict([new Float64Array([0.85])]);
  assert.ok(mean[0]! > Math.log(1.6), `mean in the failing region: ${mean[0]}`);
  for (const v of [...mean, ...sd]) assert.ok(Number.isFinite(v));
});

Deno.test("Surrogate.feasibility() is low near failures and high near successes, when trials failed in one region", () => {
  const observations = [
    ...[0, 0.1, 0.2, 0.3].map((x, i) => at(`ok${i}`, x, 1 + x)),
    ...[0.7, 0.8, 0.9, 1].map((x, i) => at(`fail${i}`, x, null)),
  ];
  const surrogate = fitSurrogate(observations, groups);
  const [good, middle, bad] = surrogate.feasibility(
    [0.15, 0.5, 0.85].map((v) => new Float64Array([v])),
  ) as unknown as [number, number, number];
  assert.ok(good > 0.7, `near successes: ${good}`);
  assert.ok(bad < 0.3, `near failures: ${bad}`);
  assert.ok(good > middle && middle > bad, `${good} > ${middle} > ${bad}`);
});

Deno.test("Surrogate.feasibility() returns the prior success rate, when far from every observation", () => {
  const surrogate = fitSurrogate([at("a", 0, 1), at("b", 0.05, null), at("c", 0.1, 2)], groups);
  const [far] = surrogate.feasibility([new Float64Array([1e6])]);
  assert.ok(Math.abs(far! - 3 / 5) < 1e-9, `${far}`); // (1 + 2 ok) / (2 + 3 observations)
});

Deno.test("fitSurrogate() stays finite, when every trial failed", () => {
  const surrogate = fitSurrogate([at("a", 0, null), at("b", 1, null)], groups);
  assert.equal(surrogate.bestLogTime, Infinity);
  const { mean, sd } = surrogate.predict([new Float64Array([0.5])]);
  assert.ok(Number.isFinite(mean[0]!) && Number.isFinite(sd[0]!) && sd[0]! > 0);
});

Deno.test("fitSurrogate() models the log of the time, when times span orders of magnitude", () => {
  const observations = [0, 0.25, 0.5, 0.75, 1].map((x, i) => at(String(i), x, 10 ** (3 * x)));
  const surrogate = fitSurrogate(observations, groups);
  const { mean } = surrogate.predict([new Float64Array([0.375])]);
  // log-linear data: the log-time midway is close to log(10^1.125)
  assert.ok(Math.abs(mean[0]! - 1.125 * Math.log(10)) < 0.3, `mean ${mean[0]}`);
});

Deno.test("fitSurrogate() shifts warm-start data by the median paired offset, when a config was seen in both", () => {
  const warm = [at("a", 0, 1), at("b", 0.5, 2), at("c", 1, 4)];
  // current problem is 10× slower everywhere
  const current = [at("b", 0.5, 20)];
  const surrogate = fitSurrogate(current, groups, { warm });
  assert.ok(Math.abs(surrogate.warmOffset - Math.log(10)) < 1e-12);
  assert.equal(surrogate.warmPoints, 2); // "b" is dropped from the warm data
  const { mean } = surrogate.predict([new Float64Array([0]), new Float64Array([1])]);
  assert.ok(Math.abs(mean[0]! - Math.log(10)) < 0.3, `mean at a: ${mean[0]}`);
  assert.ok(Math.abs(mean[1]! - Math.log(40)) < 0.3, `mean at c: ${mean[1]}`);
});

Deno.test("fitSurrogate() throws a RangeError, when there is no observation at all", () => {
  assert.throws(() => fitSurrogate([], groups), /'observations' must not be empty/);
});
