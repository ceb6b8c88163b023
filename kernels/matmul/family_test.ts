import assert from "node:assert/strict";
import { compileProgram, runProgram } from "../../gpu/program.ts";
import { enumerateValid } from "../../core/space.ts";
import { seededRandom, shuffle } from "../../core/random.ts";
import { GPU_AVAILABLE, testGpu } from "../../tests/gpu_fixture.ts";
import { compareToReference } from "../../core/compare.ts";
import type { Config, DeviceCaps } from "../types.ts";
import { matmulFamily, type MatmulProblem } from "./family.ts";

const HAS_F16 = GPU_AVAILABLE && (await testGpu()).caps.shaderF16;

/**
 * `count` configs of one variant drawn from the space with a seeded generator, excluding large
 * unrolled bodies: lavapipe's LLVM compile time grows fast with them, and a cold shader cache
 * would make this file slow (the pure tests cover their code, one test below runs a large one).
 */
function sample(
  problem: MatmulProblem,
  caps: DeviceCaps,
  variant: string,
  count: number,
  seed: number,
): Config[] {
  const configs = [...enumerateValid(matmulFamily.space(problem, caps))].filter((c) =>
    c.variant === variant &&
    (c.threadM as number) * (c.threadN as number) * (c.unroll as number) <= 128
  );
  return shuffle(configs, seededRandom(seed)).slice(0, count);
}

/** Runs each config on the device and compares with the float64 reference. */
async function checkConfigs(problem: MatmulProblem, configs: readonly Config[]): Promise<void> {
  const gpu = await testGpu();
  const inputs = matmulFamily.makeInputs(problem, 11);
  const expected = matmulFamily.reference(problem, inputs);
  const tolerance = matmulFamily.tolerance(problem);
  for (const config of configs) {
    const program = matmulFamily.generate(problem, config, gpu.caps);
    const actual = await runProgram(gpu, program, inputs);
    const result = compareToReference(actual, expected, tolerance);
    assert.ok(
      result.ok,
      `${matmulFamily.problemKey(problem)} ${JSON.stringify(config)}: ${JSON.stringify(result)}`,
    );
  }
}

/** The default plus one sampled config of each variant. */
function configsFor(problem: MatmulProblem, caps: DeviceCaps, seed: number): Config[] {
  return [
    matmulFamily.defaultConfig(problem, caps),
    ...sample(problem, caps, "register", 1, seed),
    ...sample(problem, caps, "shared", 1, seed),
  ];
}

const ODD_SHAPES = ["1x1x1", "7x13x5", "129x65x257", "3x17x33x9"];

Deno.test({
  name: "matmulFamily.generate() compiles on the device, for 24 configs sampled from the space",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const problems = [
      matmulFamily.parseShape("129x65x257"),
      matmulFamily.normalizeProblem({ m: 96, n: 128, k: 40, bias: true, activation: "relu" }),
    ];
    for (const [i, problem] of problems.entries()) {
      const all = [...enumerateValid(matmulFamily.space(problem, gpu.caps))];
      for (const config of shuffle(all, seededRandom(100 + i)).slice(0, 12)) {
        const program = matmulFamily.generate(problem, config, gpu.caps);
        await compileProgram(gpu, program);
      }
    }
  },
});

Deno.test({
  name: "matmulFamily kernels match the float64 reference, for odd f32 shapes and both variants",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    for (const [i, shape] of ODD_SHAPES.entries()) {
      const problem = matmulFamily.parseShape(shape);
      const configs = configsFor(problem, gpu.caps, i);
      assert.ok(configs.some((c) => c.variant === "shared") || problem.m * problem.n < 64);
      await checkConfigs(problem, configs);
    }
  },
});

Deno.test({
  name: "matmulFamily kernels match the reference, when bias and ReLU are fused",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const problem = matmulFamily.normalizeProblem({
      m: 33,
      n: 64,
      k: 19,
      batch: 2,
      bias: true,
      activation: "relu",
    });
    await checkConfigs(problem, configsFor(problem, gpu.caps, 20));
  },
});

Deno.test({
  name:
    "matmulFamily kernels match the reference, for a large register-blocked tile on an odd shape",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const problem = matmulFamily.parseShape("70x132x37");
    await checkConfigs(problem, [
      {
        variant: "register",
        tileM: 32,
        tileN: 64,
        tileK: 8,
        threadM: 32,
        threadN: 8,
        vec: 4,
        unroll: 4,
      },
      {
        variant: "shared",
        tileM: 64,
        tileN: 64,
        tileK: 32,
        threadM: 8,
        threadN: 8,
        vec: 4,
        unroll: 4,
      },
    ]);
  },
});

Deno.test({
  name: "matmulFamily f16 kernels match the reference, for odd shapes, both variants and bias+ReLU",
  ignore: !HAS_F16,
  async fn() {
    const gpu = await testGpu();
    const problems = [
      matmulFamily.parseShape("3x17x33x9", "f16"),
      matmulFamily.parseShape("129x65x257", "f16"),
      matmulFamily.normalizeProblem({
        m: 20,
        n: 48,
        k: 30,
        dtype: "f16",
        bias: true,
        activation: "relu",
      }),
    ];
    for (const [i, problem] of problems.entries()) {
      await checkConfigs(problem, configsFor(problem, gpu.caps, 40 + i));
    }
  },
});
