/**
 * The candidate worker subprocess (see `processRunner`): opens its own device, builds the
 * validation inputs and reference once, then evaluates configs sent as JSON lines on stdin and
 * answers one JSON line per config on stdout. A lost device is reported, then the worker exits.
 *
 * The worker never outlives its parent: it reads stdin all the time (the reference is computed in
 * a worker thread, so the event loop stays free) and exits as soon as stdin closes, which happens
 * however the parent ends, a kill included. A wait on the GPU can block the event loop (Deno's
 * WebGPU does while a kernel runs, and a hung kernel runs for ever), so a watchdog thread also
 * checks the parent process id and kills this process once it changes (the parent is gone). It
 * ignores SIGINT: Ctrl-C in a terminal reaches the whole process group, and the parent decides
 * what becomes of the candidate in progress.
 *
 * @module
 */
import { type BackendChoice, type Gpu, openDevice } from "../gpu/device.ts";
import { getKernel } from "../kernels/registry.ts";
import type { AnyKernelFamily } from "../kernels/types.ts";
import type { Config } from "../core/types.ts";
import {
  type CandidateContext,
  evaluateCandidate,
  KeptPipelines,
  retimeCandidate,
} from "./candidate.ts";
import { startReference } from "./reference.ts";

interface InitMessage {
  type: "init";
  backend: BackendChoice;
  op: string;
  familyModule: string | null;
  problem: unknown;
  seed: number;
  measureMs: number;
  keepTop?: number;
  keepAlso?: Config[];
}

interface EvalMessage {
  type: "eval" | "retime";
  id: number;
  config: Config;
  cutoffMs?: number | null;
}

type OnCandidate = (gpu: Gpu, config: Config) => void | Promise<void>;

const encoder = new TextEncoder();
function reply(message: unknown): void {
  Deno.stdout.writeSync(encoder.encode(JSON.stringify(message) + "\n"));
}

/** Messages from stdin, in order; the process exits when stdin closes. */
async function* messages(): AsyncGenerator<InitMessage | EvalMessage | { type: "exit" }> {
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  (async () => {
    let buffer = "";
    try {
      for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
        buffer += chunk;
        const lines = buffer.split("\n");
        buffer = lines.pop()!;
        queue.push(...lines.filter((line) => line.trim() !== ""));
        wake?.();
      }
    } catch { /* a broken pipe is a closed pipe */ }
    // The parent is gone (or closed the pipe): nothing may outlive it.
    Deno.exit(0);
  })();
  while (true) {
    if (queue.length === 0) await new Promise<void>((resolve) => wake = resolve);
    wake = undefined;
    while (queue.length > 0) yield JSON.parse(queue.shift()!);
  }
}

async function init(message: InitMessage): Promise<{
  context: CandidateContext;
  kept: KeptPipelines;
  onCandidate: OnCandidate | undefined;
}> {
  let family: AnyKernelFamily;
  let onCandidate: OnCandidate | undefined;
  if (message.familyModule) {
    const module = await import(message.familyModule);
    family = module.family;
    onCandidate = module.onCandidate;
  } else {
    family = getKernel(message.op);
  }
  const gpu = await openDevice({ backend: message.backend });
  const { inputs, expected } = await startReference(family, message.problem, message.seed, {
    ...(message.familyModule ? { familyModule: message.familyModule } : {}),
  }).result;
  const context: CandidateContext = {
    gpu,
    family,
    problem: message.problem,
    inputs,
    expected,
    tolerance: family.tolerance(message.problem),
    measureMs: message.measureMs,
  };
  return {
    context,
    kept: new KeptPipelines(message.keepTop ?? 8, message.keepAlso ?? []),
    onCandidate,
  };
}

async function main(): Promise<void> {
  let state: Awaited<ReturnType<typeof init>> | undefined;
  for await (const message of messages()) {
    if (message.type === "exit") return;
    if (message.type === "init") {
      try {
        state = await init(message);
        reply({ type: "ready", fingerprint: state.context.gpu.fingerprint.hash });
      } catch (error) {
        reply({ type: "error", message: error instanceof Error ? error.message : String(error) });
        return;
      }
      continue;
    }
    if ((message.type === "eval" || message.type === "retime") && state) {
      const { context, kept, onCandidate } = state;
      await onCandidate?.(context.gpu, message.config);
      const trial = message.type === "retime"
        ? await retimeCandidate(context, message.config, kept)
        : await evaluateCandidate(context, message.config, {
          cutoffMs: message.cutoffMs ?? Infinity,
          keep: kept,
        });
      reply({ type: "trial", id: message.id, trial });
      if (trial.status === "device_lost") return;
    }
  }
}

/** Source of the watchdog thread: kills this process once its parent process is gone. */
const WATCHDOG = `
const parent = Deno.ppid;
setInterval(() => {
  if (Deno.ppid !== parent) Deno.kill(Deno.pid, "SIGKILL");
}, 250);
`;

if (import.meta.main) {
  Deno.addSignalListener("SIGINT", () => {});
  if (Deno.build.os !== "windows") {
    new Worker(`data:text/javascript,${encodeURIComponent(WATCHDOG)}`, { type: "module" });
  }
  await main();
  Deno.exit(0);
}
