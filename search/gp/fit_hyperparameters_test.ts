import assert from "node:assert/strict";
import { fitHyperparameters } from "./fit_hyperparameters.ts";
import { GpTrainingSet } from "./gaussian_process.ts";
import { seededRandom } from "../../core/random.ts";

function dataset(noise: number) {
  const random = seededRandom(3);
  const x: Float64Array[] = [];
  for (let i = 0; i < 30; i++) x.push(new Float64Array([random(), random(), random()]));
  // depends strongly on x0, weakly on x1, not on x2
  const raw = x.map((p) => Math.sin(5 * p[0]!) + 0.3 * p[1]! + noise * (random() - 0.5));
  const mean = raw.reduce((a, b) => a + b) / raw.length;
  return new GpTrainingSet({
    x,
    y: Float64Array.from(raw, (v) => v - mean),
    groups: new Int32Array([0, 1, 2]),
  });
}

Deno.test("fitHyperparameters() gives irrelevant inputs longer length scales, when one input does not matter", () => {
  const { hyperparameters } = fitHyperparameters(dataset(0));
  const [relevant, weak, irrelevant] = hyperparameters.lengthScales as [number, number, number];
  assert.ok(relevant < weak, `${relevant} < ${weak}`);
  assert.ok(relevant < irrelevant, `${relevant} < ${irrelevant}`);
});

Deno.test("fitHyperparameters() estimates more noise, when the data are noisier", () => {
  const quiet = fitHyperparameters(dataset(0)).hyperparameters.noise;
  const noisy = fitHyperparameters(dataset(1)).hyperparameters.noise;
  assert.ok(noisy > 10 * quiet, `${noisy} vs ${quiet}`);
});

Deno.test("fitHyperparameters() beats its starting points, when refining a poor start", () => {
  const set = dataset(0.1);
  const poor = { lengthScales: [10, 0.06, 0.06], noise: 0.5 };
  const fitted = fitHyperparameters(set, { starts: [poor], grid: false, maxEvaluations: 80 });
  assert.ok(fitted.evaluations <= 80 + 5);
  assert.ok(set.logMarginalLikelihood(fitted.hyperparameters) > set.logMarginalLikelihood(poor));
});

Deno.test("fitHyperparameters() keeps results inside the box, when the data push outside", () => {
  // constant-but-one data push the length scale and noise towards their bounds
  const x = Array.from({ length: 8 }, (_, i) => new Float64Array([i / 7]));
  const y = new Float64Array([0, 0, 0, 0, 0, 0, 0, 1e-9]);
  const { hyperparameters } = fitHyperparameters(
    new GpTrainingSet({ x, y, groups: new Int32Array([0]) }),
  );
  const [ls] = hyperparameters.lengthScales as [number];
  assert.ok(ls >= 0.05 - 1e-12 && ls <= 20 + 1e-9, `length scale ${ls}`);
  assert.ok(hyperparameters.noise >= 1e-6 - 1e-15 && hyperparameters.noise <= 1 + 1e-12);
});

Deno.test("fitHyperparameters() throws a RangeError, when a start has the wrong size or none is given without grid", () => {
  const set = dataset(0);
  assert.throws(
    () => fitHyperparameters(set, { starts: [{ lengthScales: [1], noise: 0.1 }] }),
    /'starts' entries must hold 3 length scales/,
  );
  assert.throws(
    () => fitHyperparameters(set, { grid: false }),
    /'starts' must not be empty when 'grid' is false/,
  );
});
