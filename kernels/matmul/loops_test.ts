import assert from "node:assert/strict";
import { runProgram } from "../../gpu/program.ts";
import { enumerateValid } from "../../core/space.ts";
import { seededRandom, shuffle } from "../../core/random.ts";
import { GPU_AVAILABLE, testGpu } from "../../tests/gpu_fixture.ts";
import { LOOP_BUDGET } from "../loop_budget.ts";
import { type Config, DEFAULT_CAPS } from "../types.ts";
import { wgslLoopBound } from "../wgsl_loop_bound.ts";
import {
  MATMUL_MAX_UNROLL,
  matmulConfigError,
  matmulLoopCost,
  parseMatmulConfig,
} from "./config.ts";
import { matmulFamily } from "./family.ts";
import { normalizeMatmulProblem } from "./problem.ts";

/** Room for the longest k the loop budget allows (the default caps bind 2^25 f32 values). */
const BIG_CAPS = { ...DEFAULT_CAPS, maxStorageBufferBindingSize: 2 ** 30 };
const MAX_K = (LOOP_BUDGET - 1) * MATMUL_MAX_UNROLL + MATMUL_MAX_UNROLL - 1;

/** Values of k at and around the points where the loop budget bites. */
const BOUNDARY_KS = [
  1,
  7,
  (LOOP_BUDGET - 1) * 4,
  (LOOP_BUDGET - 1) * 4 + 3,
  (LOOP_BUDGET - 1) * 4 + 4,
  400_000,
  (LOOP_BUDGET - 1) * 32 + 31,
  (LOOP_BUDGET - 1) * 32 + 32,
  MAX_K,
];

Deno.test("matmulLoopCost() equals the loop passes read from the generated code, and every legal config stays within the budget, when k is at or past the boundaries", () => {
  let legal = 0;
  let rejected = 0;
  for (const k of BOUNDARY_KS) {
    const problem = normalizeMatmulProblem({ m: 1, n: 2, k });
    for (const variant of ["register", "shared"]) {
      for (const tileK of [8, 16, 32]) {
        for (let unroll = 1; unroll <= MATMUL_MAX_UNROLL; unroll *= 2) {
          if (variant === "shared" && unroll > tileK) continue;
          const config = parseMatmulConfig({
            variant,
            tileM: 1,
            tileN: 2,
            tileK,
            threadM: 1,
            threadN: 2,
            vec: 2,
            unroll,
          });
          const cost = matmulLoopCost(problem, config);
          const error = matmulConfigError(problem, config, BIG_CAPS);
          if (error) {
            assert.ok(cost > LOOP_BUDGET, `k ${k} ${JSON.stringify(config)}: ${error}`);
            assert.match(error, /loop passes per invocation/);
            rejected++;
            continue;
          }
          legal++;
          const code = matmulFamily.generate(problem, config, BIG_CAPS).code;
          const bound = wgslLoopBound(code);
          assert.equal(bound, cost, `k ${k} ${JSON.stringify(config)}`);
          assert.ok(bound <= LOOP_BUDGET, `k ${k} ${JSON.stringify(config)}: ${bound}`);
        }
      }
    }
  }
  assert.ok(legal > 100 && rejected > 100, `${legal} legal, ${rejected} rejected`);
});

Deno.test("matmulFamily.defaultConfig() and every config of the space stay within the loop budget, when k is at or past the boundaries", () => {
  for (const k of BOUNDARY_KS) {
    for (const [m, n] of [[1, 2], [64, 64]]) {
      let problem;
      try {
        problem = normalizeMatmulProblem({ m, n, k });
        matmulFamily.space(problem, BIG_CAPS);
      } catch {
        continue; // buffers too large for this m, n
      }
      const configs = [...enumerateValid(matmulFamily.space(problem, BIG_CAPS))];
      assert.ok(configs.length > 0, `k ${k}: empty space`);
      const fallback = matmulFamily.defaultConfig(problem, BIG_CAPS);
      assert.ok(matmulFamily.space(problem, BIG_CAPS).isValid(fallback));
      for (const config of configs) {
        assert.ok(matmulLoopCost(problem, parseMatmulConfig(config)) <= LOOP_BUDGET);
      }
    }
  }
});

Deno.test("matmulFamily refuses k beyond what the loop budget allows with a RangeError naming k", () => {
  const problem = normalizeMatmulProblem({ m: 1, n: 1, k: MAX_K + 1 });
  const caps = { ...BIG_CAPS, maxStorageBufferBindingSize: 2 ** 31 };
  assert.throws(() => matmulFamily.space(problem, caps), /'k' must be at most 67107839/);
  assert.throws(() => matmulFamily.defaultConfig(problem, caps), RangeError);
  const config = {
    ...matmulFamily.defaultConfig(normalizeMatmulProblem({ m: 1, n: 1, k: 8 }), caps),
  };
  assert.throws(() => matmulFamily.generate(problem, config, caps), /'k' must be at most/);
});

Deno.test("matmulFamily.generate() refuses a config whose k loop would pass the loop budget", () => {
  const problem = normalizeMatmulProblem({ m: 1, n: 2, k: 400_000 });
  const config: Config = {
    variant: "register",
    tileM: 1,
    tileN: 2,
    tileK: 8,
    threadM: 1,
    threadN: 2,
    vec: 2,
    unroll: 4,
  };
  assert.throws(
    () => matmulFamily.generate(problem, config, DEFAULT_CAPS),
    /k loop runs 100001 loop passes per invocation, more than the 65535/,
  );
  assert.equal(matmulFamily.space(problem, DEFAULT_CAPS).isValid(config), false);
});

Deno.test({
  name:
    "matmulFamily kernels sum all 400000 products, when k = 400000 (default and sampled configs)",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const problem = normalizeMatmulProblem({ m: 1, n: 2, k: 400_000 });
    const inputs = [
      { name: "a", data: new Float32Array(problem.k).fill(1) },
      { name: "b", data: new Float32Array(problem.k * problem.n).fill(1) },
    ];
    const expected = matmulFamily.reference(problem, inputs);
    assert.deepEqual([...expected], [400_000, 400_000]);
    const space = matmulFamily.space(problem, gpu.caps);
    const sampled = shuffle([...enumerateValid(space)], seededRandom(5)).filter((c) =>
      (c.unroll as number) * (c.threadM as number) * (c.threadN as number) <= 64
    );
    const configs = [
      matmulFamily.defaultConfig(problem, gpu.caps),
      ...sampled.filter((c) => c.variant === "register").slice(0, 2),
      ...sampled.filter((c) => c.variant === "shared").slice(0, 2),
    ];
    assert.ok(configs.length >= 4);
    for (const config of configs) {
      const out = await runProgram(gpu, matmulFamily.generate(problem, config, gpu.caps), inputs);
      assert.deepEqual([...out], [...expected], JSON.stringify(config));
    }
  },
});
