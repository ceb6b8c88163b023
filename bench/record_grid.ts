/**
 * Records the full grid of a kernel family's space for one problem on this device into a replay
 * fixture (bench/fixtures/*.json), for the search-efficiency benchmark and the strategy tests.
 *
 * Usage: deno run -A bench/record_grid.ts --op matmul --shape 256x256x256 [--measure-ms 20]
 *        [--candidate-timeout-s 60] [--remeasure-top 0 [--remeasure-rounds 3]]
 *        [--fix name=value[|value...]]... [--out file.json]
 *
 * Candidates run in a worker subprocess (`isolation: "process"`), killed and recorded as
 * `timeout` past the candidate timeout. `--remeasure-top n` times the n fastest configs again in
 * `--remeasure-rounds` rounds and records the median of all their timings, so that one lucky
 * measurement cannot pose as the optimum.
 *
 * `--fix` records a subspace: the family's space with some parameters limited to the given values
 * (for example `--fix algorithm=gemm --fix vec=4`). Spaces of several thousand configs take hours
 * to record on a software adapter; a subspace is still a real tuning space, and the fixture stores
 * exactly its parameters and configs, so the replay searches the same subspace.
 *
 * @module
 */
import { Command } from "commander";
import { openDevice } from "../gpu/device.ts";
import { getKernel } from "../kernels/registry.ts";
import type { Config, ParamValue } from "../core/types.ts";
import { gridSearch } from "../search/grid.ts";
import { configKey, enumerateValid, parseFixSpec, restrictSpace } from "../core/space.ts";
import type { SearchStrategy } from "../search/types.ts";
import { tune } from "../tuner/tune.ts";
import { median } from "../core/stats.ts";

const program = new Command()
  .requiredOption("--op <op>", "kernel family")
  .requiredOption("--shape <shape>", "problem shape, as the CLI takes it")
  .option("--dtype <dtype>", "element type", "f32")
  .option("--measure-ms <ms>", "GPU time per measurement", "20")
  .option("--out <file>", "fixture file")
  .option(
    "--candidate-timeout-s <s>",
    "limit per candidate; slower ones are recorded as timeouts",
    "60",
  )
  .option("--remeasure-top <n>", "after the grid, time again the n fastest configs", "0")
  .option("--remeasure-rounds <r>", "rounds of those repeated timings", "3")
  .option(
    "--fix <name=values>",
    "limit a parameter to values (|-separated); repeatable",
    (value: string, previous: string[]) => [...previous, value],
    [] as string[],
  )
  .parse(["deno", "record_grid", ...Deno.args]);
const opts = program.opts<
  {
    op: string;
    shape: string;
    dtype: string;
    measureMs: string;
    out?: string;
    fix: string[];
    candidateTimeoutS: string;
    remeasureTop: string;
    remeasureRounds: string;
  }
>();

const gpu = await openDevice();
const family = getKernel(opts.op);
const problem = family.normalizeProblem(family.parseShape(opts.shape, opts.dtype));
const fullSpace = family.space(problem, gpu.caps);
let fixed: Map<string, ParamValue[]>;
try {
  fixed = new Map(opts.fix.map((text) => parseFixSpec(text, fullSpace.params)));
} catch (error) {
  console.error(`record_grid: ${(error as Error).message}`);
  Deno.exit(2);
}
const space = restrictSpace(fullSpace, Object.fromEntries(fixed));
const legal = [...enumerateValid(space)];
const size = legal.length;
const inSpace = new Set(legal.map(configKey));
console.error(
  `recording ${size} configs of ${opts.op} ${family.problemKey(problem)}${
    opts.fix.length ? ` (subspace ${opts.fix.join(" ")})` : ""
  } on ${gpu.info.description}`,
);
// Grid over the subspace; the tuner checks proposals against the family's full space.
const strategy: SearchStrategy = {
  name: "grid",
  search: (_space, evaluate, options) => gridSearch.search(space, evaluate, options),
};
// Candidates run in a worker subprocess that is killed on timeout: a compile that takes minutes
// on a software adapter cannot stall the rest of the grid.
const tuneOptions = {
  measureMs: Number(opts.measureMs),
  cacheDir: null,
  isolation: "process",
  candidateTimeoutMs: Number(opts.candidateTimeoutS) * 1000,
  // The fixture keeps one time per config; `--remeasure-top` does the re-timing, once.
  confirmTop: 0,
} as const;
const started = performance.now();
const result = await tune(gpu, { op: opts.op, problem }, {
  ...tuneOptions,
  strategy,
  maxEvals: size,
  onEvent: (e) => {
    if (e.type === "trial" && e.index % 25 === 0) console.error(`  ${e.index}/${size}`);
  },
});
// One grid timing per config lets a lucky measurement pose as the optimum. The fastest configs are
// timed again in rounds (all of them once per round, so load changes hit them alike) and keep the
// median of all their timings.
const samples = new Map<string, number[]>();
for (const trial of result.trials) {
  if (trial.status === "ok" && trial.timeMs !== null) {
    samples.set(configKey(trial.config), [trial.timeMs]);
  }
}
const top = result.trials
  .filter((t) => t.status === "ok" && inSpace.has(configKey(t.config)))
  .sort((a, b) => a.timeMs! - b.timeMs!)
  .slice(0, Number(opts.remeasureTop))
  .map((t) => t.config);
const rounds = top.length > 0 ? Number(opts.remeasureRounds) : 0;
for (let round = 1; round <= rounds; round++) {
  console.error(`  re-timing the ${top.length} fastest configs, round ${round}/${rounds}`);
  const again = await tune(gpu, { op: opts.op, problem }, {
    ...tuneOptions,
    strategy: {
      name: "list",
      search: async (_space, evaluate) => {
        for (const config of top) await evaluate(config);
      },
    },
    maxEvals: top.length,
  });
  for (const trial of again.trials) {
    const list = samples.get(configKey(trial.config));
    if (list && trial.status === "ok" && trial.timeMs !== null) list.push(trial.timeMs);
  }
}
const timeOf = (config: Config, timeMs: number | null): number | null => {
  const list = samples.get(configKey(config));
  return list && list.length > 1 ? median(list) : timeMs;
};

const fixture = {
  format: "wgtune-grid-fixture",
  version: 1,
  op: opts.op,
  problemKey: result.problemKey,
  device: `${gpu.backend} ${gpu.info.description}`,
  recorded: new Date().toISOString().slice(0, 10),
  command:
    `deno run -A bench/record_grid.ts --op ${opts.op} --shape ${opts.shape} --dtype ${opts.dtype} --measure-ms ${opts.measureMs} --candidate-timeout-s ${opts.candidateTimeoutS} --remeasure-top ${opts.remeasureTop} --remeasure-rounds ${opts.remeasureRounds}${
      opts.fix.map((f) => ` --fix '${f}'`).join("")
    }`,
  space: { params: space.params },
  // The tuner also measures the family's default config, which may lie outside a subspace.
  results: result.trials
    .filter((t) => inSpace.has(configKey(t.config)))
    .map((t) => ({ config: t.config, status: t.status, timeMs: timeOf(t.config, t.timeMs) })),
  remeasured: { top: top.length, rounds },
};
const out = opts.out ?? `bench/fixtures/${opts.op}_${result.problemKey}.json`;
await Deno.writeTextFile(out, JSON.stringify(fixture, null, 1) + "\n");
console.error(
  `wrote ${out}: ${fixture.results.length} results in ${
    ((performance.now() - started) / 1000).toFixed(0)
  } s, ` +
    `best ${result.best.timeMs.toFixed(3)} ms (${result.best.gflops.toFixed(1)} GFLOPS)`,
);
gpu.close();
