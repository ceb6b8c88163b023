/**
 * Times a few configs of one problem side by side on this device: every config is compiled,
 * checked against the family's reference, then timed with `measureProgram` in interleaved rounds
 * (each round times every config once, starting from a different one), so that the ratios are
 * measured seconds apart and the slow and fast periods of a shared machine cancel out.
 *
 * Usage: deno run -A bench/compare_configs.ts --op conv2d
 *          --shape N1,C64,H56,W56,K64,R3,S3,stride1,pad1,dw
 *          --config default --config algorithm=depthwise,tileM=512,tileN=8,tileK=1,threadM=256,threadN=1,vec=4
 *          [--rounds 9] [--budget-ms 80] [--dtype f32]
 *
 * `--config default` is the family's default config; any other `--config` is a full config as
 * `name=value` pairs separated by commas. The first config is the baseline of the ratios.
 *
 * @module
 */
import { Command } from "commander";
import { openDevice } from "../gpu/device.ts";
import { bindProgram, compileProgram, dispatchAndRead } from "../gpu/program.ts";
import { getKernel } from "../kernels/registry.ts";
import type { Config, ParamValue } from "../core/types.ts";
import { configKey } from "../core/space.ts";
import { measureProgram } from "../tuner/measure.ts";
import { compareToReference } from "../core/compare.ts";
import { median } from "../core/stats.ts";
import { loadAverage } from "./_bench.ts";

const opts = new Command()
  .requiredOption("--op <op>", "kernel family")
  .requiredOption("--shape <shape>", "problem shape, as the CLI takes it")
  .option("--dtype <dtype>", "element type", "f32")
  .option(
    "--config <config>",
    "default, or name=value,... (repeatable; the first is the baseline)",
    (value: string, previous: string[]) => [...previous, value],
    [] as string[],
  )
  .option("--rounds <n>", "interleaved rounds", "9")
  .option("--budget-ms <ms>", "GPU time per measurement", "80")
  .parse(["deno", "compare_configs", ...Deno.args])
  .opts<
    { op: string; shape: string; dtype: string; config: string[]; rounds: string; budgetMs: string }
  >();

/** Runs `f`; a user mistake it throws for (bad op, shape or config) ends the run in one line. */
function orExit<T>(f: () => T): T {
  try {
    return f();
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    Deno.exit(2);
  }
}

const gpu = await openDevice();
const family = orExit(() => getKernel(opts.op));
const problem = orExit(() => family.normalizeProblem(family.parseShape(opts.shape, opts.dtype)));

/** A `--config` value as a config: `default`, or comma-separated `name=value` pairs. */
function readConfig(text: string): Config {
  if (text === "default") return family.defaultConfig(problem, gpu.caps);
  const config: Record<string, ParamValue> = {};
  for (const pair of text.split(",")) {
    const [name, value] = pair.split("=");
    if (!name || value === undefined) throw new RangeError(`bad --config pair "${pair}"`);
    config[name] = /^-?\d+$/.test(value) ? Number(value) : value;
  }
  return config;
}

const configs = orExit(() => (opts.config.length ? opts.config : ["default"]).map(readConfig));
const programs = configs.map((config) => orExit(() => family.generate(problem, config, gpu.caps)));
const inputs = family.makeInputs(problem, 1);
const expected = family.reference(problem, inputs);
const tolerance = family.tolerance(problem);
const bound = [];
for (const [c, config] of configs.entries()) {
  const b = bindProgram(gpu, await compileProgram(gpu, programs[c]!), inputs);
  const check = compareToReference(await dispatchAndRead(gpu, b), expected, tolerance);
  if (!check.ok) throw new Error(`${configKey(config)} is wrong: ${JSON.stringify(check)}`);
  bound.push(b);
}
const rounds = Number(opts.rounds);
const times: number[][] = [];
for (let r = 0; r < rounds; r++) {
  const row = new Array<number>(configs.length).fill(NaN);
  for (let i = 0; i < configs.length; i++) {
    const c = (r + i) % configs.length;
    row[c] = (await measureProgram(gpu, bound[c]!, { budgetMs: Number(opts.budgetMs) })).medianMs;
  }
  times.push(row);
}
const flops = family.flops(problem);
console.log(
  `${opts.op} ${family.problemKey(problem)} on ${gpu.info.description} (${gpu.backend}), ` +
    `${rounds} interleaved rounds of measureProgram (${opts.budgetMs} ms each), load average ` +
    `${loadAverage()}; outputs checked against the reference`,
);
console.log(
  "| config | GFLOPS median (min–max) | time / baseline's time, median over rounds |",
);
console.log("| ---- | ---: | ---: |");
for (const [c, config] of configs.entries()) {
  const gflops = times.map((row) => flops / row[c]! / 1e6);
  const ratios = times.map((row) => row[c]! / row[0]!);
  console.log(
    `| ${configKey(config)} | ${median(gflops).toFixed(2)} (${Math.min(...gflops).toFixed(2)}–${
      Math.max(...gflops).toFixed(2)
    }) | ${median(ratios).toFixed(3)} |`,
  );
}
