/**
 * Command line of the conformance suite:
 * `deno run -A conformance/main.ts [--filter TEXT] [--json] [--plan] [--reference]`.
 *
 * Prints one line per case and the pass/skip/fail counts (or, with `--json`, one JSON document).
 * `--plan` lists the mappings and skip reasons and runs nothing; `--reference` runs the kernel
 * families' CPU references instead of the GPU kernels (a failure there is a mapping error, not a
 * kernel error). Exits with 1 when a case fails and with 2 on bad arguments or when the data or
 * the GPU is missing.
 *
 * @module
 */
import { type Gpu, openDevice } from "../gpu/device.ts";
import { conformanceDir, missingConformanceData } from "./data_dir.ts";
import { gpuExecutor, referenceExecutor } from "./executor.ts";
import {
  type CaseResult,
  countResults,
  formatResult,
  loadConformanceCases,
  planCase,
  runCase,
} from "./runner.ts";

/** Parsed command-line options. */
export interface ConformanceArgs {
  /** Case-id substring to keep. */
  readonly filter: string | undefined;
  /** Print one JSON document instead of lines. */
  readonly json: boolean;
  /** Plan only: no GPU, no comparison. */
  readonly plan: boolean;
  /** Run the families' CPU references instead of the GPU kernels. */
  readonly reference: boolean;
}

const USAGE =
  "usage: deno run -A conformance/main.ts [--filter TEXT] [--json] [--plan] [--reference]";

/**
 * Parses the arguments; throws a `RangeError` with the usage on unknown ones.
 *
 * @example Parse a filtered JSON run
 * ```ts
 * import { parseConformanceArgs } from "./main.ts";
 * console.log(parseConformanceArgs(["--filter", "gemm", "--json"]));
 * // { filter: "gemm", json: true, plan: false, reference: false }
 * ```
 */
export function parseConformanceArgs(args: readonly string[]): ConformanceArgs {
  let filter: string | undefined;
  let json = false;
  let plan = false;
  let reference = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--json") json = true;
    else if (arg === "--plan") plan = true;
    else if (arg === "--reference") reference = true;
    else if (arg === "--filter" && args[i + 1] !== undefined) filter = args[++i];
    else if (arg.startsWith("--filter=")) filter = arg.slice("--filter=".length);
    else throw new RangeError(`unknown argument '${arg}': ${USAGE}`);
  }
  return { filter, json, plan, reference };
}

/**
 * Runs the suite as the command line does and returns the exit code.
 *
 * @example Run the MatMul cases from code
 * ```ts ignore
 * import { conformanceMain } from "./main.ts";
 * Deno.exit(await conformanceMain(["--filter", "matmul"]));
 * ```
 */
export async function conformanceMain(argv: readonly string[]): Promise<number> {
  let args: ConformanceArgs;
  try {
    args = parseConformanceArgs(argv);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const dir = conformanceDir();
  const missing = missingConformanceData(dir);
  if (missing) {
    console.error(missing);
    return 2;
  }
  const cases = await loadConformanceCases(dir, { filter: args.filter });
  if (args.plan) {
    for (const c of cases) {
      const planned = planCase(c);
      console.log(
        `${planned.skip === undefined ? "PLAN" : "SKIP"} ${c.id} — ${
          planned.skip ?? planned.plan.mapping
        }`,
      );
    }
    return 0;
  }
  let gpu: Gpu | undefined;
  if (!args.reference) {
    try {
      gpu = await openDevice();
    } catch (error) {
      console.error((error as Error).message);
      return 2;
    }
  }
  const exec = gpu ? gpuExecutor(gpu) : referenceExecutor();
  const results: CaseResult[] = [];
  try {
    for (const c of cases) {
      const result = await runCase(exec, c);
      results.push(result);
      if (!args.json) console.log(formatResult(result));
    }
  } finally {
    gpu?.close();
  }
  const counts = countResults(results);
  if (args.json) {
    const device = gpu ? gpu.info : "cpu reference";
    console.log(JSON.stringify({ executor: exec.name, device, counts, results }, null, 2));
  } else {
    console.log(
      `\n${counts.pass} passed, ${counts.skip} skipped, ${counts.fail} failed (${results.length} cases)`,
    );
  }
  return counts.fail > 0 ? 1 : 0;
}

if (import.meta.main) Deno.exit(await conformanceMain(Deno.args));
