/**
 * Winner confirmation: one short timing per candidate can rank a config first by luck (a quiet
 * moment, an outlier), so the fastest configs are timed again and ranked by the median of their
 * times. Confirmation repeats until the fastest trial of all is a confirmed one, so that the best
 * the cache derives from the trials (the lowest time) is the winner the tuner reports.
 *
 * @module
 */
import type { Config } from "../core/types.ts";
import { configKey } from "../core/space.ts";
import { quantile } from "../core/stats.ts";
import type { TrialRecord } from "../core/trial.ts";

/** Options of {@linkcode confirmFastest}. */
export interface ConfirmOptions {
  /** How many of the fastest unconfirmed configs are re-timed per round. */
  readonly top: number;
  /** Extra timings per confirmed config (its time becomes the median of `1 + rounds` times). */
  readonly rounds: number;
  /** A config timed with the first round even when it is not among the fastest (the default). */
  readonly alsoTime?: Config;
  /**
   * Stops confirming when true (the time limit, an abort): configs re-timed at least once keep
   * the median of their times so far, the others stay unconfirmed.
   */
  readonly stopped?: () => boolean;
}

/** What {@linkcode confirmFastest} found. */
export interface Confirmation {
  /** Trials whose time was replaced by a median, in the order they were confirmed. */
  readonly confirmed: TrialRecord[];
  /** The fastest trial after confirmation (a confirmed one, unless stopped early), if any. */
  readonly winner: TrialRecord | undefined;
}

function isTimed(trial: TrialRecord): boolean {
  return trial.status === "ok" && trial.timeMs !== null && Number.isFinite(trial.timeMs);
}

/**
 * Re-times the `top` fastest configs `rounds` more times, alternating between them so that load
 * changes hit them alike, and replaces each one's time by the median of its times. While some
 * unconfirmed trial is still faster than every confirmed one, the next `top` fastest unconfirmed
 * configs are confirmed the same way. `timeAgain` returns a fresh time in ms, or `null` when
 * the run failed (the remaining times are used). The 20th and 80th percentiles of a confirmed
 * trial are recomputed from the same times as its median.
 *
 * @example A lucky first timing does not win
 * ```ts
 * import { confirmFastest } from "./confirm.ts";
 * const trials = [
 *   { config: { x: 1 }, status: "ok" as const, timeMs: 1 }, // lucky: really 5
 *   { config: { x: 2 }, status: "ok" as const, timeMs: 2 },
 * ];
 * const again = async (c: { x?: unknown }) => (c.x === 1 ? 5 : 2);
 * const { winner } = await confirmFastest(trials, again, { top: 1, rounds: 2 });
 * console.log(winner?.config, winner?.timeMs); // { x: 2 } 2
 * ```
 */
export async function confirmFastest(
  trials: readonly TrialRecord[],
  timeAgain: (config: Config) => Promise<number | null>,
  options: ConfirmOptions,
): Promise<Confirmation> {
  const { top, rounds, alsoTime, stopped = () => false } = options;
  const current = new Map<string, TrialRecord>();
  for (const trial of trials) if (isTimed(trial)) current.set(configKey(trial.config), trial);
  const confirmedKeys = new Set<string>();
  const confirmed: TrialRecord[] = [];
  const fastest = (): TrialRecord | undefined =>
    [...current.values()].reduce<TrialRecord | undefined>(
      (best, t) => (best === undefined || t.timeMs! < best.timeMs! ? t : best),
      undefined,
    );
  let extraKey = alsoTime ? configKey(alsoTime) : undefined;
  while (top > 0 && rounds > 0 && !stopped()) {
    const leader = fastest();
    if (leader === undefined || confirmedKeys.has(configKey(leader.config))) break;
    // Only configs that could still win: not slower than every confirmed one. A tie counts (the
    // leader may tie the best confirmed time), so the leader itself is always in the batch.
    const bar = Math.min(...confirmed.map((t) => t.timeMs!));
    const batch = [...current.values()]
      .filter((t) => !confirmedKeys.has(configKey(t.config)) && t.timeMs! <= bar)
      .sort((a, b) => a.timeMs! - b.timeMs!)
      .slice(0, top);
    // Every round confirms at least one config; an empty batch would spin without awaiting.
    if (batch.length === 0) break;
    if (extraKey !== undefined && current.has(extraKey) && !confirmedKeys.has(extraKey)) {
      if (!batch.some((t) => configKey(t.config) === extraKey)) batch.push(current.get(extraKey)!);
    }
    extraKey = undefined;
    const samples = batch.map((t) => [t.timeMs!]);
    for (let round = 0; round < rounds && !stopped(); round++) {
      for (const [i, trial] of batch.entries()) {
        if (stopped()) break;
        const time = await timeAgain(trial.config);
        if (time !== null && Number.isFinite(time)) samples[i]!.push(time);
      }
    }
    for (const [i, trial] of batch.entries()) {
      const times = samples[i]!;
      // Stopped before this config was timed again: it stays as it was, unconfirmed.
      if (times.length === 1 && stopped()) continue;
      const record = {
        ...trial,
        timeMs: quantile(times, 0.5),
        p20Ms: quantile(times, 0.2),
        p80Ms: quantile(times, 0.8),
        confirmed: true,
      };
      const key = configKey(trial.config);
      current.set(key, record);
      confirmedKeys.add(key);
      confirmed.push(record);
    }
  }
  return { confirmed, winner: fastest() };
}
