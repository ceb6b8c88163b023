/**
 * Timers that stay correct for every delay. `setTimeout` keeps its delay in a signed 32-bit
 * integer: a delay above 2^31 - 1 ms (about 24.8 days) or `Infinity` overflows to 1 ms, so a
 * "practically unlimited" timeout fires at once. These helpers never arm a timer with such a
 * delay: long delays are re-armed in steps, `Infinity` arms nothing.
 *
 * @module
 */

/** The longest delay `setTimeout` honours, in ms (2^31 - 1). */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Calls `callback` once after `ms` milliseconds and returns a function that cancels it. A delay of
 * `Infinity` never fires; a delay longer than {@linkcode MAX_TIMER_MS} is waited in steps; a
 * negative or NaN delay fires on the next turn of the event loop.
 *
 * @example
 * ```ts
 * import { setLongTimeout } from "./timer.ts";
 * const cancel = setLongTimeout(() => console.log("never"), 3_000_000_000);
 * cancel(); // no timer is left behind
 * ```
 */
export function setLongTimeout(callback: () => void, ms: number): () => void {
  if (ms === Infinity) return () => {};
  let handle: ReturnType<typeof setTimeout> | undefined;
  const due = performance.now() + (ms > 0 ? ms : 0);
  const arm = (): void => {
    const left = due - performance.now();
    handle = left > MAX_TIMER_MS
      ? setTimeout(arm, MAX_TIMER_MS)
      : setTimeout(callback, Math.max(0, left));
  };
  arm();
  return () => clearTimeout(handle);
}

/** A pending delay made by {@linkcode delay}. */
export interface Delay {
  /** Resolves when the delay has passed (never for `Infinity`, nor after `cancel()`). */
  readonly done: Promise<void>;
  /** Disarms the timer. */
  cancel(): void;
}

/**
 * A cancellable delay of `ms` milliseconds, correct for every `ms` (see
 * {@linkcode setLongTimeout}).
 *
 * @example
 * ```ts
 * import { delay } from "./timer.ts";
 * const wait = delay(5);
 * await wait.done; // about 5 ms later
 * delay(Infinity).cancel(); // arms nothing
 * ```
 */
export function delay(ms: number): Delay {
  let cancel = (): void => {};
  const done = new Promise<void>((resolve) => {
    cancel = setLongTimeout(resolve, ms);
  });
  return { done, cancel };
}
