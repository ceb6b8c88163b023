/**
 * Candidate runners: where a candidate is evaluated. In process (fast, but a hung kernel or a lost
 * device takes the tuner's device with it), or in a worker subprocess with its own device that is
 * killed on timeout and restarted after a crash or a device loss, so a tune survives both.
 *
 * Both count everything a candidate waits for inside its limits: the float64 reference (computed
 * once per problem, off the event loop, see `startReference()`), the worker's start, the compile,
 * the validation and the timing. A candidate over `timeoutMs` is recorded as `"timeout"`; when the
 * setup's `signal` aborts (Ctrl-C, the search's time limit) the call rejects with
 * {@linkcode SearchStopped} at once, and nothing is recorded for that candidate.
 *
 * @module
 */
import type { Gpu } from "../gpu/device.ts";
import type { AnyKernelFamily } from "../kernels/types.ts";
import type { Config } from "../core/types.ts";
import { SearchStopped } from "../search/types.ts";
import {
  type CandidateContext,
  evaluateCandidate,
  KeptPipelines,
  retimeCandidate,
} from "./candidate.ts";
import { type ReferenceJob, startReference } from "./reference.ts";
import { delay } from "./timer.ts";
import type { TrialRecord } from "../core/trial.ts";

/** Evaluates candidates of one problem. */
export interface CandidateRunner {
  /**
   * Evaluates one config; never throws for a candidate's failure. Rejects with
   * {@linkcode SearchStopped} when the setup's `signal` aborts.
   */
  evaluate(config: Config, cutoffMs: number): Promise<TrialRecord>;
  /**
   * Times a config again for winner confirmation, reusing its compiled pipeline when this runner
   * validated it earlier (no compile, no validation); otherwise as `evaluate` does, never cut off.
   */
  retime(config: Config): Promise<TrialRecord>;
  /** Releases the runner's resources (a reference computation or worker still running too). */
  close(): Promise<void>;
}

/** What a runner needs to know about the problem. */
export interface RunnerSetup {
  /** Kernel family. */
  readonly family: AnyKernelFamily;
  /** Normalized problem. */
  readonly problem: unknown;
  /** Seed of the validation inputs. */
  readonly seed: number;
  /** GPU time budget per measurement, ms. */
  readonly measureMs: number;
  /** Per-candidate time limit, ms (`Infinity`: none; any length is honoured exactly). */
  readonly timeoutMs: number;
  /**
   * Stops the candidate in progress: `evaluate` and `retime` reject with the signal's reason when
   * it is a {@linkcode SearchStopped}, else with `SearchStopped("aborted")`.
   */
  readonly signal?: AbortSignal;
  /**
   * Module URL exporting `family` (and optionally `onCandidate`), for kernel families that are not
   * in the registry, so that its reference (and a worker subprocess) can load it.
   */
  readonly familyModule?: string;
  /**
   * How many of the fastest validated pipelines are kept for `retime`.
   * @default {8}
   */
  readonly keepTop?: number;
  /** Configs whose pipelines are kept for `retime` whatever their time (the default config). */
  readonly keepAlso?: readonly Config[];
  /**
   * In process: after a candidate timed out, how long to wait for its abandoned GPU work before
   * the next candidate runs, ms; a candidate that runs while that work may remain says so in its
   * record's `error`.
   * @default {10000}
   */
  readonly drainMs?: number;
}

function timeoutRecord(config: Config, timeoutMs: number, what = ""): TrialRecord {
  return {
    config,
    status: "timeout",
    timeMs: null,
    error: `exceeded the candidate timeout of ${timeoutMs} ms${what}`,
  };
}

/** The error a stopped call rejects with. */
function stopError(signal: AbortSignal): SearchStopped {
  return signal.reason instanceof SearchStopped ? signal.reason : new SearchStopped("aborted");
}

/** A promise that resolves when `signal` aborts (never without one), and a disposer. */
function whenAborted(signal: AbortSignal | undefined): { done: Promise<"stopped">; off(): void } {
  if (!signal) return { done: new Promise(() => {}), off: () => {} };
  let off = (): void => {};
  const done = new Promise<"stopped">((resolve) => {
    if (signal.aborted) return resolve("stopped");
    const listener = () => resolve("stopped");
    signal.addEventListener("abort", listener, { once: true });
    off = () => signal.removeEventListener("abort", listener);
  });
  return { done, off: () => off() };
}

/** Appends `note` to a record's `error`. */
function withNote(record: TrialRecord, note: string | undefined): TrialRecord {
  if (!note) return record;
  return { ...record, error: record.error ? `${record.error}; ${note}` : note };
}

const NOT_DRAINED =
  "timed while an earlier candidate's abandoned GPU work may still have been running";

/**
 * Evaluates candidates on the tuner's own device. A candidate over the time limit is abandoned
 * and recorded as `"timeout"`; its GPU work cannot be interrupted, but it submits no more, and the
 * next candidate waits (up to `drainMs`) for the queue to drain before it runs.
 *
 * @example
 * ```ts
 * import { openDevice } from "@wgtune/wgtune";
 * import { getKernel } from "@wgtune/wgtune/kernels";
 * const gpu = await openDevice();
 * const family = getKernel("matmul");
 * const problem = family.normalizeProblem({ m: 8, n: 8, k: 8 });
 * const config = family.defaultConfig(problem, gpu.caps);
 * import { inProcessRunner } from "./runners.ts";
 * const runner = inProcessRunner(gpu, { family, problem, seed: 1, measureMs: 5, timeoutMs: 5000 });
 * const trial = await runner.evaluate(config, Infinity);
 * console.log(trial.status); // "ok"
 * await runner.close();
 * gpu.close();
 * ```
 */
export function inProcessRunner(gpu: Gpu, setup: RunnerSetup): CandidateRunner {
  const { family, problem, seed, measureMs, timeoutMs, signal, drainMs = 10_000 } = setup;
  const kept = new KeptPipelines(setup.keepTop ?? 8, setup.keepAlso ?? []);
  let reference: ReferenceJob | undefined;
  let context: Promise<CandidateContext> | undefined;
  /** GPU work of the last candidate abandoned on timeout, while it may still run. */
  let abandoned: Promise<unknown> | undefined;

  const getContext = (): Promise<CandidateContext> => {
    if (!context) {
      reference = startReference(family, problem, seed, {
        ...(setup.familyModule ? { familyModule: setup.familyModule } : {}),
      });
      context = reference.result.then(({ inputs, expected }) => ({
        gpu,
        family,
        problem,
        inputs,
        expected,
        tolerance: family.tolerance(problem),
        measureMs,
      }));
      // A failed reference fails every candidate alike (see below); never unhandled.
      context.catch(() => {});
    }
    return context;
  };

  /** Waits for abandoned GPU work (bounded); returns a note when it may still be running. */
  const drain = async (): Promise<string | undefined> => {
    if (!abandoned) return undefined;
    const pending = abandoned;
    const drained = pending.then(() => gpu.device.queue.onSubmittedWorkDone()).then(
      () => "drained" as const,
      () => "drained" as const,
    );
    const wait = delay(drainMs);
    const stop = whenAborted(signal);
    try {
      const outcome = await Promise.race([
        drained,
        wait.done.then(() => "late" as const),
        stop.done,
      ]);
      if (outcome === "stopped") throw stopError(signal!);
      if (outcome === "late") return NOT_DRAINED;
      if (abandoned === pending) abandoned = undefined;
      return undefined;
    } finally {
      wait.cancel();
      stop.off();
    }
  };

  const run = async (
    config: Config,
    body: (context: CandidateContext, signal: AbortSignal) => Promise<TrialRecord>,
  ): Promise<TrialRecord> => {
    if (signal?.aborted) throw stopError(signal);
    const note = await drain();
    const controller = new AbortController();
    let gpuWork: Promise<TrialRecord> | undefined;
    let referenceReady = false;
    const work = getContext().then((ready) => {
      referenceReady = true;
      if (controller.signal.aborted) return undefined;
      gpuWork = body(ready, controller.signal);
      return gpuWork;
    }, (error) => {
      const why = error instanceof Error ? error.message : String(error);
      throw new Error(`the float64 reference of ${family.name} failed: ${why}`);
    });
    work.catch(() => {});
    const timer = delay(timeoutMs);
    const stop = whenAborted(signal);
    try {
      const outcome = await Promise.race([
        work,
        timer.done.then(() => "timeout" as const),
        stop.done,
      ]);
      if (outcome === "timeout" || outcome === "stopped") {
        controller.abort();
        abandoned = gpuWork ?? abandoned;
        if (outcome === "stopped") throw stopError(signal!);
        const what = referenceReady ? "" : " waiting for the float64 reference of the problem";
        return withNote(timeoutRecord(config, timeoutMs, what), note);
      }
      return withNote(outcome!, note);
    } finally {
      timer.cancel();
      stop.off();
    }
  };

  return {
    evaluate: (config, cutoffMs) =>
      run(
        config,
        (context, abandon) =>
          evaluateCandidate(context, config, { cutoffMs, signal: abandon, keep: kept }),
      ),
    retime: (config) =>
      run(
        config,
        (context, abandon) => retimeCandidate(context, config, kept, { signal: abandon }),
      ),
    close() {
      reference?.cancel();
      return Promise.resolve();
    },
  };
}

/** Options of {@linkcode processRunner}. */
export interface ProcessRunnerOptions {
  /** Backend the worker opens (the tuner's own backend, so the fingerprint matches). */
  backend: "deno" | "dawn" | "auto";
  /** Fingerprint hash the worker's device must have. */
  fingerprintHash: string;
  /**
   * Module URL exporting `family` (and optionally `onCandidate`), for kernel families that are not
   * in the registry (tests use it to inject hanging or device-losing candidates). Defaults to the
   * setup's `familyModule`.
   */
  familyModule?: string;
  /** Receives one line per worker restart. */
  onRestart?: (reason: string) => void;
}

type WorkerReply =
  | { type: "ready"; fingerprint: string }
  | { type: "trial"; id: number; trial: TrialRecord }
  | { type: "error"; message: string };

/**
 * A running worker subprocess and its line-based reply stream. The worker exits by itself when
 * its stdin closes, so it never outlives this process, however this process ends.
 */
class WorkerProcess {
  readonly child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #lines: AsyncIterator<string>;
  #stderrTail: string[] = [];
  readonly exited: Promise<Deno.CommandStatus>;

  constructor() {
    const worker = new URL("./candidate_worker.ts", import.meta.url);
    const args = ["run", "--allow-all", "--quiet"];
    if (worker.protocol !== "file:") args.push("--reload");
    this.child = new Deno.Command(Deno.execPath(), {
      args: [...args, worker.href],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.exited = this.child.status;
    this.#writer = this.child.stdin.getWriter();
    this.#lines = this.child.stdout
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(lineSplitter())[Symbol.asyncIterator]();
    this.#drainStderr();
  }

  async #drainStderr(): Promise<void> {
    try {
      for await (const chunk of this.child.stderr.pipeThrough(new TextDecoderStream())) {
        this.#stderrTail.push(...chunk.split("\n").filter((l) => l.trim() !== ""));
        this.#stderrTail = this.#stderrTail.slice(-5);
      }
    } catch { /* the process was killed */ }
  }

  stderrTail(): string {
    return this.#stderrTail.join(" | ");
  }

  async send(message: unknown): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(JSON.stringify(message) + "\n"));
  }

  /** The next reply, or `undefined` when the process ended. */
  async next(): Promise<WorkerReply | undefined> {
    const { value, done } = await this.#lines.next();
    return done ? undefined : JSON.parse(value) as WorkerReply;
  }

  async kill(): Promise<void> {
    try {
      this.child.kill("SIGKILL");
    } catch { /* already gone */ }
    await this.#writer.close().catch(() => {});
    await this.exited.catch(() => {});
  }
}

function lineSplitter(): TransformStream<string, string> {
  let buffer = "";
  return new TransformStream({
    transform(chunk, controller) {
      buffer += chunk;
      const lines = buffer.split("\n");
      buffer = lines.pop()!;
      for (const line of lines) if (line.trim() !== "") controller.enqueue(line);
    },
    flush(controller) {
      if (buffer.trim() !== "") controller.enqueue(buffer);
    },
  });
}

/** A worker subprocess and the promise of its `ready` (device open, reference computed). */
interface StartingWorker {
  readonly process: WorkerProcess;
  ready: Promise<void>;
  /** True once `ready` resolved. */
  isReady: boolean;
}

/**
 * Evaluates candidates in a worker subprocess with its own device. A candidate over the time limit
 * gets the worker killed (`"timeout"`); a worker whose device is lost or that crashes is restarted
 * (`"device_lost"` / `"runtime_error"`); the tune goes on with a fresh worker either way. The
 * worker's start (its device and the float64 reference) counts inside the candidate's timeout; a
 * start that is not done in time goes on for the next candidate.
 *
 * @example
 * ```ts ignore
 * // Not run as a doc test: it spawns a worker process that opens a device of its own.
 * const runner = processRunner(
 *   { family, problem, seed: 1, measureMs: 50, timeoutMs: 5000 },
 *   { backend: "deno", fingerprintHash: gpu.fingerprint.hash },
 * );
 * const trial = await runner.evaluate(config, Infinity);
 * await runner.close();
 * ```
 */
export function processRunner(setup: RunnerSetup, options: ProcessRunnerOptions): CandidateRunner {
  const { signal, timeoutMs } = setup;
  const familyModule = options.familyModule ?? setup.familyModule;
  let worker: StartingWorker | undefined;
  let nextId = 0;

  const start = (): StartingWorker => {
    const fresh = new WorkerProcess();
    const starting: StartingWorker = { process: fresh, ready: Promise.resolve(), isReady: false };
    const ready = (async () => {
      await fresh.send({
        type: "init",
        backend: options.backend,
        op: setup.family.name,
        familyModule: familyModule ?? null,
        problem: setup.problem,
        seed: setup.seed,
        measureMs: setup.measureMs,
        keepTop: setup.keepTop ?? 8,
        keepAlso: setup.keepAlso ?? [],
      });
      const reply = await fresh.next();
      if (reply?.type !== "ready") {
        await fresh.kill();
        const why = reply?.type === "error"
          ? reply.message
          : `worker exited: ${fresh.stderrTail()}`;
        throw new Error(`candidate worker failed to start: ${why}`);
      }
      if (reply.fingerprint !== options.fingerprintHash) {
        await fresh.kill();
        throw new Error(
          `candidate worker opened a different device (fingerprint ${reply.fingerprint}, ` +
            `expected ${options.fingerprintHash})`,
        );
      }
      starting.isReady = true;
    })();
    ready.catch(() => {});
    return Object.assign(starting, { ready });
  };

  const discard = async (reason: string | undefined): Promise<void> => {
    const old = worker;
    worker = undefined;
    await old?.process.kill();
    if (reason !== undefined) options.onRestart?.(reason);
  };

  const run = async (config: Config, message: Record<string, unknown>): Promise<TrialRecord> => {
    if (signal?.aborted) throw stopError(signal);
    const timer = delay(timeoutMs);
    const stop = whenAborted(signal);
    const timeout = timer.done.then(() => "timeout" as const);
    try {
      worker ??= start();
      const current = worker;
      const started = await Promise.race([
        current.ready.then(() => "ready" as const),
        timeout,
        stop.done,
      ])
        .catch((error) => {
          // A failed start is retried by the next candidate.
          if (worker === current) worker = undefined;
          throw error;
        });
      if (started === "stopped") throw stopError(signal!);
      if (started === "timeout") {
        return timeoutRecord(
          config,
          timeoutMs,
          " waiting for the worker to open its device and compute the float64 reference",
        );
      }
      const id = nextId++;
      // A worker that died meanwhile cannot take the message: its ended output says so below.
      await current.process.send({ ...message, id, config }).catch(() => {});
      const reply = await Promise.race([current.process.next(), timeout, stop.done]);
      if (reply === "stopped") {
        await discard(undefined);
        throw stopError(signal!);
      }
      if (reply === "timeout") {
        await discard(`candidate timed out after ${timeoutMs} ms`);
        return timeoutRecord(config, timeoutMs);
      }
      if (reply?.type === "trial" && reply.id === id) {
        if (reply.trial.status === "device_lost") await discard("device lost");
        return reply.trial;
      }
      const why = reply?.type === "error" ? reply.message : current.process.stderrTail();
      await discard(`worker crashed: ${why}`);
      return {
        config,
        status: /lost/i.test(why) ? "device_lost" : "runtime_error",
        timeMs: null,
        error: `worker crashed: ${why}`.slice(0, 300),
      };
    } finally {
      timer.cancel();
      stop.off();
    }
  };

  return {
    evaluate: (config, cutoffMs) =>
      run(config, { type: "eval", cutoffMs: Number.isFinite(cutoffMs) ? cutoffMs : null }),
    retime: (config) => run(config, { type: "retime" }),
    async close() {
      const old = worker;
      worker = undefined;
      if (!old) return;
      const ready = old.isReady;
      if (ready) await old.process.send({ type: "exit" }).catch(() => {});
      const wait = delay(ready ? 2000 : 0);
      const exited = await Promise.race([
        old.process.exited.then(() => true),
        wait.done.then(() => false),
      ]);
      wait.cancel();
      if (!exited) await old.process.kill();
    },
  };
}
