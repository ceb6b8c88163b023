/**
 * The candidate worker subprocess (see `processRunner`): opens its own device, builds the
 * validation inputs and reference once, then evaluates configs sent as JSON lines on stdin and
 * answers one JSON line per config on stdout. A lost device is reported, then the worker exits.
 *
 * @module
 */
import { type BackendChoice, type Gpu, openDevice } from "../gpu/device.ts";
import { getKernel } from "../kernels/registry.ts";
import type { AnyKernelFamily, Config } from "../kernels/types.ts";
import { type CandidateContext, evaluateCandidate } from "./candidate.ts";

interface InitMessage {
  type: "init";
  backend: BackendChoice;
  op: string;
  familyModule: string | null;
  problem: unknown;
  seed: number;
  measureMs: number;
}

type OnCandidate = (gpu: Gpu, config: Config) => void | Promise<void>;

const encoder = new TextEncoder();
function reply(message: unknown): void {
  Deno.stdout.writeSync(encoder.encode(JSON.stringify(message) + "\n"));
}

async function main(): Promise<void> {
  let context: CandidateContext | undefined;
  let onCandidate: OnCandidate | undefined;
  let buffer = "";
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    const lines = buffer.split("\n");
    buffer = lines.pop()!;
    for (const line of lines) {
      if (line.trim() === "") continue;
      const message = JSON.parse(line);
      if (message.type === "exit") return;
      if (message.type === "init") {
        const init = message as InitMessage;
        try {
          let family: AnyKernelFamily;
          if (init.familyModule) {
            const module = await import(init.familyModule);
            family = module.family;
            onCandidate = module.onCandidate;
          } else {
            family = getKernel(init.op);
          }
          const gpu = await openDevice({ backend: init.backend });
          const inputs = family.makeInputs(init.problem, init.seed);
          context = {
            gpu,
            family,
            problem: init.problem,
            inputs,
            expected: family.reference(init.problem, inputs),
            tolerance: family.tolerance(init.problem),
            measureMs: init.measureMs,
          };
          reply({ type: "ready", fingerprint: gpu.fingerprint.hash });
        } catch (error) {
          reply({ type: "error", message: error instanceof Error ? error.message : String(error) });
          return;
        }
        continue;
      }
      if (message.type === "eval" && context) {
        const config = message.config as Config;
        await onCandidate?.(context.gpu, config);
        const trial = await evaluateCandidate(context, config, {
          cutoffMs: message.cutoffMs ?? Infinity,
        });
        reply({ type: "trial", id: message.id, trial });
        if (trial.status === "device_lost") return;
      }
    }
  }
}

if (import.meta.main) {
  await main();
  Deno.exit(0);
}
