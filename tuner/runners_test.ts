import assert from "node:assert/strict";
import { GPU_AVAILABLE, testGpu } from "../tests/gpu_fixture.ts";
import { family } from "./testdata/spin_family.ts";
import { processRunner } from "./runners.ts";

const familyModule = new URL("./testdata/spin_family.ts", import.meta.url).href;

Deno.test({
  name: "processRunner() kills a hung candidate, records a timeout, and goes on with a new worker",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const restarts: string[] = [];
    const runner = processRunner(
      { family, problem: { n: 256 }, seed: 1, measureMs: 5, timeoutMs: 8000 },
      {
        backend: gpu.backend.startsWith("dawn") ? "dawn" : "deno",
        fingerprintHash: gpu.fingerprint.hash,
        familyModule,
        onRestart: (reason) => restarts.push(reason),
      },
    );
    try {
      const ok = await runner.evaluate({ mode: "ok" }, Infinity);
      assert.equal(ok.status, "ok", ok.error);
      const started = performance.now();
      const hung = await runner.evaluate({ mode: "spin" }, Infinity);
      assert.equal(hung.status, "timeout");
      assert.ok(performance.now() - started < 30_000);
      assert.equal(restarts.length, 1);
      const after = await runner.evaluate({ mode: "ok" }, Infinity);
      assert.equal(after.status, "ok", after.error);
    } finally {
      await runner.close();
    }
  },
});

Deno.test({
  name: "processRunner() records a device loss and recovers with a fresh device",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const restarts: string[] = [];
    const runner = processRunner(
      { family, problem: { n: 100 }, seed: 1, measureMs: 5, timeoutMs: 20_000 },
      {
        backend: gpu.backend.startsWith("dawn") ? "dawn" : "deno",
        fingerprintHash: gpu.fingerprint.hash,
        familyModule,
        onRestart: (reason) => restarts.push(reason),
      },
    );
    try {
      const lost = await runner.evaluate({ mode: "lose" }, Infinity);
      assert.equal(lost.status, "device_lost", lost.error);
      assert.deepEqual(restarts, ["device lost"]);
      const after = await runner.evaluate({ mode: "ok" }, Infinity);
      assert.equal(after.status, "ok", after.error);
    } finally {
      await runner.close();
    }
  },
});
