import assert from "node:assert/strict";
import { getKernel } from "../kernels/registry.ts";
import type { AnyKernelFamily } from "../kernels/types.ts";
import { startReference } from "./reference.ts";
import { family as slowReference } from "./testdata/slow_reference_family.ts";

Deno.test("startReference() computes in a worker thread what the family computes here", async () => {
  const family = getKernel("matmul");
  const problem = family.normalizeProblem({ m: 5, n: 3, k: 7 });
  const inputs = family.makeInputs(problem, 4);
  const job = startReference(family, problem, 4, { inlineFlops: 0 });
  const { inputs: made, expected } = await job.result;
  assert.deepEqual(made, inputs);
  assert.deepEqual(expected, family.reference(problem, inputs));
});

Deno.test("startReference() stops a reference in progress at once, when cancelled", async () => {
  const job = startReference(slowReference, { n: 8 }, 1, {
    familyModule: new URL("./testdata/slow_reference_family.ts", import.meta.url).href,
  });
  const started = performance.now();
  setTimeout(() => job.cancel(), 100);
  await assert.rejects(job.result, /cancelled/);
  assert.ok(performance.now() - started < 5_000);
});

Deno.test("startReference() rejects with the family's error, when its reference throws", async () => {
  const source = `export const family = {
    name: "broken", flops: () => 1e12, makeInputs: () => [],
    reference: () => { throw new RangeError("no reference for this problem"); },
  };`;
  const familyModule = `data:text/javascript,${encodeURIComponent(source)}`;
  const family = (await import(familyModule)).family as AnyKernelFamily;
  await assert.rejects(
    startReference(family, {}, 1, { familyModule }).result,
    /no reference for this problem/,
  );
  // Computed here (no module, not in the registry), the same error.
  await assert.rejects(startReference(family, {}, 1).result, /no reference for this problem/);
});
