/**
 * The tuner beyond `tune()`: its option, result and event types, the shared defaults, timing of a
 * compiled program, summary statistics, the comparison with the float64 reference, and the
 * warm-start distance between problems. The candidate runners and winner confirmation stay
 * private.
 *
 * @example Compare an output with its reference
 * ```ts
 * import { compareToReference } from "@wgtune/wgtune/tuner";
 * const check = compareToReference(new Float32Array([1, 2]), new Float64Array([1, 2.0000001]), {
 *   atol: 1e-5,
 *   rtol: 1e-5,
 * });
 * console.log(check.ok); // true
 * ```
 *
 * @module
 */
export { checkTunable, MAX_ENVIRONMENT_ATTEMPTS, tune } from "./tune.ts";
export * from "./types.ts";
export * from "./defaults.ts";
export * from "./measure.ts";
export * from "../core/stats.ts";
export * from "../core/compare.ts";
export * from "./warm_start.ts";
export * from "../core/device_fit.ts";
