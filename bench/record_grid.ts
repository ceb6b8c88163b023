/**
 * Records the full grid of a kernel family's space for one problem on this device into a replay
 * fixture (bench/fixtures/*.json), for the search-efficiency benchmark and the strategy tests.
 *
 * Usage: deno run -A bench/record_grid.ts --op matmul --shape 256x256x256 [--measure-ms 20]
 *        [--out bench/fixtures/matmul_256.json]
 *
 * @module
 */
import { Command } from "commander";
import { openDevice } from "../gpu/device.ts";
import { getKernel } from "../kernels/registry.ts";
import { enumerateValid } from "../search/space.ts";
import { tune } from "../tuner/tune.ts";

const program = new Command()
  .requiredOption("--op <op>", "kernel family")
  .requiredOption("--shape <shape>", "problem shape, as the CLI takes it")
  .option("--dtype <dtype>", "element type", "f32")
  .option("--measure-ms <ms>", "GPU time per measurement", "20")
  .option("--out <file>", "fixture file")
  .parse(["deno", "record_grid", ...Deno.args]);
const opts = program.opts<
  { op: string; shape: string; dtype: string; measureMs: string; out?: string }
>();

const gpu = await openDevice();
const family = getKernel(opts.op);
const problem = family.normalizeProblem(family.parseShape(opts.shape, opts.dtype));
const space = family.space(problem, gpu.caps);
const size = [...enumerateValid(space)].length;
console.error(
  `recording ${size} configs of ${opts.op} ${
    family.problemKey(problem)
  } on ${gpu.info.description}`,
);
const started = performance.now();
const result = await tune(gpu, { op: opts.op, problem }, {
  strategy: "grid",
  maxEvals: size,
  measureMs: Number(opts.measureMs),
  cacheDir: null,
  candidateTimeoutMs: 60_000,
  onEvent: (e) => {
    if (e.type === "trial" && e.index % 25 === 0) console.error(`  ${e.index}/${size}`);
  },
});
const fixture = {
  format: "wgtune-grid-fixture",
  version: 1,
  op: opts.op,
  problemKey: result.problemKey,
  device: `${gpu.backend} ${gpu.info.description}`,
  recorded: new Date().toISOString().slice(0, 10),
  command:
    `deno run -A bench/record_grid.ts --op ${opts.op} --shape ${opts.shape} --dtype ${opts.dtype} --measure-ms ${opts.measureMs}`,
  space: { params: space.params },
  results: result.trials.map((t) => ({ config: t.config, status: t.status, timeMs: t.timeMs })),
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
