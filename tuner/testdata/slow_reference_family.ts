/**
 * A test-only kernel family whose float64 reference takes {@linkcode REFERENCE_MS} of busy
 * computation on whatever thread runs it (like the reference of attention over millions of
 * positions), while its kernel is trivial. Tests use it to check that the reference counts inside
 * the candidate's limits and can be stopped.
 *
 * @module
 */
import type { KernelFamily } from "../../kernels/types.ts";
import { family as faulty, type FaultyProblem } from "./faulty_family.ts";

/** How long the reference computes, ms. */
export const REFERENCE_MS = 20_000;

/** The family: `faulty`'s kernels, a slow reference and a flop count that says so. */
export const family: KernelFamily<FaultyProblem> = {
  ...faulty,
  name: "slow_reference",
  flops: () => 1e15,
  reference: (p, inputs) => {
    const until = performance.now() + REFERENCE_MS;
    while (performance.now() < until) { /* a reference far slower than any candidate */ }
    return faulty.reference(p, inputs);
  },
};
