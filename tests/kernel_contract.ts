/**
 * The contract every kernel family keeps (one shared suite, run once per family by
 * `tests/kernel_contract_test.ts` for the registered ones): it carries default CLI problems and
 * small test problems, normalization is idempotent, keys are stable, the space is non-empty and
 * holds the default, the default program matches the inputs and the reference, and on a GPU it
 * computes the reference on each of its `testShapes`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { runProgram } from "../gpu/program.ts";
import { type AnyKernelFamily } from "../kernels/types.ts";
import { DEFAULT_CAPS } from "../core/types.ts";
import { configKey, enumerateValid } from "../core/space.ts";
import { compareToReference } from "../core/compare.ts";
import { GPU_AVAILABLE, testGpu } from "./gpu_fixture.ts";

/** Registers the contract's tests (`Deno.test`) for one kernel family. */
export function kernelContractTests(family: AnyKernelFamily): void {
  const name = family.name;
  const shapes = [...family.defaultShapes, ...family.testShapes];
  Deno.test(`${name}: every registered family has a small test problem and default shapes`, () => {
    assert.ok(family.testShapes.length > 0, `add a small problem to '${name}'.testShapes`);
    assert.ok(family.defaultShapes.length > 0, `add default shapes to '${name}'.defaultShapes`);
  });

  Deno.test(`${name}: normalizeProblem() is idempotent and problemKey() stable`, () => {
    for (const shape of shapes) {
      const once = family.normalizeProblem(family.parseShape(shape));
      const twice = family.normalizeProblem(once);
      assert.deepEqual(twice, once, shape);
      assert.equal(family.problemKey(twice), family.problemKey(once));
      assert.deepEqual(JSON.parse(JSON.stringify(once)), once, `${shape}: problems are plain JSON`);
    }
  });

  Deno.test(`${name}: the default config is in the space and its program matches inputs and reference`, () => {
    const caps = { ...DEFAULT_CAPS, shaderF16: true };
    for (const shape of shapes) {
      const problem = family.normalizeProblem(family.parseShape(shape));
      const space = family.space(problem, caps);
      const legal = [...enumerateValid(space)].map(configKey);
      assert.ok(legal.length > 0, `${shape}: empty space`);
      const fallback = family.defaultConfig(problem, caps);
      assert.ok(legal.includes(configKey(fallback)), `${shape}: default not in the space`);
      const program = family.generate(problem, fallback, caps);
      const inputs = family.makeInputs(problem, 1);
      const reads = program.bindings.filter((b) => b.access === "read");
      assert.deepEqual(inputs.map((t) => t.name), reads.map((b) => b.name), shape);
      reads.forEach((b, i) =>
        assert.equal(inputs[i]!.data.length, b.elements, `${shape}: ${b.name}`)
      );
      const out = program.bindings.at(-1)!;
      assert.equal(out.access, "read_write");
      assert.ok(family.flops(problem) > 0, shape);
      assert.ok(
        program.workgroupSize[0] * program.workgroupSize[1] * program.workgroupSize[2] <=
          caps.maxInvocationsPerWorkgroup,
      );
    }
  });

  Deno.test({
    name: `${name}: the default kernel computes the float64 reference on the GPU`,
    ignore: !GPU_AVAILABLE,
    async fn() {
      const gpu = await testGpu();
      for (const shape of family.testShapes) {
        const problem = family.normalizeProblem(family.parseShape(shape));
        const inputs = family.makeInputs(problem, 3);
        const expected = family.reference(problem, inputs);
        const config = family.defaultConfig(problem, gpu.caps);
        const program = family.generate(problem, config, gpu.caps);
        assert.equal(expected.length, program.bindings.at(-1)!.elements);
        const actual = await runProgram(gpu, program, inputs);
        const comparison = compareToReference(actual, expected, family.tolerance(problem));
        assert.ok(comparison.ok, `${shape}: ${JSON.stringify(comparison)}`);
      }
    },
  });
}
