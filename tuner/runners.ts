/**
 * Candidate runners: where a candidate is evaluated. In process (fast, but a hung kernel or a lost
 * device takes the tuner's device with it), or in a worker subprocess with its own device that is
 * killed on timeout and restarted after a crash or a device loss, so a tune survives both.
 *
 * @module
 */
import type { Gpu } from "../gpu/device.ts";
import type { AnyKernelFamily, Config } from "../kernels/types.ts";
import { type CandidateContext, evaluateCandidate } from "./candidate.ts";
import type { TrialRecord } from "./types.ts";

/** Evaluates candidates of one problem. */
export interface CandidateRunner {
  /** Evaluates one config; never throws for a candidate's failure. */
  evaluate(config: Config, cutoffMs: number): Promise<TrialRecord>;
  /** Releases the runner's resources. */
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
  /** Per-candidate time limit, ms. */
  readonly timeoutMs: number;
}

function timeoutRecord(config: Config, timeoutMs: number): TrialRecord {
  return {
    config,
    status: "timeout",
    timeMs: null,
    error: `exceeded the candidate timeout of ${timeoutMs} ms`,
  };
}

/**
 * Evaluates candidates on the tuner's own device. A candidate over the time limit is abandoned
 * and recorded as `"timeout"`, but its GPU work cannot be interrupted.
 *
 * @example
 * ```ts ignore
 * const runner = inProcessRunner(gpu, { family, problem, seed: 1, measureMs: 50, timeoutMs: 5000 });
 * const trial = await runner.evaluate(config, Infinity);
 * ```
 */
export function inProcessRunner(gpu: Gpu, setup: RunnerSetup): CandidateRunner {
  const { family, problem, seed, measureMs, timeoutMs } = setup;
  let context: CandidateContext | undefined;
  return {
    async evaluate(config, cutoffMs) {
      if (!context) {
        const inputs = family.makeInputs(problem, seed);
        context = {
          gpu,
          family,
          problem,
          inputs,
          expected: family.reference(problem, inputs),
          tolerance: family.tolerance(problem),
          measureMs,
        };
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), timeoutMs);
      });
      try {
        const trial = await Promise.race([
          evaluateCandidate(context, config, { cutoffMs }),
          timeout,
        ]);
        return trial ?? timeoutRecord(config, timeoutMs);
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => Promise.resolve(),
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
   * in the registry (tests use it to inject hanging or device-losing candidates).
   */
  familyModule?: string;
  /** Receives one line per worker restart. */
  onRestart?: (reason: string) => void;
}

type WorkerReply =
  | { type: "ready"; fingerprint: string }
  | { type: "trial"; id: number; trial: TrialRecord }
  | { type: "error"; message: string };

/** A running worker subprocess and its line-based reply stream. */
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

/**
 * Evaluates candidates in a worker subprocess with its own device. A candidate over the time limit
 * gets the worker killed (`"timeout"`); a worker whose device is lost or that crashes is restarted
 * (`"device_lost"` / `"runtime_error"`); the tune goes on with a fresh worker either way.
 *
 * @example
 * ```ts ignore
 * const runner = processRunner(
 *   { family, problem, seed: 1, measureMs: 50, timeoutMs: 5000 },
 *   { backend: "deno", fingerprintHash: gpu.fingerprint.hash },
 * );
 * const trial = await runner.evaluate(config, Infinity);
 * await runner.close();
 * ```
 */
export function processRunner(setup: RunnerSetup, options: ProcessRunnerOptions): CandidateRunner {
  let worker: WorkerProcess | undefined;
  let nextId = 0;

  const start = async (): Promise<WorkerProcess> => {
    const fresh = new WorkerProcess();
    await fresh.send({
      type: "init",
      backend: options.backend,
      op: setup.family.name,
      familyModule: options.familyModule ?? null,
      problem: setup.problem,
      seed: setup.seed,
      measureMs: setup.measureMs,
    });
    const reply = await fresh.next();
    if (reply?.type !== "ready") {
      await fresh.kill();
      const why = reply?.type === "error" ? reply.message : `worker exited: ${fresh.stderrTail()}`;
      throw new Error(`candidate worker failed to start: ${why}`);
    }
    if (reply.fingerprint !== options.fingerprintHash) {
      await fresh.kill();
      throw new Error(
        `candidate worker opened a different device (fingerprint ${reply.fingerprint}, ` +
          `expected ${options.fingerprintHash})`,
      );
    }
    return fresh;
  };

  const discard = async (reason: string): Promise<void> => {
    const old = worker;
    worker = undefined;
    await old?.kill();
    options.onRestart?.(reason);
  };

  return {
    async evaluate(config, cutoffMs) {
      worker ??= await start();
      const current = worker;
      const id = nextId++;
      await current.send({
        type: "eval",
        id,
        config,
        cutoffMs: Number.isFinite(cutoffMs) ? cutoffMs : null,
      });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), setup.timeoutMs);
      });
      try {
        const reply = await Promise.race([current.next(), timeout]);
        if (reply === "timeout") {
          await discard(`candidate timed out after ${setup.timeoutMs} ms`);
          return timeoutRecord(config, setup.timeoutMs);
        }
        if (reply?.type === "trial" && reply.id === id) {
          if (reply.trial.status === "device_lost") await discard("device lost");
          return reply.trial;
        }
        const why = reply?.type === "error" ? reply.message : current.stderrTail();
        await discard(`worker crashed: ${why}`);
        return {
          config,
          status: /lost/i.test(why) ? "device_lost" : "runtime_error",
          timeMs: null,
          error: `worker crashed: ${why}`.slice(0, 300),
        };
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      const old = worker;
      worker = undefined;
      if (!old) return;
      await old.send({ type: "exit" }).catch(() => {});
      const exited = await Promise.race([
        old.exited.then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 2000)),
      ]);
      if (!exited) await old.kill();
    },
  };
}
