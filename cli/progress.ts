/**
 * Progress of a tuning run on stderr: one line redrawn in place on a terminal, plain lines now and
 * then otherwise (logs, CI, pipes). Never writes to stdout.
 *
 * @module
 */
import type { TuneEvent, TuneResult } from "../tuner/types.ts";
import { formatMs, formatSpeedup } from "./table.ts";

/** Options of {@linkcode Progress}. */
export interface ProgressOptions {
  /** Where the text goes (stderr in the CLI). */
  write: (text: string) => void;
  /** Redraw one line in place (`\r`) instead of printing plain lines. */
  isTty: boolean;
  /**
   * Width of the terminal line, used only when `isTty`.
   * @default {80}
   */
  columns?: number;
  /**
   * Minimum time between two plain lines while trials run (not on a terminal).
   * @default {5000}
   */
  intervalMs?: number;
  /**
   * Wall-clock limit per problem in ms; the bar shows time or evaluations, whichever is further.
   * @default {Infinity}
   */
  timeLimitMs?: number;
  /**
   * Clock, replaceable in tests.
   * @default {performance.now}
   */
  now?: () => number;
}

const BAR_WIDTH = 20;

/** Draws the progress of a multi-problem tuning run from the tuner's events. */
export class Progress {
  readonly #write: (text: string) => void;
  readonly #isTty: boolean;
  readonly #columns: number;
  readonly #intervalMs: number;
  readonly #timeLimitMs: number;
  readonly #now: () => number;
  #label = "";
  #started = 0;
  #lastLine = -Infinity;
  #trials = 0;
  #maxEvals = 0;
  #bestMs = Infinity;
  #drawn = false;

  /** Creates the reporter; nothing is written until the first problem starts. */
  constructor(options: ProgressOptions) {
    const {
      write,
      isTty,
      columns = 80,
      intervalMs = 5000,
      timeLimitMs = Infinity,
      now = () => performance.now(),
    } = options;
    this.#write = write;
    this.#isTty = isTty;
    this.#columns = Math.max(20, columns);
    this.#intervalMs = intervalMs;
    this.#timeLimitMs = timeLimitMs;
    this.#now = now;
  }

  /** Announces problem `index` (0-based) of `count`, named `name` (for example `matmul 8x8x8`). */
  startProblem(index: number, count: number, name: string): void {
    this.#label = `[${index + 1}/${count}] ${name}`;
    this.#started = this.#now();
    this.#trials = 0;
    this.#maxEvals = 0;
    this.#bestMs = Infinity;
    this.#lastLine = -Infinity;
    this.#status("starting", true);
  }

  /** Feeds one tuner event. */
  onEvent(event: TuneEvent): void {
    switch (event.type) {
      case "start":
        this.#maxEvals = event.maxEvals;
        this.#status(`searching ${event.spaceSize} configs`, false);
        break;
      case "cache-hit":
        this.#status("cached", false);
        break;
      case "stale-cache":
        this.#line(
          `${this.#label}: cached results of ${event.op} v${
            event.staleVersions.join(", v")
          } ignored (the kernel is now v${event.kernelVersion}): tuning again`,
          true,
        );
        break;
      case "trial": {
        this.#trials++;
        this.#maxEvals = event.maxEvals;
        if (Number.isFinite(event.bestMs)) this.#bestMs = event.bestMs;
        const first = this.#trials === 1;
        this.#status(
          `trial ${this.#trials}/${this.#maxEvals} ${event.trial.status}, best ${
            formatMs(this.#bestMs)
          } ms`,
          first,
        );
        break;
      }
      case "done":
        break;
    }
  }

  /** Ends the current problem with a summary line (kept on screen on a terminal too). */
  finishProblem(result: TuneResult | undefined, note = ""): void {
    const seconds = ((this.#now() - this.#started) / 1000).toFixed(1);
    const summary = result
      ? result.fromCache
        ? `cached, best ${formatMs(result.best.timeMs)} ms`
        : `${result.trials.length} trials, best ${formatMs(result.best.timeMs)} ms (${
          formatSpeedup(result.speedup)
        } over default), ${result.stoppedBy}, ${seconds}s`
      : `${note || "failed"}, ${seconds}s`;
    this.#line(`${this.#label}: ${summary}`, true);
  }

  /** Erases the in-place line on a terminal (before other output goes to stderr). */
  clear(): void {
    if (this.#isTty && this.#drawn) this.#write("\r\x1b[2K");
    this.#drawn = false;
  }

  #fraction(): number {
    const byEvals = this.#maxEvals > 0 ? this.#trials / this.#maxEvals : 0;
    const byTime = Number.isFinite(this.#timeLimitMs)
      ? (this.#now() - this.#started) / this.#timeLimitMs
      : 0;
    return Math.min(1, Math.max(byEvals, byTime));
  }

  #status(text: string, force: boolean): void {
    if (this.#isTty) {
      const filled = Math.round(this.#fraction() * BAR_WIDTH);
      const bar = `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}]`;
      this.#line(`${this.#label} ${bar} ${text}`, false);
      return;
    }
    const now = this.#now();
    if (force || now - this.#lastLine >= this.#intervalMs) {
      this.#lastLine = now;
      this.#line(`${this.#label}: ${text}`, true);
    }
  }

  #line(text: string, keep: boolean): void {
    if (this.#isTty) {
      // The in-place line must fit (or \r cannot erase it); kept lines may wrap.
      const fitted = !keep && text.length > this.#columns - 1
        ? text.slice(0, this.#columns - 1)
        : text;
      this.#write(`\r\x1b[2K${fitted}${keep ? "\n" : ""}`);
      this.#drawn = !keep;
    } else {
      this.#write(`${text}\n`);
    }
  }
}
