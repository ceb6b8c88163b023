import assert from "node:assert/strict";
import { GpTrainingSet, matern52 } from "./gaussian_process.ts";

const xs = [0, 0.2, 0.45, 0.7, 1].map((v) => new Float64Array([v, 1 - v * v]));
const ys = new Float64Array([0.3, -1.2, 0.8, 1.5, -0.4]);
const groups = new Int32Array([0, 1]);
const hyper = { lengthScales: [0.3, 0.5], noise: 1e-8 };

Deno.test("matern52() is 1 at zero and decreases, when the distance grows", () => {
  assert.equal(matern52(0), 1);
  let previous = 1;
  for (const r of [0.1, 0.5, 1, 2, 5]) {
    const k = matern52(r);
    assert.ok(k < previous && k > 0, `r = ${r}`);
    previous = k;
  }
  // (1 + √5 + 5/3) e^{−√5}
  assert.ok(Math.abs(matern52(1) - (1 + Math.sqrt(5) + 5 / 3) * Math.exp(-Math.sqrt(5))) < 1e-15);
});

Deno.test("GaussianProcess.predict() interpolates training points with ~0 variance, when the noise is tiny", () => {
  const model = new GpTrainingSet({ x: xs, y: ys, groups }).fit(hyper);
  const { mean, variance } = model.predict(xs);
  for (let i = 0; i < xs.length; i++) {
    assert.ok(Math.abs(mean[i]! - ys[i]!) < 1e-5, `mean at point ${i}: ${mean[i]}`);
    assert.ok(variance[i]! < 1e-6 * model.signalVariance, `variance at point ${i}: ${variance[i]}`);
  }
});

Deno.test("GaussianProcess.predict() has larger variance, when moving away from the data", () => {
  const model = new GpTrainingSet({ x: xs, y: ys, groups }).fit(hyper);
  const near = new Float64Array([0.33, 1 - 0.33 * 0.33]);
  const far = new Float64Array([3, -3]);
  const { mean, variance } = model.predict([near, far]);
  assert.ok(variance[0]! > 1e-4 * model.signalVariance);
  assert.ok(variance[1]! > variance[0]!);
  // far from all data the posterior returns to the prior: mean 0, variance σ²
  assert.ok(Math.abs(mean[1]!) < 1e-3);
  assert.ok(Math.abs(variance[1]! - model.signalVariance) < 1e-3 * model.signalVariance);
});

Deno.test("GaussianProcess.predict() smooths instead of interpolating, when the noise is large", () => {
  const model = new GpTrainingSet({ x: xs, y: ys, groups }).fit({ ...hyper, noise: 1 });
  const { mean } = model.predict(xs);
  const residual = mean.reduce((sum, m, i) => sum + Math.abs(m - ys[i]!), 0);
  assert.ok(residual > 0.5, `residual ${residual}`);
});

Deno.test("GpTrainingSet.logMarginalLikelihood() matches the closed form, when there is one point", () => {
  // n = 1: A = 1 + g, σ² = y²/(1 + g), log L = −½ log σ² − ½ log(1 + g) − ½ (1 + log 2π)
  const y = 0.7;
  const g = 0.25;
  const set = new GpTrainingSet({
    x: [new Float64Array([0.5])],
    y: new Float64Array([y]),
    groups: new Int32Array([0]),
  });
  const expected = -0.5 * Math.log((y * y) / (1 + g)) - 0.5 * Math.log(1 + g) -
    0.5 * (1 + Math.log(2 * Math.PI));
  assert.ok(
    Math.abs(set.logMarginalLikelihood({ lengthScales: [1], noise: g }) - expected) < 1e-12,
  );
});

Deno.test("GpTrainingSet.logMarginalLikelihood() prefers the true length scale, when data come from a smooth function", () => {
  const x = Array.from({ length: 15 }, (_, i) => new Float64Array([i / 14]));
  const y = Float64Array.from(x, (p) => Math.sin(4 * p[0]!));
  const set = new GpTrainingSet({ x, y, groups: new Int32Array([0]) });
  const at = (ls: number) => set.logMarginalLikelihood({ lengthScales: [ls], noise: 1e-6 });
  assert.ok(at(0.4) > at(0.02));
  assert.ok(at(0.4) > at(20));
});

Deno.test("GpTrainingSet.fit() survives duplicated points, when the noise is zero", () => {
  const x = [new Float64Array([0.5]), new Float64Array([0.5]), new Float64Array([0.9])];
  const set = new GpTrainingSet({
    x,
    y: new Float64Array([1, 1, -1]),
    groups: new Int32Array([0]),
  });
  const { mean, variance } = set.fit({ lengthScales: [0.3], noise: 0 }).predict([x[0]!]);
  assert.ok(Number.isFinite(mean[0]!) && Number.isFinite(variance[0]!));
  assert.ok(Math.abs(mean[0]! - 1) < 1e-3);
});

Deno.test("GpTrainingSet uses extra noise per point, when it is given", () => {
  const x = [new Float64Array([0]), new Float64Array([1])];
  const y = new Float64Array([1, -1]);
  const trusted = new GpTrainingSet({ x, y, groups: new Int32Array([0]) })
    .fit({ lengthScales: [0.2], noise: 1e-6 }).predict([x[0]!]).mean[0]!;
  const doubted = new GpTrainingSet({
    x,
    y,
    groups: new Int32Array([0]),
    extraNoise: new Float64Array([2, 0]),
  }).fit({ lengthScales: [0.2], noise: 1e-6 }).predict([x[0]!]).mean[0]!;
  assert.ok(Math.abs(trusted - 1) < 1e-3);
  assert.ok(doubted < 0.5, `prediction at the doubted point: ${doubted}`);
});

Deno.test("GpTrainingSet throws a RangeError naming the argument, when inputs disagree", () => {
  assert.throws(
    () => new GpTrainingSet({ x: xs, y: new Float64Array(2), groups }),
    /'y' must hold one target per row of 'x' \(5\): length is 2/,
  );
  assert.throws(
    () => new GpTrainingSet({ x: xs, y: ys, groups: new Int32Array([0]) }),
    /'x\[0\]' must have one entry per group column/,
  );
  assert.throws(
    () => new GpTrainingSet({ x: xs, y: ys.map((v, i) => i === 2 ? NaN : v), groups }),
    /'y\[2\]' must be finite: current value is NaN/,
  );
  const set = new GpTrainingSet({ x: xs, y: ys, groups });
  assert.throws(
    () => set.fit({ lengthScales: [1], noise: 0 }),
    /'lengthScales' must hold one value per group \(2\)/,
  );
  assert.throws(
    () => set.fit({ lengthScales: [1, -1], noise: 0 }),
    /'lengthScales\[1\]' must be positive: current value is -1/,
  );
  assert.throws(() => set.fit({ lengthScales: [1, 1], noise: -1 }), /'noise' must be non-negative/);
  assert.throws(
    () => set.fit(hyper).predict([new Float64Array(3)]),
    /'x\[0\]' must have one entry per group column \(2\)/,
  );
});
