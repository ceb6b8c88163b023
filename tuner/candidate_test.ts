import assert from "node:assert/strict";
import { GPU_AVAILABLE, testGpu } from "../tests/gpu_fixture.ts";
import type { KernelFamily } from "../kernels/types.ts";
import {
  type CandidateContext,
  evaluateCandidate,
  KeptPipelines,
  retimeCandidate,
} from "./candidate.ts";
import { family, type FaultyProblem } from "./testdata/faulty_family.ts";

async function context(
  problem: FaultyProblem,
  kernels: KernelFamily<FaultyProblem> = family,
): Promise<CandidateContext> {
  const inputs = kernels.makeInputs(problem, 1);
  return {
    gpu: await testGpu(),
    family: kernels,
    problem,
    inputs,
    expected: kernels.reference(problem, inputs),
    tolerance: kernels.tolerance(problem),
    measureMs: 5,
  };
}

Deno.test({
  name:
    "evaluateCandidate() records a wrong kernel as `wrong` without a time, and compile and binding failures as data",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const ctx = await context({ n: 256 });
    const ok = await evaluateCandidate(ctx, { mode: "ok" });
    assert.equal(ok.status, "ok", ok.error);
    assert.ok(ok.timeMs! > 0);
    const wrong = await evaluateCandidate(ctx, { mode: "wrong" });
    assert.equal(wrong.status, "wrong");
    assert.deepEqual([wrong.timeMs, wrong.p20Ms, wrong.p80Ms], [null, undefined, undefined]);
    assert.match(wrong.error!, /256 of 256 elements out of tolerance/);
    const compile = await evaluateCandidate(ctx, { mode: "compile_error" });
    assert.equal(compile.status, "compile_error");
    assert.match(compile.error!, /undeclared_value/);
    assert.equal(compile.timeMs, null);
    const runtime = await evaluateCandidate(ctx, { mode: "runtime_error" });
    assert.equal(runtime.status, "runtime_error");
    assert.equal(runtime.timeMs, null);
  },
});

Deno.test({
  name: "evaluateCandidate() times a kernel doing 100x the work as slower, when both are correct",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const ctx = await context({ n: 1024 });
    const light = await evaluateCandidate(ctx, { mode: "light" });
    const heavy = await evaluateCandidate(ctx, { mode: "heavy" });
    assert.equal(light.status, "ok", light.error);
    assert.equal(heavy.status, "ok", heavy.error);
    assert.ok(heavy.timeMs! > light.timeMs!, `heavy ${heavy.timeMs} ms, light ${light.timeMs} ms`);
  },
});

Deno.test({
  name:
    "evaluateCandidate() records a cut-off candidate's single warm sample without percentiles and says so",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const ctx = await context({ n: 1024 });
    const cut = await evaluateCandidate(ctx, { mode: "heavy" }, { cutoffMs: 1e-6 });
    assert.equal(cut.status, "ok", cut.error);
    assert.ok(cut.timeMs! > 0);
    assert.deepEqual([cut.p20Ms, cut.p80Ms], [undefined, undefined]);
    assert.match(cut.error!, /cut off early.*single sample/);
  },
});

Deno.test({
  name:
    "retimeCandidate() re-times a kept pipeline without generating, compiling or validating it again",
  ignore: !GPU_AVAILABLE,
  async fn() {
    let generated = 0;
    const counting: KernelFamily<FaultyProblem> = {
      ...family,
      generate: (p, config, caps) => {
        generated++;
        return family.generate(p, config, caps);
      },
    };
    const ctx = await context({ n: 256 }, counting);
    const kept = new KeptPipelines(1);
    const first = await evaluateCandidate(ctx, { mode: "ok" }, { keep: kept });
    assert.equal(first.status, "ok", first.error);
    assert.ok(kept.get({ mode: "ok" }));
    const again = await retimeCandidate(ctx, { mode: "ok" }, kept);
    assert.equal(again.status, "ok", again.error);
    assert.ok(again.timeMs! > 0);
    assert.equal(generated, 1);
    // A candidate that was not kept (which ones are kept is KeptPipelines' test, below; timing
    // order on a loaded machine is not this test's business) is evaluated in full again.
    await evaluateCandidate(ctx, { mode: "heavy" });
    assert.equal(kept.get({ mode: "heavy" }), undefined);
    const full = await retimeCandidate(ctx, { mode: "heavy" }, kept);
    assert.equal(full.status, "ok", full.error);
    assert.equal(generated, 3);
    // A wrong kernel is never kept, so a re-time validates it (and finds it wrong) again.
    await evaluateCandidate(ctx, { mode: "wrong" }, { keep: new KeptPipelines(4) });
    assert.equal((await retimeCandidate(ctx, { mode: "wrong" }, kept)).status, "wrong");
  },
});

Deno.test("KeptPipelines keeps the fastest configs and the pinned ones", () => {
  const compiled = (name: string) => ({ program: { shaderKey: name } }) as never;
  const kept = new KeptPipelines(2, [{ x: 0 }]);
  kept.offer({ x: 0 }, compiled("default"), 9);
  kept.offer({ x: 1 }, compiled("a"), 3);
  kept.offer({ x: 2 }, compiled("b"), 1);
  kept.offer({ x: 3 }, compiled("c"), 2);
  assert.deepEqual(
    [0, 1, 2, 3].map((x) => kept.get({ x }) !== undefined),
    [true, false, true, true],
  );
});
