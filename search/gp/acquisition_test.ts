import assert from "node:assert/strict";
import { logExpectedImprovement, normalCdf, normalPdf } from "./acquisition.ts";

// reference values of Φ (Abramowitz and Stegun, table 26.1)
const CDF: [number, number][] = [
  [-3, 0.0013498980316301],
  [-1.5, 0.0668072012688581],
  [-0.5, 0.3085375387259869],
  [0, 0.5],
  [0.25, 0.5987063256829237],
  [1, 0.8413447460685429],
  [2.5, 0.9937903346742238],
];

Deno.test("normalCdf() matches tabulated values to 1e-7, when z spans the usual range", () => {
  for (const [z, p] of CDF) {
    assert.ok(Math.abs(normalCdf(z) - p) < 1e-7, `Φ(${z}) = ${normalCdf(z)}`);
  }
});

Deno.test("normalCdf() keeps relative accuracy in the tail, when z is very negative", () => {
  // Φ(−10) = 7.619853024160527e-24
  assert.ok(Math.abs(normalCdf(-10) / 7.619853024160527e-24 - 1) < 1e-6);
});

Deno.test("normalPdf() is the Gaussian density, when evaluated at 0 and 1", () => {
  assert.ok(Math.abs(normalPdf(0) - 1 / Math.sqrt(2 * Math.PI)) < 1e-15);
  assert.ok(Math.abs(normalPdf(1) - Math.exp(-0.5) / Math.sqrt(2 * Math.PI)) < 1e-15);
});

/** Expected improvement by numerical integration over the posterior. */
function integratedEi(mean: number, sd: number, best: number): number {
  let sum = 0;
  const steps = 20000;
  const lo = mean - 12 * sd;
  const h = (24 * sd) / steps;
  for (let i = 0; i <= steps; i++) {
    const f = lo + i * h;
    const w = i === 0 || i === steps ? 0.5 : 1;
    sum += w * Math.max(best - f, 0) * normalPdf((f - mean) / sd) / sd;
  }
  return sum * h;
}

Deno.test("logExpectedImprovement() equals the integral of the improvement, when z is moderate", () => {
  for (
    const [mean, sd, best] of [[0, 1, 0], [1, 0.5, 0.2], [-1, 2, 0.5], [0.3, 0.1, 0.1]] as const
  ) {
    const ei = Math.exp(logExpectedImprovement(mean, sd, best));
    const reference = integratedEi(mean, sd, best);
    assert.ok(Math.abs(ei - reference) < 1e-6 * Math.max(1, reference), `${ei} vs ${reference}`);
  }
});

Deno.test("logExpectedImprovement() stays finite and monotonic, when the improvement underflows", () => {
  let previous = Infinity;
  for (const gap of [4, 6, 10, 30, 100, 1000]) {
    const value = logExpectedImprovement(gap, 1, 0);
    assert.ok(Number.isFinite(value), `gap ${gap}: ${value}`);
    assert.ok(value < previous, `gap ${gap}: ${value} ≥ ${previous}`);
    previous = value;
  }
  // continuity across the switch to the asymptotic branch at z = −5 (slope there is about 5)
  const below = logExpectedImprovement(5 + 1e-7, 1, 0);
  const above = logExpectedImprovement(5 - 1e-7, 1, 0);
  assert.ok(Math.abs(below - above) < 1e-4, `${below} vs ${above}`);
  // exact value at z = −10: φ(10) − 10 (1 − Φ(10)) = 7.47456025458e-25
  const ei = Math.exp(logExpectedImprovement(10, 1, 0));
  assert.ok(Math.abs(ei / 7.47456025458e-25 - 1) < 1e-4, `${ei}`);
});

Deno.test("logExpectedImprovement() subtracts the margin xi, when xi is positive", () => {
  assert.equal(logExpectedImprovement(0, 1, 0.5, 0.5), logExpectedImprovement(0, 1, 0));
});

Deno.test("logExpectedImprovement() returns the plain gain or -Infinity, when sd is zero", () => {
  assert.ok(Math.abs(logExpectedImprovement(1, 0, 3) - Math.log(2)) < 1e-15);
  assert.equal(logExpectedImprovement(3, 0, 1), -Infinity);
});
