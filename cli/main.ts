/**
 * The `wgtune` command line: `tune`, `devices` and `cache`. Run it as
 * `deno run --allow-all cli/main.ts <command>` (or `deno task wgtune <command>`,
 * `deno task tune [options]`).
 *
 * Exit codes: 0 success, 1 unexpected failure (a bug; `WGTUNE_DEBUG=1` prints the stack),
 * 2 user error (one line on stderr: `wgtune: error: <message>`), 3 `tune` found no correct config
 * for at least one problem (the report is printed), 4 the GPU device was lost and could not be
 * reopened, 130 interrupted by Ctrl-C. The same list is printed by `wgtune tune --help`.
 *
 * @module
 */
import { Command, CommanderError } from "commander";
import {
  DEFAULT_CANDIDATE_TIMEOUT_S,
  DEFAULT_MAX_EVALS,
  DEFAULT_OP,
  DEFAULT_SEED,
  DEFAULT_SHAPES,
  DEFAULT_STRATEGY,
  DEFAULT_TIME_LIMIT_S,
} from "./defaults.ts";
import {
  EXIT_BUG,
  EXIT_DEVICE_LOST,
  EXIT_INTERRUPTED,
  EXIT_NO_CORRECT_CONFIG,
  EXIT_OK,
  EXIT_USAGE,
  reportError,
} from "./errors.ts";
import { writeErr, writeOut } from "./io.ts";
import { TOOL } from "./report.ts";
import { tuneCommand, type TuneCommandOptions } from "./tune_command.ts";
import { devicesCommand } from "./devices_command.ts";
import { runCommand, type RunCommandOptions } from "./run_command.ts";
import { addCacheCommands } from "./cache_command.ts";
import { KERNELS } from "../kernels/registry.ts";
import { STRATEGIES } from "../search/registry.ts";

/** The exit codes of `wgtune tune`, as printed by its `--help`. */
export const EXIT_CODES_HELP = `Exit codes:
  ${EXIT_OK}    every problem has a correct tuned config
  ${EXIT_BUG}    unexpected failure (a bug; WGTUNE_DEBUG=1 prints the stack)
  ${EXIT_USAGE}    bad option, shape, --fix or cache directory; a shape too large for the device;
       no adapter (nothing is tuned: every shape is checked first)
  ${EXIT_NO_CORRECT_CONFIG}    no config ran correctly for at least one problem (the report is printed)
  ${EXIT_DEVICE_LOST}    the GPU device was lost and could not be reopened
  ${EXIT_INTERRUPTED}  interrupted by Ctrl-C`;

/** Builds the command tree; `setExitCode` receives the exit code of the command that ran. */
export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command("wgtune")
    .description("Autotuner for WebGPU compute kernels (matmul, ...), with a per-device cache.")
    .version(TOOL.version, "-V, --version")
    .exitOverride()
    .configureOutput({
      writeOut,
      writeErr,
      // Errors are reported by main() as one `wgtune: error: ...` line.
      outputError: () => {},
    })
    .showSuggestionAfterError(true);

  const ops = Object.keys(KERNELS).join(", ");
  const defaultSets = Object.entries(DEFAULT_SHAPES)
    .map(([op, shapes]) => `  ${op}: ${shapes.join(" ")}`).join("\n");
  program.command("tune")
    .description("tune kernels for one op and a list of shapes; print a result table")
    .option("--op <name>", `kernel family (${ops})`, DEFAULT_OP)
    .option(
      "--shape <shape...>",
      "problem shape(s) in the op's format (matmul: MxNxK or BxMxNxK); see the defaults below",
    )
    .option("--dtype <dtype>", "element type: f32 or f16", "f32")
    .option(
      "--strategy <name>",
      `search strategy (${Object.keys(STRATEGIES).join(", ")})`,
      DEFAULT_STRATEGY,
    )
    .option("--max-evals <n>", `candidates per problem (default: ${DEFAULT_MAX_EVALS})`)
    .option(
      "--time-limit <seconds>",
      `wall-clock limit of the search per problem (default: ${DEFAULT_TIME_LIMIT_S})`,
    )
    .option(
      "--candidate-timeout <seconds>",
      `limit of one candidate: compile, validate, time (default: ${DEFAULT_CANDIDATE_TIMEOUT_S})`,
    )
    .option("--seed <n>", `seed of randomized strategies (default: ${DEFAULT_SEED})`)
    .option(
      "--fix <name=values...>",
      "search only configs whose parameter takes these values, e.g. ioStage=1 or vec=2|4",
    )
    .option("--backend <name>", "WebGPU implementation: auto, deno or dawn", "auto")
    .option(
      "--isolation <mode>",
      "where candidates run: none (in process) or process (a worker killed on timeout)",
      "none",
    )
    .option("--cache-dir <dir>", "cache directory (default: $WGTUNE_CACHE_DIR or ~/.cache/wgtune)")
    .option("--force", "retune even when the cache has a result")
    .option("--json", "print one JSON document on stdout instead of the table")
    .addHelpText(
      "after",
      `\nDefault problems (without --shape):\n${defaultSets}\n\n${EXIT_CODES_HELP}`,
    )
    .action(async (options: TuneCommandOptions) => {
      setExitCode(await tuneCommand(options));
    });

  program.command("run")
    .description(
      "run an ONNX model on WebGPU with the tuned kernels; print its outputs and latency",
    )
    .argument("<model>", "path of the .onnx file")
    .option("--input <name=file.pb...>", "an input from a TensorProto file (test_data_set format)")
    .option("--shape <name=dims...>", "dims of an input without --input, e.g. x=1x3x224x224")
    .option("--output-dir <dir>", "write each output as a TensorProto file named after it")
    .option("--runs <n>", "runs to time; the latency printed is their median (default: 1)")
    .option("--seed <n>", "seed of random inputs (default: 1)")
    .option("--profile", "time every node with GPU timestamps and print the table")
    .option("--fallback <mode>", "cpu (onnxruntime runs what WebGPU cannot) or error", "cpu")
    .option("--backend <name>", "WebGPU implementation: auto, deno or dawn", "auto")
    .option("--cache-dir <dir>", "cache directory (default: $WGTUNE_CACHE_DIR or ~/.cache/wgtune)")
    .option("--json", "print one JSON document on stdout")
    .action(async (model: string, options: RunCommandOptions) => {
      setExitCode(await runCommand(model, options));
    });

  program.command("devices")
    .description("list the WebGPU adapters wgtune can open (Deno's wgpu and Dawn)")
    .option("--json", "print one JSON document")
    .action(async (options: { json?: boolean }) => {
      setExitCode(await devicesCommand(options));
    });

  addCacheCommands(program, setExitCode);
  return program;
}

/**
 * Runs the CLI on `args` and returns the exit code; never throws.
 *
 * @example
 * ```ts
 * import { main } from "./main.ts";
 * const code = await main(["tune", "--help"]);
 * console.log(code); // 0
 * ```
 */
export async function main(args: readonly string[]): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram((code) => exitCode = code);
  try {
    await program.parseAsync([...args], { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with code 0; help shown for a missing subcommand is a usage error.
      if (error.exitCode === 0) return EXIT_OK;
      if (error.code === "commander.help") return EXIT_USAGE;
    }
    return reportError(error, writeErr);
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
