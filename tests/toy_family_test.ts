/**
 * A family from outside `kernels/` (`tests/testdata/toy_family.ts`) becomes usable with one
 * registration: `tune()` finds it by name, and the shared contract suite covers it. Everything is
 * imported from the package's public entry points (`mod.ts`, `kernels/mod.ts`, `search/mod.ts`).
 */
import assert from "node:assert/strict";
import { getKernel, listKernels, registerKernel } from "../kernels/mod.ts";
import { tune } from "../mod.ts";
import { configKey, enumerateValid } from "../search/mod.ts";
import { GPU_AVAILABLE, testGpu } from "./gpu_fixture.ts";
import { kernelContractTests } from "./kernel_contract.ts";
import { toyFamily } from "./testdata/toy_family.ts";

registerKernel(toyFamily);
kernelContractTests(toyFamily);

Deno.test("registerKernel() makes a family known by name, when it comes from outside kernels/", () => {
  assert.equal(getKernel("toy_scale"), toyFamily);
  assert.ok(listKernels().includes(toyFamily));
  assert.throws(() => registerKernel(toyFamily), RangeError);
});

Deno.test({
  name: "tune() tunes a registered toy family through the public API, when the cache is off",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const result = await tune(gpu, { op: "toy_scale", problem: { n: 37 } }, {
      strategy: "grid",
      maxEvals: 8,
      measureMs: 5,
      cacheDir: null,
    });
    assert.equal(result.op, "toy_scale");
    assert.equal(result.fromCache, false);
    assert.equal(result.stoppedBy, "exhausted");
    const space = toyFamily.space(toyFamily.normalizeProblem({ n: 37 }), gpu.caps);
    const legal = [...enumerateValid(space)].map(configKey);
    assert.ok(legal.includes(configKey(result.best.config)));
    assert.ok(result.trials.length > 0);
    for (const trial of result.trials) assert.equal(trial.status, "ok", configKey(trial.config));
    assert.ok(Number.isFinite(result.best.timeMs) && result.best.gflops > 0);
  },
});
