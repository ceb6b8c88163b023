/**
 * Parsing and validation of option values given as strings on the command line. Every failure is
 * a {@linkcode UsageError} naming the option and the value.
 *
 * @module
 */
import { UsageError } from "./errors.ts";

/** Parses a positive integer such as `--max-evals 8`. */
export function positiveInteger(option: string, text: string): number {
  const value = /^\s*\+?\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`'${option}' must be a positive integer: current value is '${text}'`);
  }
  return value;
}

/** Parses a non-negative integer such as `--seed 0`. */
export function nonNegativeInteger(option: string, text: string): number {
  const value = /^\s*\+?\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value)) {
    throw new UsageError(
      `'${option}' must be a non-negative integer: current value is '${text}'`,
    );
  }
  return value;
}

/** The shortest duration {@linkcode positiveSeconds} accepts: timers count whole milliseconds. */
export const MIN_SECONDS = 0.001;

/**
 * Parses a positive, finite number of seconds such as `--time-limit 30` or `0.5`, at least
 * {@linkcode MIN_SECONDS}. Long durations (`--candidate-timeout 3000000`, beyond what one
 * `setTimeout` can arm) are honoured exactly by the tuner.
 *
 * @example
 * ```ts
 * import { positiveSeconds } from "./options.ts";
 * console.log(positiveSeconds("--candidate-timeout", "3000000")); // 3000000
 * ```
 */
export function positiveSeconds(option: string, text: string): number {
  const value = /^\s*\+?(\d+\.?\d*|\.\d+)\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(value) || value <= 0) {
    throw new UsageError(
      `'${option}' must be a positive number of seconds: current value is '${text}'`,
    );
  }
  if (value < MIN_SECONDS) {
    throw new UsageError(
      `'${option}' must be at least ${MIN_SECONDS} seconds (1 ms): current value is '${text}'`,
    );
  }
  return value;
}

/** Checks that `text` is one of `choices`. */
export function oneOf<T extends string>(option: string, text: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(text)) {
    throw new UsageError(
      `'${option}' must be one of ${choices.join(", ")}: current value is '${text}'`,
    );
  }
  return text as T;
}

/** The WebGPU implementations `--backend` accepts. */
export const BACKENDS = ["auto", "deno", "dawn"] as const;
/** A `--backend` value. */
export type Backend = typeof BACKENDS[number];

/** The element types `--dtype` accepts. */
export const DTYPES = ["f32", "f16"] as const;

/** The candidate isolation modes `--isolation` accepts (see `TuneOptions.isolation`). */
export const ISOLATIONS = ["none", "process"] as const;
