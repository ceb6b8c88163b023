import assert from "node:assert/strict";
import type { Gpu } from "../gpu/device.ts";
import { tune } from "./tune.ts";

const fakeGpu = (closed = false) => ({ device: {}, caps: {}, closed }) as unknown as Gpu;
const request = { op: "matmul", problem: { m: 8, n: 8, k: 8 } };

Deno.test("tune() throws one-line errors naming the argument, when given hostile arguments", async () => {
  const cases: [unknown, unknown, unknown, RegExp][] = [
    [null, request, {}, /^'gpu' must be a Gpu/],
    [fakeGpu(true), request, {}, /^the GPU device is closed/],
    [fakeGpu(), null, {}, /^'request' must be an object/],
    [fakeGpu(), { op: 5, problem: {} }, {}, /^'request.op' must be a string/],
    [fakeGpu(), request, null, /^'options' must be an object/],
    [
      fakeGpu(),
      request,
      { cacheDir: 123 },
      /^'cacheDir' must be a string or null: current value is 123$/,
    ],
    [fakeGpu(), request, { timeLimitMs: "5" }, /^'timeLimitMs' must be a number/],
    [fakeGpu(), request, { strategy: null }, /^'strategy' must be a string or object/],
    [fakeGpu(), request, { isolation: "thread" }, /^'isolation' must be "none" or "process"/],
    [fakeGpu(), request, { signal: {} }, /^'signal' must be an AbortSignal/],
    [fakeGpu(), request, { fix: { vec: 4 } }, /^'fix.vec' must be a non-empty array/],
    [fakeGpu(), request, { force: "yes" }, /^'force' must be a boolean/],
    [fakeGpu(), request, { maxEval: 3 }, /^unknown tune\(\) option 'maxEval'/],
    [fakeGpu(), request, { onEvent: 1 }, /^'onEvent' must be a function/],
  ];
  for (const [gpu, req, options, pattern] of cases) {
    await assert.rejects(
      () => tune(gpu as Gpu, req as never, options as never),
      (error: Error) => {
        assert.match(error.message, pattern);
        assert.ok(!error.message.includes("\n"), "one line");
        return true;
      },
    );
  }
});
