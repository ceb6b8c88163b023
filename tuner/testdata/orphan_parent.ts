/**
 * Test helper process for "the candidate worker never outlives its parent": starts a process
 * runner whose first candidate keeps the worker busy far longer than the test, prints "started",
 * then waits to be killed. With `reference`, the worker is computing a slow float64 reference
 * (its event loop free); with `spin`, it waits on a kernel that runs practically for ever (on
 * Deno's WebGPU that wait blocks its event loop).
 *
 * @module
 */
import type { AnyKernelFamily } from "../../kernels/types.ts";
import { processRunner } from "../runners.ts";

const [busy, backend, fingerprintHash] = Deno.args as [
  "reference" | "spin",
  "deno" | "dawn" | "auto",
  string,
];
const module = new URL(
  busy === "spin" ? "./spin_family.ts" : "./slow_reference_family.ts",
  import.meta.url,
).href;
const { family } = await import(module) as { family: AnyKernelFamily };
const runner = processRunner(
  { family, problem: { n: 64 }, seed: 1, measureMs: 5, timeoutMs: Infinity },
  { backend, fingerprintHash, familyModule: module },
);
const pending = runner.evaluate({ mode: busy === "spin" ? "spin" : "ok" }, Infinity);
console.log("started");
await pending;
