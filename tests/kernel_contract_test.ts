/**
 * The contract every registered kernel family keeps (one shared suite, run once per family):
 * normalization is idempotent, keys are stable, the space is non-empty and holds the default, the
 * default program matches the inputs and the reference, and on a GPU it computes the reference.
 */
import assert from "node:assert/strict";
import { DEFAULT_SHAPES } from "../cli/defaults.ts";
import { runProgram } from "../gpu/program.ts";
import { KERNELS } from "../kernels/registry.ts";
import { DEFAULT_CAPS } from "../core/types.ts";
import { configKey, enumerateValid } from "../core/space.ts";
import { compareToReference } from "../core/compare.ts";
import { GPU_AVAILABLE, testGpu } from "./gpu_fixture.ts";

/** One small problem per family for the GPU part (the CLI defaults are too big for lavapipe CI). */
const SMALL: Readonly<Record<string, string>> = {
  matmul: "7x13x5",
  conv2d: "N1,C3,H9,W7,K5,R3,S3,stride2,pad1",
  attention: "B1,H2,Sq7,Skv13,D8,causal",
};

for (const [name, family] of Object.entries(KERNELS)) {
  Deno.test(`${name}: every registered family has a small test problem and default shapes`, () => {
    assert.ok(SMALL[name], `add a small problem for '${name}' to tests/kernel_contract_test.ts`);
    assert.ok((DEFAULT_SHAPES[name] ?? []).length > 0, `add default shapes for '${name}'`);
  });

  Deno.test(`${name}: normalizeProblem() is idempotent and problemKey() stable`, () => {
    for (const shape of [...(DEFAULT_SHAPES[name] ?? []), SMALL[name]!]) {
      const once = family.normalizeProblem(family.parseShape(shape));
      const twice = family.normalizeProblem(once);
      assert.deepEqual(twice, once, shape);
      assert.equal(family.problemKey(twice), family.problemKey(once));
      assert.deepEqual(JSON.parse(JSON.stringify(once)), once, `${shape}: problems are plain JSON`);
    }
  });

  Deno.test(`${name}: the default config is in the space and its program matches inputs and reference`, () => {
    const caps = { ...DEFAULT_CAPS, shaderF16: true };
    for (const shape of [...(DEFAULT_SHAPES[name] ?? []), SMALL[name]!]) {
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
      const problem = family.normalizeProblem(family.parseShape(SMALL[name]!));
      const inputs = family.makeInputs(problem, 3);
      const expected = family.reference(problem, inputs);
      const program = family.generate(problem, family.defaultConfig(problem, gpu.caps), gpu.caps);
      assert.equal(expected.length, program.bindings.at(-1)!.elements);
      const actual = await runProgram(gpu, program, inputs);
      const comparison = compareToReference(actual, expected, family.tolerance(problem));
      assert.ok(comparison.ok, JSON.stringify(comparison));
    },
  });
}
