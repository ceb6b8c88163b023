import assert from "node:assert/strict";
import { formatConfig, formatGflops, formatMs, formatSpeedup, formatTable } from "./table.ts";
import { Progress } from "./progress.ts";
import { nonNegativeInteger, positiveInteger, positiveSeconds } from "./options.ts";
import { UsageError } from "./errors.ts";
import { finiteOrNull } from "./report.ts";
import type { TuneEvent } from "../tuner/types.ts";

Deno.test("formatTable() pads columns and aligns right where asked", () => {
  const text = formatTable(
    [{ header: "name" }, { header: "ms", align: "right" }],
    [["a", "1.5"], ["long name", "12.25"]],
  );
  assert.equal(text, "name          ms\na            1.5\nlong name  12.25");
});

Deno.test("formatMs(), formatGflops(), formatSpeedup() show '-' for unknown values", () => {
  assert.equal(formatMs(Infinity), "-");
  assert.equal(formatMs(null), "-");
  assert.equal(formatMs(0.12345), "0.123");
  assert.equal(formatMs(1.2345), "1.23");
  assert.equal(formatMs(123.4), "123");
  assert.equal(formatGflops(0), "-");
  assert.equal(formatGflops(12.34), "12.3");
  assert.equal(formatSpeedup(NaN), "-");
  assert.equal(formatSpeedup(2), "2.00x");
});

Deno.test("formatConfig() prints strings bare and other values as name=value", () => {
  assert.equal(formatConfig({ variant: "tiled", tileM: 16, vec: true }), "tiled tileM=16 vec=true");
  assert.equal(formatConfig(undefined), "-");
});

Deno.test("option parsers reject zero, negative, non-integer and non-numeric values", () => {
  assert.equal(positiveInteger("--max-evals", "3"), 3);
  for (const bad of ["0", "-1", "1.5", "abc", "", "1e3"]) {
    assert.throws(() => positiveInteger("--max-evals", bad), UsageError);
  }
  assert.equal(nonNegativeInteger("--seed", "0"), 0);
  assert.throws(() => nonNegativeInteger("--seed", "-2"), UsageError);
  assert.equal(positiveSeconds("--time-limit", "0.5"), 0.5);
  for (const bad of ["0", "-3", "abc", "Infinity", "1e999", "0.0001", "NaN", "", "9".repeat(400)]) {
    assert.throws(() => positiveSeconds("--time-limit", bad), UsageError);
  }
  // Longer than one setTimeout can arm (about 24.8 days): accepted, the tuner honours it.
  assert.equal(positiveSeconds("--candidate-timeout", "3000000"), 3_000_000);
  assert.equal(positiveSeconds("--candidate-timeout", "0.001"), 0.001);
  assert.throws(
    () => positiveSeconds("--candidate-timeout", "0.0004"),
    (e: Error) =>
      /^'--candidate-timeout' must be at least 0.001 seconds.*'0.0004'$/.test(e.message),
  );
});

Deno.test("finiteOrNull() maps non-finite numbers to null", () => {
  assert.equal(finiteOrNull(Infinity), null);
  assert.equal(finiteOrNull(NaN), null);
  assert.equal(finiteOrNull(1.5), 1.5);
});

function trial(index: number, bestMs: number): TuneEvent {
  return {
    type: "trial",
    index,
    maxEvals: 10,
    trial: { config: { x: index }, status: "ok", timeMs: bestMs },
    bestMs,
  };
}

Deno.test("Progress prints occasional plain lines when stderr is not a terminal", () => {
  let out = "";
  let clock = 0;
  const progress = new Progress({
    write: (text) => out += text,
    isTty: false,
    intervalMs: 1000,
    now: () => clock,
  });
  progress.startProblem(0, 2, "matmul 8x8x8 f32");
  progress.onEvent({ type: "start", op: "matmul", problemKey: "k", spaceSize: 5, maxEvals: 10 });
  for (let i = 1; i <= 5; i++) {
    clock += 300;
    progress.onEvent(trial(i, 2 / i));
  }
  assert.ok(!out.includes("\r") && !out.includes("\x1b"));
  const lines = out.trimEnd().split("\n");
  assert.equal(lines[0], "[1/2] matmul 8x8x8 f32: starting");
  assert.match(lines[1]!, /trial 1\/10 ok, best 2\.00 ms/);
  // Five trials 300 ms apart with a 1 s interval: the first one and one more.
  assert.equal(lines.filter((line) => line.includes("trial")).length, 2);
});

Deno.test("Progress prints one line when the cache holds only an older kernel version's results", () => {
  let out = "";
  const progress = new Progress({ write: (text) => out += text, isTty: false, now: () => 0 });
  progress.startProblem(0, 1, "matmul 8x8x8 f32");
  progress.onEvent({
    type: "stale-cache",
    op: "matmul",
    problemKey: "k",
    staleVersions: [1],
    kernelVersion: 2,
  });
  assert.deepEqual(out.trimEnd().split("\n"), [
    "[1/1] matmul 8x8x8 f32: starting",
    "[1/1] matmul 8x8x8 f32: cached results of matmul v1 ignored (the kernel is now v2): tuning again",
  ]);
});

Deno.test("Progress redraws one line in place on a terminal", () => {
  let out = "";
  const progress = new Progress({ write: (text) => out += text, isTty: true, columns: 60 });
  progress.startProblem(0, 1, "matmul 8x8x8 f32");
  progress.onEvent(trial(1, 1));
  progress.onEvent(trial(2, 0.5));
  progress.clear();
  const erase = "\r\x1b[2K";
  const frames = out.split(erase).filter(Boolean);
  assert.ok(out.startsWith(erase) && out.endsWith(erase));
  assert.match(frames.at(-1)!, /^\[1\/1\] matmul 8x8x8 f32 \[#+-*\] trial 2\/10/);
  assert.doesNotMatch(out, /\n/);
  for (const frame of frames) assert.ok(frame.length <= 59, frame);
});
