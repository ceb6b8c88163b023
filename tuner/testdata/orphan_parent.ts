/**
 * Test helper process for "the candidate worker never outlives its parent": starts a process
 * runner whose first candidate waits for a float64 reference that takes far longer than the test,
 * prints "started" once the worker is running, then waits to be killed.
 *
 * @module
 */
import { processRunner } from "../runners.ts";
import { family } from "./slow_reference_family.ts";

const [backend, fingerprintHash] = Deno.args as ["deno" | "dawn" | "auto", string];
const runner = processRunner(
  { family, problem: { n: 64 }, seed: 1, measureMs: 5, timeoutMs: Infinity },
  {
    backend,
    fingerprintHash,
    familyModule: new URL("./slow_reference_family.ts", import.meta.url).href,
  },
);
const pending = runner.evaluate({ mode: "ok" }, Infinity);
console.log("started");
await pending;
