/**
 * Trial records: how one evaluated candidate ended, as strategies see it, the tuner reports it and
 * the cache keeps it.
 *
 * @module
 */
import type { Config } from "./types.ts";

/** How one candidate ended. Failures are data, never exceptions past the tuner. */
export type TrialStatus =
  | "ok"
  | "invalid"
  | "compile_error"
  | "runtime_error"
  | "wrong"
  | "timeout"
  | "device_lost";

/** Every status, once (the type check fails when one is missing here), in report order. */
const ORDER: Readonly<Record<TrialStatus, true>> = {
  ok: true,
  invalid: true,
  compile_error: true,
  runtime_error: true,
  wrong: true,
  timeout: true,
  device_lost: true,
};

/**
 * Every status a trial may have, in the order reports list them.
 *
 * @example
 * ```ts
 * import { TRIAL_STATUSES } from "./trial.ts";
 * console.log(TRIAL_STATUSES[0]); // "ok"
 * ```
 */
export const TRIAL_STATUSES: readonly TrialStatus[] = Object.freeze(
  Object.keys(ORDER) as TrialStatus[],
);

/**
 * True when `value` is one of {@linkcode TRIAL_STATUSES}.
 *
 * @example
 * ```ts
 * import { isTrialStatus } from "./trial.ts";
 * console.log(isTrialStatus("wrong"), isTrialStatus("slow")); // true false
 * ```
 */
export function isTrialStatus(value: unknown): value is TrialStatus {
  return typeof value === "string" && Object.hasOwn(ORDER, value);
}

/**
 * True for the statuses that say the environment failed, not the config (`"timeout"`,
 * `"device_lost"`): a later run may time such a config again.
 *
 * @example
 * ```ts
 * import { isEnvironmentFailure } from "./trial.ts";
 * console.log(isEnvironmentFailure("timeout"), isEnvironmentFailure("wrong")); // true false
 * ```
 */
export function isEnvironmentFailure(status: TrialStatus): boolean {
  return status === "timeout" || status === "device_lost";
}

/** One evaluated candidate, as kept in the cache (every trial, not only the winner). */
export interface TrialRecord {
  /** The candidate config. */
  readonly config: Config;
  /** How it ended. */
  readonly status: TrialStatus;
  /** Median time in ms (`null` in JSON when not `"ok"`). */
  readonly timeMs: number | null;
  /** 20th percentile time in ms. */
  readonly p20Ms?: number;
  /** 80th percentile time in ms. */
  readonly p80Ms?: number;
  /** Short error message for failed candidates. */
  readonly error?: string;
  /**
   * For a `"timeout"` or `"device_lost"` trial (a failure of the environment, not of the config):
   * how many runs tried this config and failed that way. Later runs retry such a trial until it
   * has failed `MAX_ENVIRONMENT_ATTEMPTS` times (absent counts as 1).
   */
  readonly attempts?: number;
  /**
   * True when `timeMs` is the median of the winner confirmation's re-timings. A confirmed time is
   * kept when another writer records a lower unconfirmed one for the same config (see
   * `mergeTrials`), so the cache's best stays the winner a run reported.
   */
  readonly confirmed?: boolean;
}
