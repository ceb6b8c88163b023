import assert from "node:assert/strict";
import { GPU_AVAILABLE, testGpu } from "../tests/gpu_fixture.ts";
import { SearchStopped } from "../search/types.ts";
import { family } from "./testdata/spin_family.ts";
import { family as faulty } from "./testdata/faulty_family.ts";
import { family as slowReference, REFERENCE_MS } from "./testdata/slow_reference_family.ts";
import { inProcessRunner, processRunner } from "./runners.ts";

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

const slowReferenceModule = new URL("./testdata/slow_reference_family.ts", import.meta.url).href;
const faultyModule = new URL("./testdata/faulty_family.ts", import.meta.url).href;

Deno.test({
  name:
    "inProcessRunner() records a timeout promptly and stops on abort, when the float64 reference outlasts the candidate timeout",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const controller = new AbortController();
    const runner = inProcessRunner(gpu, {
      family: slowReference,
      problem: { n: 64 },
      seed: 1,
      measureMs: 5,
      timeoutMs: 300,
      familyModule: slowReferenceModule,
      signal: controller.signal,
    });
    try {
      const started = performance.now();
      const first = await runner.evaluate({ mode: "ok" }, Infinity);
      assert.equal(first.status, "timeout");
      assert.match(first.error!, /float64 reference/);
      // The reference goes on computing for the next candidate, inside its own timeout.
      const second = await runner.evaluate({ mode: "light" }, Infinity);
      assert.equal(second.status, "timeout");
      setTimeout(() => controller.abort(), 50);
      await assert.rejects(
        runner.evaluate({ mode: "ok" }, Infinity),
        (e: Error) => e instanceof SearchStopped && e.reason === "aborted",
      );
      assert.ok(performance.now() - started < REFERENCE_MS / 2);
    } finally {
      await runner.close();
    }
  },
});

Deno.test({
  name:
    "processRunner() counts the worker's start and reference inside the candidate timeout, and stops on abort",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const controller = new AbortController();
    const runner = processRunner(
      {
        family: slowReference,
        problem: { n: 64 },
        seed: 1,
        measureMs: 5,
        timeoutMs: 1500,
        signal: controller.signal,
      },
      {
        backend: gpu.backend.startsWith("dawn") ? "dawn" : "deno",
        fingerprintHash: gpu.fingerprint.hash,
        familyModule: slowReferenceModule,
      },
    );
    try {
      const started = performance.now();
      const first = await runner.evaluate({ mode: "ok" }, Infinity);
      assert.equal(first.status, "timeout");
      assert.match(first.error!, /float64 reference/);
      setTimeout(() => controller.abort(new SearchStopped("time-limit")), 50);
      await assert.rejects(
        runner.evaluate({ mode: "ok" }, Infinity),
        (e: Error) => e instanceof SearchStopped && e.reason === "time-limit",
      );
      assert.ok(performance.now() - started < REFERENCE_MS / 2);
    } finally {
      await runner.close();
    }
  },
});

Deno.test({
  name:
    "runners honour candidate timeouts beyond setTimeout's range, when given 3e9 ms or Infinity",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    for (const timeoutMs of [3_000_000_000, Infinity]) {
      const runner = inProcessRunner(gpu, {
        family: faulty,
        problem: { n: 64 },
        seed: 1,
        measureMs: 5,
        timeoutMs,
      });
      const trial = await runner.evaluate({ mode: "ok" }, Infinity);
      assert.equal(trial.status, "ok", `${timeoutMs}: ${trial.error}`);
      await runner.close();
    }
    const isolated = processRunner(
      { family: faulty, problem: { n: 64 }, seed: 1, measureMs: 5, timeoutMs: 3_000_000_000 },
      {
        backend: gpu.backend.startsWith("dawn") ? "dawn" : "deno",
        fingerprintHash: gpu.fingerprint.hash,
        familyModule: faultyModule,
      },
    );
    try {
      const trial = await isolated.evaluate({ mode: "ok" }, Infinity);
      assert.equal(trial.status, "ok", trial.error);
      const again = await isolated.retime({ mode: "ok" });
      assert.equal(again.status, "ok", again.error);
    } finally {
      await isolated.close();
    }
  },
});

Deno.test({
  name: "inProcessRunner().retime() reuses the pipeline it validated, without generating it again",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const generated: string[] = [];
    const counting: typeof faulty = {
      ...faulty,
      generate: (p, config, caps) => {
        generated.push(String(config.mode));
        return faulty.generate(p, config, caps);
      },
    };
    const runner = inProcessRunner(gpu, {
      family: counting,
      problem: { n: 64 },
      seed: 1,
      measureMs: 5,
      timeoutMs: 60_000,
      keepTop: 1,
      keepAlso: [{ mode: "heavy" }],
    });
    for (const mode of ["ok", "light", "heavy"]) {
      assert.equal((await runner.evaluate({ mode }, Infinity)).status, "ok");
    }
    // "heavy" is pinned (keepAlso), so re-timing it never generates it again; the one top slot
    // goes to whichever config this (possibly loaded) machine timed fastest, so of "ok" and
    // "light" at most the kept one is spared.
    for (const mode of ["ok", "heavy", "light"]) {
      const again = await runner.retime({ mode });
      assert.equal(again.status, "ok", again.error);
    }
    assert.deepEqual(generated.slice(0, 3), ["ok", "light", "heavy"]);
    const regenerated = generated.slice(3);
    assert.ok(!regenerated.includes("heavy"), generated.join(","));
    assert.ok(regenerated.length >= 1 && regenerated.length <= 2, generated.join(","));
    assert.ok(regenerated.every((m) => m === "ok" || m === "light"), generated.join(","));
    await runner.close();
  },
});

Deno.test({
  name:
    "inProcessRunner() lets an abandoned candidate's GPU work drain before the next one, or says it could not",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const setup = {
      family: faulty,
      problem: { n: 1024, slowGroups: 256 },
      seed: 1,
      measureMs: 5,
      timeoutMs: 1000,
    };
    try {
      const runner = inProcessRunner(gpu, { ...setup, drainMs: 120_000 });
      const slow = await runner.evaluate({ mode: "slow" }, Infinity);
      assert.equal(slow.status, "timeout");
      // Where waits do not block the event loop (Deno's WebGPU blocks it while lavapipe works, so
      // the timeout fires late there), this candidate's validation would otherwise queue behind
      // the abandoned slow work; the impatient runner below shows that the drain was attempted.
      const next = await runner.evaluate({ mode: "ok" }, Infinity);
      assert.equal(next.status, "ok", next.error);
      assert.equal(next.error, undefined);

      const impatient = inProcessRunner(gpu, { ...setup, drainMs: 1 });
      assert.equal((await impatient.evaluate({ mode: "slow" }, Infinity)).status, "timeout");
      const busy = await impatient.evaluate({ mode: "ok" }, Infinity);
      assert.match(busy.error ?? "", /abandoned GPU work/);
    } finally {
      await gpu.device.queue.onSubmittedWorkDone();
    }
  },
});

for (const busy of ["reference", "spin"] as const) {
  Deno.test({
    name: `the candidate worker exits when its parent process is killed, while busy with a ${
      busy === "spin" ? "hung kernel" : "slow reference"
    }`,
    ignore: !GPU_AVAILABLE || Deno.build.os !== "linux",
    async fn() {
      const gpu = await testGpu();
      const parent = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          "--quiet",
          new URL("./testdata/orphan_parent.ts", import.meta.url).href,
          busy,
          gpu.backend.startsWith("dawn") ? "dawn" : "deno",
          gpu.fingerprint.hash,
        ],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const children = (): number[] => {
        const found: number[] = [];
        for (const entry of Deno.readDirSync("/proc")) {
          if (!/^\d+$/.test(entry.name)) continue;
          try {
            const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
            const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
            if (ppid === parent.pid) found.push(Number(entry.name));
          } catch { /* gone meanwhile */ }
        }
        return found;
      };
      const alive = (pid: number): boolean => {
        try {
          const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
          return !/^\S+ \(.*\) Z/.test(stat); // a zombie has exited
        } catch {
          return false;
        }
      };
      let workers: number[] = [];
      try {
        const reader = parent.stdout.pipeThrough(new TextDecoderStream()).getReader();
        let out = "";
        while (!out.includes("started")) {
          const { value, done } = await reader.read();
          if (done) break;
          out += value;
        }
        reader.releaseLock();
        // The worker is busy when its parent dies.
        for (let i = 0; i < 100 && workers.length === 0; i++) {
          workers = children();
          if (workers.length === 0) await new Promise((r) => setTimeout(r, 50));
        }
        await new Promise((r) => setTimeout(r, 1000));
        assert.equal(workers.length, 1, "one worker subprocess");
        parent.kill("SIGKILL");
        await parent.status;
        for (let i = 0; i < 200 && workers.some(alive); i++) {
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.deepEqual(workers.filter(alive), [], "the worker outlived its parent");
      } finally {
        try {
          parent.kill("SIGKILL");
        } catch { /* already gone */ }
        await parent.status;
        await parent.stdout.cancel().catch(() => {});
        for (const pid of workers.filter(alive)) Deno.kill(pid, "SIGKILL");
      }
    },
  });
}
