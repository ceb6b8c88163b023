import assert from "node:assert/strict";
import { runProgram } from "../../gpu/program.ts";
import { enumerateValid } from "../../core/space.ts";
import { seededRandom, shuffle } from "../../core/random.ts";
import { GPU_AVAILABLE, testGpu } from "../../tests/gpu_fixture.ts";
import { LOOP_BUDGET } from "../loop_budget.ts";
import { type Config, DEFAULT_CAPS } from "../types.ts";
import { wgslLoopBound } from "../wgsl_loop_bound.ts";
import { parseConv2dConfig } from "./config.ts";
import { conv2dConfigError } from "./legality.ts";
import { conv2dLoopCost } from "./loop_cost.ts";
import { conv2dFamily } from "./family.ts";
import { normalizeConv2dProblem } from "./problem.ts";

const PAD1 = { padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 };

/** Problems around the loop budget (long channel loops) and ordinary ones of every algorithm. */
const PROBLEMS = [
  { batch: 1, inChannels: 80_000, height: 1, width: 1, outChannels: 1, kernelH: 1, kernelW: 1 },
  { batch: 1, inChannels: 65_535, height: 2, width: 2, outChannels: 2, kernelH: 1, kernelW: 1 },
  { batch: 1, inChannels: 7_300, height: 3, width: 3, outChannels: 2, kernelH: 3, kernelW: 3 },
  { batch: 1, inChannels: 2_000_000, height: 1, width: 1, outChannels: 1, kernelH: 1, kernelW: 1 },
  {
    batch: 1,
    inChannels: 16,
    height: 9,
    width: 9,
    outChannels: 8,
    kernelH: 3,
    kernelW: 3,
    ...PAD1,
  },
  {
    batch: 1,
    inChannels: 8,
    height: 20,
    width: 20,
    outChannels: 8,
    kernelH: 3,
    kernelW: 3,
    groups: 8,
    ...PAD1,
  },
  {
    batch: 1,
    inChannels: 8,
    height: 10,
    width: 12,
    outChannels: 8,
    kernelH: 5,
    kernelW: 5,
    groups: 8,
    layout: "NHWC",
  },
].map((p) => normalizeConv2dProblem(p));

Deno.test("conv2dLoopCost() equals the loop passes read from the generated code and stays within the budget, for configs sampled from the spaces of long and ordinary problems", () => {
  const algorithms = new Set<string>();
  for (const [i, problem] of PROBLEMS.entries()) {
    const space = conv2dFamily.space(problem, DEFAULT_CAPS);
    const configs = shuffle([...enumerateValid(space)], seededRandom(i + 1));
    assert.ok(configs.length > 0);
    for (
      const config of [conv2dFamily.defaultConfig(problem, DEFAULT_CAPS), ...configs.slice(0, 40)]
    ) {
      const cost = conv2dLoopCost(problem, parseConv2dConfig(config));
      const code = conv2dFamily.generate(problem, config, DEFAULT_CAPS).code;
      const label = `${conv2dFamily.problemKey(problem)} ${JSON.stringify(config)}`;
      assert.equal(wgslLoopBound(code), cost, label);
      assert.ok(cost <= LOOP_BUDGET, label);
      algorithms.add(config.algorithm as string);
    }
  }
  assert.deepEqual([...algorithms].sort(), ["depthwise", "direct", "gemm", "rows"]);
});

Deno.test("conv2dConfigError() rejects the configs whose loops would pass the budget, naming the loops", () => {
  const problem = PROBLEMS[0]!;
  const config = parseConv2dConfig({
    algorithm: "gemm",
    tileM: 8,
    tileN: 1,
    tileK: 1,
    threadM: 1,
    threadN: 1,
    vec: 1,
  });
  assert.equal(conv2dLoopCost(problem, config), 80_001);
  assert.match(
    conv2dConfigError(problem, config, DEFAULT_CAPS) ?? "",
    /the gemm kernel's loops runs 80001 loop passes per invocation, more than the 65535/,
  );
  assert.throws(() => conv2dFamily.generate(problem, config as unknown as Config, DEFAULT_CAPS));
});

Deno.test("conv2dFamily refuses more input channels per group than the loop budget allows, with a RangeError", () => {
  const problem = normalizeConv2dProblem({
    batch: 1,
    inChannels: 65_534 * 32 + 1,
    height: 1,
    width: 1,
    outChannels: 1,
    kernelH: 1,
    kernelW: 1,
  });
  assert.throws(
    () => conv2dFamily.space(problem, DEFAULT_CAPS),
    /reduction length .* must be at most 2097088 .*: current value is 2097089/,
  );
  assert.throws(() => conv2dFamily.defaultConfig(problem, DEFAULT_CAPS), RangeError);
});

Deno.test({
  name:
    "conv2dFamily kernels sum all 80000 input channels of a 1x1 convolution (default and sampled direct and gemm configs)",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const problem = PROBLEMS[0]!;
    const inputs = [
      { name: "input", data: new Float32Array(80_000).fill(1) },
      { name: "weight", data: new Float32Array(80_000).fill(1) },
    ];
    const expected = conv2dFamily.reference(problem, inputs);
    assert.deepEqual([...expected], [80_000]);
    const configs = shuffle(
      [...enumerateValid(conv2dFamily.space(problem, gpu.caps))],
      seededRandom(3),
    );
    const sample = [
      conv2dFamily.defaultConfig(problem, gpu.caps),
      ...configs.filter((c) => c.algorithm === "direct").slice(0, 2),
      ...configs.filter((c) => c.algorithm === "gemm").slice(0, 2),
    ];
    assert.equal(sample.length, 5);
    for (const config of sample) {
      const out = await runProgram(gpu, conv2dFamily.generate(problem, config, gpu.caps), inputs);
      assert.deepEqual([...out], [...expected], JSON.stringify(config));
    }
  },
});
