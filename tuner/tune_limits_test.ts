import assert from "node:assert/strict";
import { GPU_AVAILABLE, testGpu } from "../tests/gpu_fixture.ts";
import { getKernel } from "../kernels/registry.ts";
import { enumerateValid } from "../core/space.ts";
import type { SearchStrategy } from "../search/types.ts";
import { tune } from "./tune.ts";
import type { TrialRecord } from "../core/trial.ts";

/** Attention whose float64 reference (quadratic in the sequence) takes minutes on a CPU. */
const hugeReference = getKernel("attention").parseShape("B1,H1,S60000,D64", "f32");

Deno.test({
  name:
    "tune() times candidates out promptly and honours the time limit and abort, when the float64 reference takes minutes",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const request = { op: "attention", problem: hugeReference };
    const base = { cacheDir: null, maxEvals: 2, measureMs: 5 } as const;
    for (const isolation of ["none", "process"] as const) {
      const timedOut = await tune(gpu, request, {
        ...base,
        isolation,
        candidateTimeoutMs: isolation === "none" ? 100 : 1500,
      });
      assert.ok(timedOut.trials.length > 0);
      assert.deepEqual(new Set(timedOut.trials.map((t) => t.status)), new Set(["timeout"]));
      assert.equal(timedOut.stoppedBy, "max-evals");
    }
    const limited = await tune(gpu, request, { ...base, timeLimitMs: 300 });
    assert.equal(limited.stoppedBy, "time-limit");
    assert.equal(limited.trials.length, 0, "the candidate cut by the time limit is not recorded");
    const aborted = await tune(gpu, request, { ...base, signal: AbortSignal.timeout(300) });
    assert.equal(aborted.stoppedBy, "aborted");
    assert.equal(aborted.trials.length, 0);
  },
});

Deno.test({
  name: "tune() completes its trials, when the candidate timeout is 3e9 ms or Infinity",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    for (const candidateTimeoutMs of [3_000_000_000, Infinity]) {
      const result = await tune(gpu, { op: "matmul", problem: { m: 8, n: 8, k: 8 } }, {
        cacheDir: null,
        maxEvals: 2,
        measureMs: 5,
        candidateTimeoutMs,
      });
      assert.ok(result.trials.length >= 2);
      for (const trial of result.trials) {
        assert.notEqual(trial.status, "timeout", `${candidateTimeoutMs}: ${trial.error}`);
      }
      assert.ok(Number.isFinite(result.best.timeMs));
    }
  },
});

Deno.test({
  name: "tune() does not confirm winners past the time limit, when the search used all of it",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const timeLimitMs = 4000;
    // Evaluates three configs, then keeps the search busy until the time limit has passed.
    const slowToFinish: SearchStrategy = {
      name: "three-then-wait",
      async search(space, evaluate) {
        const began = performance.now();
        let count = 0;
        for (const config of enumerateValid(space)) {
          if (count++ === 3) break;
          await evaluate(config);
        }
        const left = timeLimitMs + 100 - (performance.now() - began);
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, left)));
      },
    };
    const reported: TrialRecord[] = [];
    const result = await tune(gpu, { op: "matmul", problem: { m: 16, n: 16, k: 16 } }, {
      cacheDir: null,
      strategy: slowToFinish,
      measureMs: 5,
      timeLimitMs,
      onEvent: (event) => {
        if (event.type === "trial") reported.push(event.trial);
      },
    });
    // With the default (timed too, not reported as a trial), something to confirm.
    assert.ok(reported.some((t) => t.status === "ok"));
    // Confirmation would have replaced the times of the fastest by medians of new timings.
    for (const trial of reported) {
      assert.ok(result.trials.includes(trial), "a trial was re-timed after the time limit");
    }
  },
});

Deno.test({
  name:
    "tune() confirms the winner without compiling any config again, when the configs were validated in this run",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    let compiles = 0;
    const device = new Proxy(gpu.device, {
      get(target, property) {
        const value = Reflect.get(target, property, target);
        if (typeof value !== "function") return value;
        if (property === "createComputePipelineAsync") {
          return (...args: unknown[]) => {
            compiles++;
            return value.apply(target, args);
          };
        }
        return value.bind(target);
      },
    });
    const counted = { ...gpu, device };
    const result = await tune(counted, { op: "matmul", problem: { m: 16, n: 16, k: 16 } }, {
      cacheDir: null,
      strategy: "random",
      maxEvals: 4,
      measureMs: 5,
      confirmTop: 3,
    });
    const ok = result.trials.filter((t) => t.status === "ok");
    assert.ok(ok.length >= 2, "something to confirm");
    // Confirmed trials have p20/p80 recomputed from their confirmation times.
    assert.ok(
      ok.some((t) => t.p20Ms !== undefined && t.p20Ms <= t.timeMs! && t.timeMs! <= t.p80Ms!),
    );
    // At most one compile per evaluated config (an invalid one is not compiled at all).
    assert.ok(
      compiles <= result.trials.length,
      `${compiles} compiles for ${JSON.stringify(result.trials)}`,
    );
  },
});
