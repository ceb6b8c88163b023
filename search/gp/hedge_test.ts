import assert from "node:assert/strict";
import { HedgePortfolio } from "./hedge.ts";

Deno.test("HedgePortfolio.probabilities() is uniform, when nothing was rewarded yet", () => {
  const hedge = new HedgePortfolio(4);
  assert.deepEqual([...hedge.probabilities()], [0.25, 0.25, 0.25, 0.25]);
  hedge.reward(() => 5); // no nominees yet: nothing to credit
  assert.deepEqual([...hedge.probabilities()], [0.25, 0.25, 0.25, 0.25]);
});

Deno.test("HedgePortfolio.reward() shifts probability to the acquisition with the lower posterior mean, when nominees differ", () => {
  const hedge = new HedgePortfolio(3, { eta: 2 });
  const meanAt = (nominee: number) => nominee / 10; // lower nominee: believed faster
  for (let step = 0; step < 3; step++) {
    hedge.choose([0, 10, 20], () => 0.5);
    hedge.reward(meanAt);
  }
  const [low, middle, high] = hedge.probabilities();
  assert.ok(low! > middle! && middle! > high!, `${low} > ${middle} > ${high}`);
  // gains 0, −3, −6 after three steps: probabilities ∝ exp(2 · gain)
  assert.ok(Math.abs(low! / middle! - Math.exp(6)) < 1e-9);
  // a reward is credited once per choose
  hedge.reward(meanAt);
  assert.ok(Math.abs(hedge.probabilities()[0]! / hedge.probabilities()[1]! - Math.exp(6)) < 1e-9);
});

Deno.test("HedgePortfolio.choose() draws each acquisition by its probability, when given uniform draws", () => {
  const hedge = new HedgePortfolio(2);
  hedge.choose([1, 2], () => 0);
  hedge.reward((nominee) => nominee === 1 ? 0 : Math.log(3)); // probabilities 3/4, 1/4
  const picks = [0.1, 0.5, 0.74, 0.76, 0.99].map((u) => hedge.choose([1, 2], () => u));
  assert.deepEqual(picks, [0, 0, 0, 1, 1]);
});

Deno.test("HedgePortfolio throws a RangeError naming the argument, when input is bad", () => {
  assert.throws(() => new HedgePortfolio(0), /'size' must be a positive integer/);
  assert.throws(() => new HedgePortfolio(2, { eta: -1 }), /'eta' must be a non-negative/);
  assert.throws(() => new HedgePortfolio(2).choose([1], Math.random), /'nominees' must hold/);
});
