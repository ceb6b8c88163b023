/**
 * Entry keys and the merge rules of the cache: trials are deduplicated by config (the newer
 * record wins, except that a single timing never replaces a confirmed median) and the best config
 * is recomputed from them.
 *
 * @module
 */
import type { Config } from "../core/types.ts";
import { isEnvironmentFailure, type TrialRecord } from "../core/trial.ts";
import { configKey } from "../core/space.ts";
import type { CacheBest, CacheEntry } from "./types.ts";

/**
 * The key of an entry in a cache file: `${kernel}@v${kernelVersion}/${problemKey}`. Entries of
 * another kernel version have another key, so they are never looked up.
 *
 * Throws `RangeError` for an empty kernel name or one containing `@` or `/`, a version that is
 * not an integer >= 0, or an empty problem key.
 *
 * @example Key of a matmul entry
 * ```ts
 * import { entryKey } from "./merge.ts";
 * console.log(entryKey("matmul", 3, "f32_b1_m512_n512_k512")); // "matmul@v3/f32_b1_m512_n512_k512"
 * ```
 */
export function entryKey(kernel: string, kernelVersion: number, problemKey: string): string {
  if (typeof kernel !== "string" || kernel === "" || /[@/\s]/.test(kernel)) {
    throw new RangeError(
      `'kernel' must be a non-empty name without '@', '/' or spaces: current value is ${
        JSON.stringify(kernel)
      }`,
    );
  }
  if (!Number.isSafeInteger(kernelVersion) || kernelVersion < 0) {
    throw new RangeError(
      `'kernelVersion' must be an integer >= 0: current value is ${kernelVersion}`,
    );
  }
  if (typeof problemKey !== "string" || problemKey === "") {
    throw new RangeError(
      `'problemKey' must be a non-empty string: current value is ${JSON.stringify(problemKey)}`,
    );
  }
  return `${kernel}@v${kernelVersion}/${problemKey}`;
}

/**
 * True for a trial whose time is a confirmed median: status `"ok"` and `confirmed: true` (set by
 * winner confirmation, which re-times the fastest configs and records the median of their times).
 *
 * @example A confirmed and an unconfirmed trial
 * ```ts
 * import { isConfirmed } from "./merge.ts";
 * console.log(isConfirmed({ config: { x: 1 }, status: "ok", timeMs: 2, confirmed: true } as never)); // true
 * console.log(isConfirmed({ config: { x: 1 }, status: "ok", timeMs: 2 })); // false
 * ```
 */
export function isConfirmed(trial: TrialRecord): boolean {
  return trial.status === "ok" && (trial as { confirmed?: unknown }).confirmed === true;
}

/**
 * Whether a later record of the same config replaces the stored one. It does, except when the
 * stored record is a confirmed median ({@linkcode isConfirmed}) and the later one is not: then an
 * unconfirmed time (one short timing, maybe lucky, maybe written by another process tuning the
 * same problem) or an environment failure (`"timeout"`, `"device_lost"`) is dropped. A confirmed
 * later record, and a later correctness failure (`"wrong"`, `"compile_error"`, `"runtime_error"`,
 * `"invalid"`), always replace it.
 *
 * @example An unconfirmed lucky time does not replace a confirmed median
 * ```ts
 * import { replacesTrial } from "./merge.ts";
 * const median = { config: { x: 1 }, status: "ok", timeMs: 2, confirmed: true } as never;
 * console.log(replacesTrial(median, { config: { x: 1 }, status: "ok", timeMs: 0.5 })); // false
 * console.log(replacesTrial(median, { config: { x: 1 }, status: "wrong", timeMs: null })); // true
 * ```
 */
export function replacesTrial(stored: TrialRecord, incoming: TrialRecord): boolean {
  if (!isConfirmed(stored) || isConfirmed(incoming)) return true;
  return !(incoming.status === "ok" || isEnvironmentFailure(incoming.status));
}

/**
 * Merges trial lists: one record per config (by `configKey`), a record of `incoming` replacing an
 * `existing` one in place when {@linkcode replacesTrial} says so (a confirmed median is kept
 * against an unconfirmed time); new configs are appended in order.
 *
 * @example A newer trial replaces an older one
 * ```ts
 * import { mergeTrials } from "./merge.ts";
 * const merged = mergeTrials(
 *   [{ config: { x: 1 }, status: "ok", timeMs: 2 }],
 *   [{ config: { x: 1 }, status: "ok", timeMs: 1.5 }, { config: { x: 2 }, status: "wrong", timeMs: null }],
 * );
 * console.log(merged.map((t) => t.timeMs)); // [1.5, null]
 * ```
 */
export function mergeTrials(
  existing: readonly TrialRecord[],
  incoming: readonly TrialRecord[],
): TrialRecord[] {
  const merged = [...existing];
  if (incoming.length <= 8) {
    // The common case (one trial recorded after another): scanning with a comparison that
    // allocates nothing is several times faster than keying thousands of stored configs.
    for (const trial of incoming) {
      const at = merged.findIndex((old) => sameConfigKey(old.config, trial.config));
      if (at === -1) merged.push(trial);
      else if (replacesTrial(merged[at]!, trial)) merged[at] = trial;
    }
    return merged;
  }
  const index = new Map<string, number>();
  merged.forEach((trial, i) => index.set(configKey(trial.config), i));
  for (const trial of incoming) {
    const key = configKey(trial.config);
    const at = index.get(key);
    if (at === undefined) {
      index.set(key, merged.length);
      merged.push(trial);
    } else if (replacesTrial(merged[at]!, trial)) {
      merged[at] = trial;
    }
  }
  return merged;
}

/** `configKey(a) === configKey(b)`, without building the keys. */
function sameConfigKey(a: Config, b: Config): boolean {
  let count = 0;
  for (const name in a) {
    if (!Object.hasOwn(a, name)) continue;
    if (!Object.hasOwn(b, name) || String(a[name]) !== String(b[name])) return false;
    count++;
  }
  for (const name in b) if (Object.hasOwn(b, name)) count--;
  return count === 0;
}

/**
 * The fastest trial of status `"ok"` (the first one on ties), or `null` when none ran correctly.
 *
 * @example Pick the fastest correct trial
 * ```ts
 * import { bestOf } from "./merge.ts";
 * const best = bestOf([
 *   { config: { x: 1 }, status: "ok", timeMs: 2 },
 *   { config: { x: 2 }, status: "ok", timeMs: 1 },
 *   { config: { x: 3 }, status: "timeout", timeMs: null },
 * ]);
 * console.log(best); // { config: { x: 2 }, timeMs: 1 }
 * ```
 */
export function bestOf(trials: readonly TrialRecord[]): CacheBest | null {
  let best: CacheBest | null = null;
  for (const trial of trials) {
    const time = trial.timeMs;
    if (trial.status !== "ok" || time === null || !Number.isFinite(time)) continue;
    if (best === null || time < best.timeMs) best = { config: trial.config, timeMs: time };
  }
  return best;
}

/**
 * Merges two versions of the same entry (for imports): the union of their trials, where the
 * entry with the later `updatedAt` wins conflicts (`incoming` on ties) as in
 * {@linkcode mergeTrials} (a confirmed median is kept against an unconfirmed time); `complete` if either was;
 * the default config of the newer one when it has one; best recomputed.
 *
 * @example Merge two machines' results
 * ```ts
 * import { mergeEntries } from "./merge.ts";
 * const base = {
 *   kernel: "matmul", kernelVersion: 1, problemKey: "p", problem: null, best: null,
 *   defaultConfig: null, defaultTimeMs: null, strategy: "grid", complete: false,
 * };
 * const merged = mergeEntries(
 *   { ...base, trials: [{ config: { x: 1 }, status: "ok", timeMs: 3 }], updatedAt: "2026-01-01T00:00:00Z" },
 *   { ...base, trials: [{ config: { x: 2 }, status: "ok", timeMs: 2 }], updatedAt: "2026-01-02T00:00:00Z", complete: true },
 * );
 * console.log(merged.trials.length, merged.best?.timeMs, merged.complete); // 2 2 true
 * ```
 */
export function mergeEntries(existing: CacheEntry, incoming: CacheEntry): CacheEntry {
  const incomingIsNewer = Date.parse(incoming.updatedAt) >= Date.parse(existing.updatedAt);
  const [older, newer] = incomingIsNewer ? [existing, incoming] : [incoming, existing];
  const trials = mergeTrials(older.trials, newer.trials);
  const defaults = newer.defaultConfig !== null ? newer : older;
  return {
    ...older,
    ...newer,
    problem: newer.problem ?? older.problem,
    trials,
    best: bestOf(trials),
    defaultConfig: defaults.defaultConfig,
    defaultTimeMs: defaults.defaultTimeMs,
    strategy: newer.strategy !== "" ? newer.strategy : older.strategy,
    complete: older.complete || newer.complete,
    updatedAt: newer.updatedAt,
  };
}
