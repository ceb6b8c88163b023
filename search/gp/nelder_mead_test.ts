import assert from "node:assert/strict";
import { nelderMead } from "./nelder_mead.ts";

Deno.test("nelderMead() finds the minimum of the Rosenbrock function, when given enough evaluations", () => {
  const rosenbrock = (p: Float64Array) => 100 * (p[1]! - p[0]! ** 2) ** 2 + (1 - p[0]!) ** 2;
  const { x, value } = nelderMead(rosenbrock, [-1.2, 1], {
    maxEvaluations: 2000,
    tolerance: 1e-14,
  });
  assert.ok(Math.abs(x[0]! - 1) < 1e-3 && Math.abs(x[1]! - 1) < 2e-3, `x = ${x}`);
  assert.ok(value < 1e-6);
});

Deno.test("nelderMead() minimizes a 6-D quadratic, when the dimensions have different scales", () => {
  const center = [1, -2, 0.5, 3, -1, 0];
  const f = (p: Float64Array) => center.reduce((s, c, i) => s + (i + 1) * (p[i]! - c) ** 2, 0);
  const { x } = nelderMead(f, new Array(6).fill(0), { maxEvaluations: 5000, tolerance: 1e-16 });
  center.forEach((c, i) => assert.ok(Math.abs(x[i]! - c) < 1e-3, `x[${i}] = ${x[i]}`));
});

Deno.test("nelderMead() respects the evaluation budget, when the budget is small", () => {
  let calls = 0;
  const result = nelderMead(
    (p) => {
      calls++;
      return p[0]! ** 2 + p[1]! ** 2 + p[2]! ** 2;
    },
    [5, 5, 5],
    { maxEvaluations: 30 },
  );
  assert.equal(result.evaluations, calls);
  // a shrink step may finish past the budget by at most one simplex
  assert.ok(calls <= 30 + 3, `calls ${calls}`);
});

Deno.test("nelderMead() treats NaN as +Infinity, when the objective is undefined somewhere", () => {
  const f = (p: Float64Array) => p[0]! < 0 ? NaN : (p[0]! - 2) ** 2;
  const { x } = nelderMead(f, [1], { maxEvaluations: 200, tolerance: 1e-14 });
  assert.ok(Math.abs(x[0]! - 2) < 1e-3);
});

Deno.test("nelderMead() throws a RangeError naming the option, when options are bad", () => {
  assert.throws(() => nelderMead(() => 0, []), /'start' must not be empty/);
  assert.throws(
    () => nelderMead(() => 0, [0], { maxEvaluations: 0 }),
    /'maxEvaluations' must be a positive integer: current value is 0/,
  );
  assert.throws(
    () => nelderMead(() => 0, [0], { step: -1 }),
    /'step' must be positive: current value is -1/,
  );
});
