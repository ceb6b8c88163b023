import assert from "node:assert/strict";
import { runProgram } from "../../gpu/program.ts";
import { enumerateValid } from "../../core/space.ts";
import { seededRandom, shuffle } from "../../core/random.ts";
import { GPU_AVAILABLE, testGpu } from "../../tests/gpu_fixture.ts";
import { compareToReference } from "../../core/compare.ts";
import { LOOP_BUDGET } from "../loop_budget.ts";
import { DEFAULT_CAPS } from "../types.ts";
import { wgslLoopBound } from "../wgsl_loop_bound.ts";
import { attentionConfigError, attentionLoopCost, parseAttentionConfig } from "./config.ts";
import { attentionFamily } from "./family.ts";
import { normalizeAttentionProblem } from "./problem.ts";

/** Long key sequences around the loop budget, and ordinary problems (splits, tiles, stages). */
const PROBLEMS = [
  { batch: 1, heads: 1, seqQ: 1, seqKV: 70_000, headDim: 4 },
  { batch: 1, heads: 1, seqQ: 16, seqKV: 140_000, headDim: 1 },
  { batch: 1, heads: 1, seqQ: 9, seqKV: 65_535, headDim: 4, causal: true },
  { batch: 1, heads: 2, seqQ: 5, seqKV: 37, headDim: 8, headDimV: 4 },
  { batch: 1, heads: 1, seqQ: 64, seqKV: 64, headDim: 16 },
].map((p) => normalizeAttentionProblem(p));

Deno.test("attentionLoopCost() equals the loop passes read from the generated code and stays within the budget, for configs sampled from the spaces of long and ordinary problems", () => {
  const seen = { split: false, tiled: false, staged: false };
  for (const [i, problem] of PROBLEMS.entries()) {
    const space = attentionFamily.space(problem, DEFAULT_CAPS);
    const configs = shuffle([...enumerateValid(space)], seededRandom(i + 1));
    const maxima = new Map([["kvEnd", problem.seqKV]]);
    for (
      const config of [
        attentionFamily.defaultConfig(problem, DEFAULT_CAPS),
        ...configs.slice(0, 60),
      ]
    ) {
      const typed = parseAttentionConfig(config);
      const cost = attentionLoopCost(problem, typed);
      const code = attentionFamily.generate(problem, config, DEFAULT_CAPS).code;
      const label = `${attentionFamily.problemKey(problem)} ${JSON.stringify(config)}`;
      assert.equal(wgslLoopBound(code, maxima), cost, label);
      assert.ok(cost <= LOOP_BUDGET, label);
      seen.split ||= typed.threadsPerRow > 1;
      seen.tiled ||= typed.kvTile > 0;
      seen.staged ||= typed.ioStage === 1;
    }
  }
  assert.deepEqual(seen, { split: true, tiled: true, staged: true });
});

Deno.test("attentionConfigError() rejects a config whose key loop would pass the budget", () => {
  const problem = PROBLEMS[0]!;
  const config = parseAttentionConfig({
    rowThreads: 1,
    rowsPerThread: 1,
    threadsPerRow: 1,
    keyBlock: 1,
    vec: 4,
    kvTile: 0,
    ioStage: 0,
  });
  assert.match(
    attentionConfigError(problem, config, DEFAULT_CAPS) ?? "",
    /loops runs 70001 loop passes per invocation, more than the 65535/,
  );
  assert.throws(() => attentionFamily.generate(problem, { ...config }, DEFAULT_CAPS), RangeError);
});

Deno.test("attentionFamily refuses seqKV beyond what the loop budget allows, with a RangeError", () => {
  const problem = normalizeAttentionProblem({
    batch: 1,
    heads: 1,
    seqQ: 1,
    seqKV: 65_534 * 512 + 1,
    headDim: 1,
  });
  assert.throws(
    () => attentionFamily.space(problem, DEFAULT_CAPS),
    /'seqKV' must be at most 33553408 .*: current value is 33553409/,
  );
});

Deno.test({
  name:
    "attentionFamily kernels match the float64 reference over more than 65535 keys (default and sampled configs)",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    for (const [i, problem] of PROBLEMS.slice(0, 2).entries()) {
      const inputs = attentionFamily.makeInputs(problem, 7);
      const expected = attentionFamily.reference(problem, inputs);
      const tolerance = attentionFamily.tolerance(problem);
      const configs = shuffle(
        [...enumerateValid(attentionFamily.space(problem, gpu.caps))],
        seededRandom(i + 9),
      );
      for (
        const config of [attentionFamily.defaultConfig(problem, gpu.caps), ...configs.slice(0, 2)]
      ) {
        const program = attentionFamily.generate(problem, config, gpu.caps);
        const out = await runProgram(gpu, program, inputs);
        const check = compareToReference(out, expected, tolerance);
        assert.ok(check.ok, `${JSON.stringify(config)}: ${JSON.stringify(check)}`);
      }
    }
  },
});
