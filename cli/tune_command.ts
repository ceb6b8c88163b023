/**
 * `wgtune tune`: tunes one op for a list of shapes (or the embedded default set) on one device,
 * with progress on stderr and a table (or one JSON document) on stdout. Ctrl-C stops the search,
 * prints what was tuned so far and exits with 130; every finished trial is already in the cache.
 * Every shape is checked on the device (parse, device limits, `--fix`) before any is tuned; a
 * failure while tuning still prints the report of the shapes tuned before it. A run in which no
 * config of some problem ran correctly exits with 3 (`EXIT_NO_CORRECT_CONFIG`).
 *
 * @module
 */
import { openDevice } from "../gpu/device.ts";
import { getKernel } from "../kernels/registry.ts";
import { getStrategy } from "../search/registry.ts";
import { parseFixSpec } from "../core/space.ts";
import { DEFAULT_CAPS, type ParamValue } from "../core/types.ts";
import { checkTunable, tune } from "../tuner/tune.ts";
import type { TuneResult } from "../tuner/types.ts";
import {
  DEFAULT_CANDIDATE_TIMEOUT_S,
  DEFAULT_MAX_EVALS,
  DEFAULT_SEED,
  DEFAULT_SHAPES,
  DEFAULT_TIME_LIMIT_S,
} from "./defaults.ts";
import {
  EXIT_INTERRUPTED,
  EXIT_NO_CORRECT_CONFIG,
  EXIT_OK,
  oneLine,
  UsageError,
} from "./errors.ts";
import { stderrIsTerminal, terminalColumns, writeErr, writeOut } from "./io.ts";
import {
  BACKENDS,
  DTYPES,
  ISOLATIONS,
  nonNegativeInteger,
  oneOf,
  positiveInteger,
  positiveSeconds,
} from "./options.ts";
import { Progress } from "./progress.ts";
import { deviceJson, formatResultTable, resultJson, SCHEMA_VERSION, TOOL } from "./report.ts";
import type { TuneReportJson } from "./report.ts";
import { cacheDirOption } from "./cache_dir.ts";

/** The options of `wgtune tune` as commander hands them over (strings, unvalidated). */
export interface TuneCommandOptions {
  /** `--op`. */
  op: string;
  /** `--shape`, repeatable. */
  shape?: string[];
  /** `--dtype`. */
  dtype: string;
  /** `--strategy`. */
  strategy: string;
  /** `--max-evals`. */
  maxEvals?: string;
  /** `--time-limit`, seconds. */
  timeLimit?: string;
  /** `--candidate-timeout`, seconds. */
  candidateTimeout?: string;
  /** `--seed`. */
  seed?: string;
  /** `--fix name=values`, repeatable. */
  fix?: string[];
  /** `--backend`. */
  backend: string;
  /** `--isolation`. */
  isolation: string;
  /** `--cache-dir`. */
  cacheDir?: string;
  /** `--force`. */
  force?: boolean;
  /** `--json`. */
  json?: boolean;
}

/** Runs `wgtune tune` and returns the exit code. User errors are thrown. */
export async function tuneCommand(options: TuneCommandOptions): Promise<number> {
  // Everything the user typed is checked before the device is opened.
  const family = getKernel(options.op);
  const strategy = getStrategy(options.strategy).name;
  const dtype = oneOf("--dtype", options.dtype, DTYPES);
  const backend = oneOf("--backend", options.backend, BACKENDS);
  const isolation = oneOf("--isolation", options.isolation, ISOLATIONS);
  const maxEvals = options.maxEvals === undefined
    ? DEFAULT_MAX_EVALS
    : positiveInteger("--max-evals", options.maxEvals);
  const timeLimitS = options.timeLimit === undefined
    ? DEFAULT_TIME_LIMIT_S
    : positiveSeconds("--time-limit", options.timeLimit);
  const candidateTimeoutS = options.candidateTimeout === undefined
    ? DEFAULT_CANDIDATE_TIMEOUT_S
    : positiveSeconds("--candidate-timeout", options.candidateTimeout);
  const seed = options.seed === undefined
    ? DEFAULT_SEED
    : nonNegativeInteger("--seed", options.seed);
  const shapes = options.shape ?? DEFAULT_SHAPES[family.name];
  if (!shapes || shapes.length === 0) {
    throw new UsageError(`op '${family.name}' has no default problem set: pass --shape`);
  }
  const problems = shapes.map((shape) => ({
    shape,
    problem: family.parseShape(shape, dtype),
  }));
  let fix: Record<string, ParamValue[]> | undefined;
  if (options.fix && options.fix.length > 0) {
    const params = family.space(problems[0]!.problem, DEFAULT_CAPS).params;
    try {
      fix = Object.fromEntries(options.fix.map((text) => parseFixSpec(text, params)));
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  const cacheDir = cacheDirOption(options.cacheDir);
  const force = options.force ?? false;

  const gpu = await openDevice({ backend });
  // Every shape is checked on this device (its limits, --fix) before any is tuned, so that a bad
  // later shape cannot cost the results of the shapes before it.
  for (const { shape, problem } of problems) {
    try {
      checkTunable(gpu, { op: family.name, problem }, fix ? { fix } : {});
    } catch (error) {
      gpu.close();
      if (error instanceof RangeError || error instanceof TypeError) {
        throw new UsageError(`--shape ${shape}: ${oneLine(error)}`);
      }
      throw error;
    }
  }
  const isTty = stderrIsTerminal();
  const progress = new Progress({
    write: writeErr,
    isTty,
    columns: isTty ? terminalColumns() : 80,
    timeLimitMs: timeLimitS * 1000,
  });
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) Deno.exit(EXIT_INTERRUPTED);
    progress.clear();
    writeErr("wgtune: interrupted: stopping the current candidate (Ctrl-C again to quit now)\n");
    controller.abort();
  };
  Deno.addSignalListener("SIGINT", onSigint);
  const done: { name: string; shape: string; result: TuneResult }[] = [];
  // An error while tuning (a lost device, a full disk) is thrown after the report of what was done.
  let failure: { error: unknown } | undefined;
  try {
    writeErr(
      `wgtune: device ${gpu.backend}: ${gpu.info.description || gpu.info.device} ` +
        `(${gpu.fingerprint.slug}); cache ${cacheDir}\n`,
    );
    for (const [index, { shape, problem }] of problems.entries()) {
      if (controller.signal.aborted) break;
      const name = `${family.name} ${shape} ${dtype}`;
      progress.startProblem(index, problems.length, name);
      const result = await tune(gpu, { op: family.name, problem }, {
        strategy,
        maxEvals,
        timeLimitMs: timeLimitS * 1000,
        candidateTimeoutMs: candidateTimeoutS * 1000,
        seed,
        cacheDir,
        force,
        isolation,
        ...(fix ? { fix } : {}),
        signal: controller.signal,
        onEvent: (event) => progress.onEvent(event),
      });
      progress.finishProblem(result);
      done.push({ name, shape, result });
    }
  } catch (error) {
    failure = { error };
  } finally {
    progress.clear();
    Deno.removeSignalListener("SIGINT", onSigint);
  }
  const interrupted = controller.signal.aborted;
  if (interrupted && done.length < problems.length) {
    writeErr(`wgtune: interrupted: ${problems.length - done.length} problem(s) not tuned\n`);
  }
  if (options.json) {
    const report: TuneReportJson = {
      schemaVersion: SCHEMA_VERSION,
      tool: TOOL,
      device: deviceJson(gpu),
      settings: {
        op: family.name,
        dtype,
        strategy,
        maxEvals,
        timeLimitS,
        candidateTimeoutS,
        seed,
        force,
        isolation,
        cacheDir,
        ...(fix ? { fix } : {}),
      },
      interrupted,
      results: done.map(({ shape, result }) => resultJson(result, shape)),
    };
    writeOut(`${JSON.stringify(report, null, 2)}\n`);
  } else if (done.length > 0) {
    writeOut(`${formatResultTable(done)}\n`);
  }
  gpu.close();
  if (failure) throw failure.error;
  if (interrupted) return EXIT_INTERRUPTED;
  const failed = done.filter(({ result }) => !Number.isFinite(result.best.timeMs));
  if (failed.length > 0) {
    writeErr(
      `wgtune: no config ran correctly for ${failed.map(({ name }) => name).join(", ")} ` +
        `(exit code ${EXIT_NO_CORRECT_CONFIG})\n`,
    );
    return EXIT_NO_CORRECT_CONFIG;
  }
  return EXIT_OK;
}
