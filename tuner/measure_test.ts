import assert from "node:assert/strict";
import type { Gpu } from "../gpu/device.ts";
import type { BoundProgram } from "../gpu/program.ts";
import { measureProgram } from "./measure.ts";

/**
 * A fake device on a virtual clock: a submit of `count` dispatches (counted through the bound
 * program's `encode`) advances `performance.now()` by `wallMs(count, submitIndex)` when it is
 * awaited, and a timestamp pass reports `stampDeltaNs(passIndex)` between its two stamps.
 */
function fakeGpu(options: {
  hasTimestamps: boolean;
  wallMs?: (count: number, submit: number) => number;
  stampDeltaNs?: (pass: number) => bigint;
}): { gpu: Gpu; bound: BoundProgram; restore(): void } {
  let clock = 1000;
  const realNow = performance.now;
  performance.now = () => clock;
  let encoded = 0;
  let submits = 0;
  let passes = 0;
  let pendingStamps: bigint[] = [];
  const device = {
    createCommandEncoder: () => ({
      beginComputePass: (descriptor?: GPUComputePassDescriptor) => {
        if (descriptor?.timestampWrites) {
          const begin = BigInt(passes) * 1_000_000_000n;
          pendingStamps.push(begin, begin + options.stampDeltaNs!(passes++));
        }
        return { end() {} };
      },
      resolveQuerySet() {},
      copyBufferToBuffer() {},
      finish: () => ({}),
    }),
    createQuerySet: () => ({ destroy() {} }),
    createBuffer: () => {
      let data = new ArrayBuffer(0);
      return {
        mapAsync: () => {
          data = new BigUint64Array(pendingStamps.map((s) => BigInt.asUintN(64, s))).buffer;
          pendingStamps = [];
          return Promise.resolve();
        },
        getMappedRange: () => data,
        unmap() {},
        destroy() {},
      };
    },
    queue: {
      submit() {},
      onSubmittedWorkDone: () => {
        clock += options.wallMs!(encoded, submits++);
        encoded = 0;
        return Promise.resolve();
      },
    },
  };
  const gpu = { device, hasTimestamps: options.hasTimestamps } as unknown as Gpu;
  const bound = { encode: () => void encoded++ } as unknown as BoundProgram;
  return { gpu, bound, restore: () => performance.now = realNow };
}

Deno.test("measureProgram() never turns negative wall-clock slopes into a tiny time, when load makes large batches look faster", async () => {
  // Every larger batch returns sooner than the smaller one: every slope is negative.
  const fake = fakeGpu({ hasTimestamps: false, wallMs: (count) => 20 - 0.01 * count });
  try {
    const m = await measureProgram(fake.gpu, fake.bound, { budgetMs: 100 });
    assert.equal(m.method, "wallclock");
    // The fallback is the large batches' mean per dispatch (an upper bound), never ~0.
    assert.ok(m.medianMs > 0.01, `median ${m.medianMs}`);
    assert.ok(m.p20Ms > 0.01, `p20 ${m.p20Ms}`);
  } finally {
    fake.restore();
  }
});

Deno.test("measureProgram() drops the negative wall-clock slopes and keeps the true ones, when some batches are disturbed", async () => {
  // 10 ms fixed cost + 0.5 ms per dispatch; every third small batch is delayed by 50 ms.
  let smallBatches = 0;
  const fake = fakeGpu({
    hasTimestamps: false,
    wallMs: (count, submit) => {
      const disturbed = submit >= 3 && submit % 2 === 1 && smallBatches++ % 3 === 0;
      return 10 + 0.5 * count + (disturbed ? 50 : 0);
    },
  });
  try {
    const m = await measureProgram(fake.gpu, fake.bound, { budgetMs: 100 });
    assert.deepEqual([m.medianMs, m.p20Ms, m.p80Ms, m.samples], [0.5, 0.5, 0.5, 5]);
  } finally {
    fake.restore();
  }
});

Deno.test("measureProgram() drops timestamp deltas <= 0, and falls back to the wall clock when none is positive", async () => {
  // Pass 0 is the warm-up, pass 1 the estimate (1 ms), then samples of 2 ms, some 0 or negative.
  const fake = fakeGpu({
    hasTimestamps: true,
    stampDeltaNs: (pass) =>
      pass === 0 ? 5_000_000n : pass === 1 ? 1_000_000n : [2_000_000n, 0n, -7n][pass % 3]!,
  });
  try {
    const m = await measureProgram(fake.gpu, fake.bound, { budgetMs: 100 });
    assert.equal(m.method, "timestamp");
    assert.deepEqual([m.medianMs, m.p20Ms, m.samples], [2, 2, 5]);
  } finally {
    fake.restore();
  }
  const stuck = fakeGpu({
    hasTimestamps: true,
    stampDeltaNs: () => 0n,
    wallMs: (count) => 10 + 0.25 * count,
  });
  try {
    const m = await measureProgram(stuck.gpu, stuck.bound, { budgetMs: 100 });
    assert.deepEqual([m.method, m.medianMs], ["wallclock", 0.25]);
  } finally {
    stuck.restore();
  }
});

Deno.test("measureProgram() cuts off on an estimate taken after a warm-up, when the candidate is hopeless", async () => {
  // The cold first pass takes 50 ms, warm ones 5 ms; the cut-off is 4 ms.
  const fake = fakeGpu({
    hasTimestamps: true,
    stampDeltaNs: (pass) => (pass === 0 ? 50_000_000n : 5_000_000n),
  });
  try {
    const m = await measureProgram(fake.gpu, fake.bound, { budgetMs: 100, cutoffMs: 4 });
    assert.deepEqual([m.cutOff, m.medianMs, m.samples], [true, 5, 1]);
  } finally {
    fake.restore();
  }
});
