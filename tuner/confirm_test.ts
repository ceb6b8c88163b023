import assert from "node:assert/strict";
import type { Config } from "../core/types.ts";
import { bestOf } from "../cache/merge.ts";
import { confirmFastest } from "./confirm.ts";
import type { TrialRecord } from "../core/trial.ts";

const ok = (x: number, timeMs: number): TrialRecord => ({ config: { x }, status: "ok", timeMs });

/** A timer whose every repeat returns the config's true time, counting calls per config. */
function scripted(truth: Record<number, number>) {
  const calls = new Map<number, number>();
  const timeAgain = (config: Config): Promise<number> => {
    const x = config.x as number;
    calls.set(x, (calls.get(x) ?? 0) + 1);
    return Promise.resolve(truth[x]!);
  };
  return { calls, timeAgain };
}

Deno.test("confirmFastest() keeps confirming until the fastest trial is a confirmed one", async () => {
  // First timings: 1..3 looked fastest by luck; 4 was measured fairly once; 5 is the default.
  const trials = [ok(1, 1), ok(2, 1.1), ok(3, 1.2), ok(4, 1.5), ok(5, 3), ok(6, 4)];
  const { calls, timeAgain } = scripted({ 1: 2, 2: 2.2, 3: 2.4, 4: 1.6, 5: 3, 6: 4 });
  const { confirmed, winner } = await confirmFastest(trials, timeAgain, {
    top: 3,
    rounds: 2,
    alsoTime: { x: 5 },
  });
  // Round 1 confirms 1, 2, 3 and the default (5); config 4 (1.5) then leads, so it is confirmed.
  assert.deepEqual(confirmed.map((t) => t.config.x), [1, 2, 3, 5, 4]);
  assert.deepEqual([winner?.config, winner?.status, winner?.timeMs], [{ x: 4 }, "ok", 1.6]);
  assert.equal(calls.get(6), undefined);
  assert.deepEqual([...calls.values()], [2, 2, 2, 2, 2]);
  // The cache derives its best from the trials: with the confirmed times, that is the winner.
  const merged = trials.map((t) => confirmed.find((c) => c.config.x === t.config.x) ?? t);
  assert.deepEqual(bestOf(merged)?.config, winner?.config);
});

Deno.test("confirmFastest() leaves the configs it had no time to re-time unconfirmed, when stopped mid-batch", async () => {
  const trials = [ok(1, 1), ok(2, 2), ok(3, 3)];
  let calls = 0;
  const timeAgain = (): Promise<number> => Promise.resolve(calls++ === 0 ? 5 : 6);
  // The time limit passes after the first re-timing.
  const { confirmed, winner } = await confirmFastest(trials, timeAgain, {
    top: 3,
    rounds: 2,
    stopped: () => calls >= 1,
  });
  assert.deepEqual(confirmed, [
    { config: { x: 1 }, status: "ok", timeMs: 3, p20Ms: 1.8, p80Ms: 4.2, confirmed: true },
  ]);
  // Config 2 keeps its first time (not a median of nothing), so it is the fastest now.
  assert.deepEqual(winner, ok(2, 2));
});

Deno.test("confirmFastest() uses the median, skips failed re-runs, and honors stop and top 0", async () => {
  let n = 0;
  const noisy = (): Promise<number | null> => Promise.resolve([5, null][n++ % 2]!);
  const { confirmed } = await confirmFastest([ok(1, 1), ok(2, 9)], noisy, { top: 1, rounds: 2 });
  // Times of config 1: 1 (first), 5, and a failed run: median of [1, 5] = 3, still the fastest.
  // p20 and p80 come from the same times as the median.
  assert.deepEqual(confirmed, [
    { config: { x: 1 }, status: "ok", timeMs: 3, p20Ms: 1.8, p80Ms: 4.2, confirmed: true },
  ]);

  const failed: TrialRecord = { config: { x: 3 }, status: "wrong", timeMs: null };
  const none = await confirmFastest([ok(1, 1), failed], noisy, { top: 0, rounds: 2 });
  assert.deepEqual(none, { confirmed: [], winner: ok(1, 1) });
  const stopped = await confirmFastest([ok(1, 1)], noisy, {
    top: 2,
    rounds: 2,
    stopped: () => true,
  });
  assert.equal(stopped.confirmed.length, 0);
});

/**
 * Runs `body` (module source that posts one message) in a worker, terminated after `timeoutMs`:
 * a loop that never awaits cannot be stopped by a timer on its own thread, so a regression
 * fails the test instead of hanging it.
 */
async function inWorker(body: string, timeoutMs: number): Promise<unknown> {
  const url = URL.createObjectURL(new Blob([body], { type: "application/typescript" }));
  const worker = new Worker(url, { type: "module" });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      worker.onmessage = (event) => resolve(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(event.message));
      };
    });
  } finally {
    clearTimeout(timer);
    worker.terminate();
    URL.revokeObjectURL(url);
  }
}

Deno.test("confirmFastest() terminates and confirms the winner, when an unconfirmed trial ties the best confirmed time", async () => {
  const confirm = new URL("./confirm.ts", import.meta.url).href;
  // Config 2 is measured first at 2 ms; config 1 looked faster (1 ms) but its median is 2 ms too:
  // after the first round the unconfirmed config 2 ties the confirmed config 1 and leads.
  const answer = await inWorker(
    `import { confirmFastest } from ${JSON.stringify(confirm)};
    const ok = (x: number, timeMs: number) => ({ config: { x }, status: "ok" as const, timeMs });
    const calls: unknown[] = [];
    const timeAgain = (config: { x?: unknown }) => {
      calls.push(config.x);
      return Promise.resolve(2);
    };
    const result = await confirmFastest([ok(2, 2), ok(1, 1), ok(3, 2)], timeAgain, {
      top: 1,
      rounds: 2,
    });
    (globalThis as unknown as Worker).postMessage({ ...result, calls });`,
    20_000,
  ) as { confirmed: TrialRecord[]; winner: TrialRecord; calls: number[] };
  const confirmedKeys = answer.confirmed.map((t) => t.config.x);
  assert.ok(
    confirmedKeys.includes(answer.winner.config.x as number),
    `the winner ${JSON.stringify(answer.winner)} was confirmed: ${JSON.stringify(confirmedKeys)}`,
  );
  assert.equal(answer.winner.timeMs, 2);
  // Each tied config is confirmed at most once: the loop makes progress every round.
  assert.equal(new Set(confirmedKeys).size, confirmedKeys.length);
  assert.ok(answer.calls.length <= 6, JSON.stringify(answer.calls));
});
