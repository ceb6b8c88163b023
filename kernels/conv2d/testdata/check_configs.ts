/**
 * GPU check shared by the conv2d tests: runs configs on the test device and compares each output
 * with the float64 reference.
 *
 * @module
 */
import assert from "node:assert/strict";
import { runProgram } from "../../../gpu/program.ts";
import { testGpu } from "../../../tests/gpu_fixture.ts";
import { compareToReference } from "../../../core/compare.ts";
import type { Config } from "../../types.ts";
import { conv2dFamily, type Conv2dProblem } from "../family.ts";

/** Runs each config on the device with inputs of `inputSeed` and compares with the reference. */
export async function checkConfigs(
  problem: Conv2dProblem,
  configs: readonly Config[],
  inputSeed: number,
): Promise<void> {
  const gpu = await testGpu();
  const inputs = conv2dFamily.makeInputs(problem, inputSeed);
  const expected = conv2dFamily.reference(problem, inputs);
  const tolerance = conv2dFamily.tolerance(problem);
  for (const config of configs) {
    const program = conv2dFamily.generate(problem, config, gpu.caps);
    const actual = await runProgram(gpu, program, inputs);
    const result = compareToReference(actual, expected, tolerance);
    assert.ok(
      result.ok,
      `${conv2dFamily.problemKey(problem)} ${JSON.stringify(config)}: ${JSON.stringify(result)}`,
    );
  }
}
