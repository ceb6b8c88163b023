import assert from "node:assert/strict";
import type { ConformanceCase } from "./case.ts";
import { floatTensor, recordingExecutor } from "./_recording_executor.ts";
import { countResults, formatResult, outputTolerance, runCase } from "./runner.ts";

function matmulCase(expected: number[], expectedDims = [2, 2]): ConformanceCase {
  return {
    id: "unit/matmul",
    source: "ort-web-ops",
    opType: "MatMul",
    domain: "",
    opset: 13,
    attributes: {},
    inputs: [floatTensor([2, 2]), floatTensor([2, 2])],
    outputs: [floatTensor(expectedDims, expected)],
  };
}

Deno.test("runCase() passes within tolerance and reports the largest error", async () => {
  const result = await runCase(
    recordingExecutor(() => [1, 2.00005, 3, 4]),
    matmulCase([1, 2, 3, 4]),
  );
  assert.equal(result.status, "pass", result.reason);
  assert.ok(Math.abs(result.maxAbsError! - 5e-5) < 1e-6);
  assert.match(formatResult(result), /^PASS unit\/matmul — matmul batch=1 m=2 n=2 k=2 f32/);
});

Deno.test("runCase() fails on values out of tolerance, naming the first bad element", async () => {
  const result = await runCase(recordingExecutor(() => [1, 2, 3.01, 4]), matmulCase([1, 2, 3, 4]));
  assert.equal(result.status, "fail");
  assert.match(
    result.reason!,
    /output 0: 1 of 4 values out of tolerance .* flat index 2: expected 3, got 3\.01/,
  );
  assert.match(formatResult(result), /^FAIL unit\/matmul — output 0/);
});

Deno.test("runCase() matches NaN with NaN and infinities exactly, and nothing else", async () => {
  const pass = await runCase(
    recordingExecutor(() => [NaN, -Infinity, 3, 4]),
    matmulCase([NaN, -Infinity, 3, 4]),
  );
  assert.equal(pass.status, "pass", pass.reason);
  const nanVsNumber = await runCase(
    recordingExecutor(() => [NaN, 2, 3, 4]),
    matmulCase([1, 2, 3, 4]),
  );
  assert.equal(nanVsNumber.status, "fail");
  const numberVsNaN = await runCase(
    recordingExecutor(() => [1, 2, 3, 4]),
    matmulCase([NaN, 2, 3, 4]),
  );
  assert.equal(numberVsNaN.status, "fail");
});

Deno.test("runCase() fails on a shape mismatch and on plan or run errors", async () => {
  const shape = await runCase(recordingExecutor(() => [1, 2, 3, 4]), matmulCase([1, 2, 3, 4], [4]));
  assert.equal(shape.status, "fail");
  assert.match(shape.reason!, /shape \[2,2\] but expected \[4\]/);
  const bad = matmulCase([1, 2, 3, 4]);
  const plan = await runCase(recordingExecutor(() => []), {
    ...bad,
    inputs: [floatTensor([2, 3]), floatTensor([2, 2])],
  });
  assert.equal(plan.status, "fail");
  assert.match(plan.reason!, /^plan: RangeError/);
  const thrown = await runCase({
    ...recordingExecutor(() => []),
    run: () => Promise.reject(new Error("lost device")),
  }, bad);
  assert.equal(thrown.status, "fail");
  assert.match(thrown.reason!, /^run: Error: lost device/);
});

Deno.test("runCase() skips with the adapter's reason", async () => {
  const c = matmulCase([1, 2, 3, 4]);
  const half = { ...c.inputs[0]!, dataType: "float16" as const, data: new Float16Array(4) };
  const noF16 = { ...recordingExecutor(() => [0, 0, 0, 0]), shaderF16: false };
  const result = await runCase(noF16, { ...c, inputs: [half, { ...half }] });
  assert.equal(result.status, "skip");
  assert.match(result.reason!, /shader-f16/);
  assert.equal(formatResult(result), `SKIP unit/matmul — ${result.reason}`);
});

Deno.test("countResults() and outputTolerance() summarize and pick tolerances by dtype", () => {
  const counts = countResults([
    { status: "pass" },
    { status: "skip" },
    { status: "pass" },
  ]);
  assert.deepEqual(counts, { pass: 2, skip: 1, fail: 0 });
  assert.deepEqual(outputTolerance("float"), { atol: 1e-4, rtol: 1e-4 });
  assert.deepEqual(outputTolerance("float16"), { atol: 2e-3, rtol: 4e-3 });
});
