/**
 * Search efficiency by replay: for every recorded full-grid fixture in `bench/fixtures/*.json`,
 * replays grid, random and Bayesian search over many seeds and reports the median number of
 * evaluations each needed to first find a config within 5% of the exhaustive optimum.
 *
 * ```sh
 * deno run -A bench/search_efficiency.ts                 # markdown table of bench/fixtures/*.json
 * deno run -A bench/search_efficiency.ts --json          # the same as JSON (all runs included)
 * deno run -A bench/search_efficiency.ts --synthetic     # add the SYNTHETIC cost-model fixtures
 * deno run -A bench/search_efficiency.ts --seeds 50 --max-evals 100 --within 0.02 --dir other/
 * ```
 *
 * A run that never gets within the target inside `--max-evals` evaluations (default: the size of
 * the space) counts as not reached (∞ in medians, `null` in JSON). Synthetic fixtures come from an
 * analytic cost model (`search/_synthetic_fixture.ts`), are labelled SYNTHETIC, and are never
 * read from or written to `bench/fixtures/`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { median } from "../core/stats.ts";
import { bayesSearch } from "../search/bayes.ts";
import { gridSearch } from "../search/grid.ts";
import { randomSearch } from "../search/random.ts";
import {
  evaluationsToReach,
  fixtureOptimum,
  type GridFixture,
  readFixture,
} from "../search/replay.ts";
import { syntheticMatmulFixture } from "../search/_synthetic_fixture.ts";
import type { SearchStrategy } from "../search/types.ts";

const STRATEGIES: readonly SearchStrategy[] = [gridSearch, randomSearch, bayesSearch];

interface NamedFixture {
  readonly name: string;
  readonly synthetic: boolean;
  readonly fixture: GridFixture;
}

interface StrategyResult {
  readonly median: number;
  readonly reached: number;
  readonly runs: readonly number[];
  /** Wall-clock ms the strategy spent per evaluation (replay lookups are negligible). */
  readonly msPerEvaluation: number;
}

interface FixtureReport {
  readonly name: string;
  readonly synthetic: boolean;
  readonly op: string;
  readonly problemKey: string;
  readonly device: string;
  readonly configs: number;
  readonly failed: number;
  readonly optimumMs: number;
  readonly maxEvals: number;
  readonly strategies: Readonly<Record<string, StrategyResult>>;
  readonly randomOverBayes: number;
}

function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`'--${name}' must be a positive integer: current value is ${text}`);
  }
  return value;
}

async function loadFixtures(dir: string, synthetic: boolean): Promise<NamedFixture[]> {
  const fixtures: NamedFixture[] = [];
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && entry.name.endsWith(".json")) names.push(entry.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  for (const name of names.sort()) {
    fixtures.push({ name, synthetic: false, fixture: await readFixture(`${dir}/${name}`) });
  }
  if (synthetic) {
    for (const [m, n, k] of [[512, 512, 512], [192, 192, 2048]] as const) {
      fixtures.push({
        name: `SYNTHETIC matmul ${m}x${n}x${k}`,
        synthetic: true,
        fixture: syntheticMatmulFixture({ m, n, k }),
      });
    }
  }
  return fixtures;
}

async function measure(
  named: NamedFixture,
  seeds: number,
  maxEvalsOption: number | undefined,
  withinFraction: number,
): Promise<FixtureReport> {
  const { fixture } = named;
  const maxEvals = maxEvalsOption ?? fixture.results.length;
  const strategies: Record<string, StrategyResult> = {};
  for (const strategy of STRATEGIES) {
    const runs: number[] = [];
    const start = performance.now();
    for (let seed = 1; seed <= seeds; seed++) {
      runs.push(await evaluationsToReach(strategy, fixture, { seed, maxEvals, withinFraction }));
    }
    const evaluations = runs.reduce((sum, n) => sum + Math.min(n, maxEvals), 0);
    strategies[strategy.name] = {
      median: median(runs),
      reached: runs.filter(Number.isFinite).length,
      runs,
      msPerEvaluation: (performance.now() - start) / Math.max(evaluations, 1),
    };
    console.error(`${named.name}: ${strategy.name} median ${median(runs)}`);
  }
  return {
    name: named.name,
    synthetic: named.synthetic,
    op: fixture.op,
    problemKey: fixture.problemKey,
    device: fixture.device,
    configs: fixture.results.length,
    failed: fixture.results.filter((r) => r.status !== "ok").length,
    optimumMs: fixtureOptimum(fixture).timeMs,
    maxEvals,
    strategies,
    randomOverBayes: strategies.random!.median / strategies.bayes!.median,
  };
}

function cell(result: StrategyResult, configs: number, seeds: number): string {
  if (!Number.isFinite(result.median)) return `∞ (${result.reached}/${seeds} reached)`;
  const percent = ((100 * result.median) / configs).toFixed(1);
  const reached = result.reached < seeds ? `, ${result.reached}/${seeds} reached` : "";
  return `${result.median} (${percent}%${reached})`;
}

function markdown(
  reports: readonly FixtureReport[],
  seeds: number,
  withinFraction: number,
): string {
  const lines = [
    `Median evaluations to reach within ${
      100 * withinFraction
    }% of the exhaustive optimum (${seeds} seeds; % of the space in parentheses).`,
    "",
    "| fixture | configs (failed) | grid | random | bayes | random / bayes |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of reports) {
    const bayes = r.strategies.bayes!.median;
    const ratio = Number.isFinite(r.randomOverBayes)
      ? r.randomOverBayes.toFixed(2)
      : Number.isFinite(bayes)
      ? `> ${(r.maxEvals / bayes).toFixed(2)}`
      : "—";
    lines.push(
      `| ${r.name} | ${r.configs} (${r.failed}) | ${
        STRATEGIES.map((s) => cell(r.strategies[s.name]!, r.configs, seeds)).join(" | ")
      } | ${ratio} |`,
    );
  }
  const perStep = reports.map((r) => r.strategies.bayes!.msPerEvaluation.toFixed(1)).join(", ");
  lines.push("", `bayes spent ${perStep} ms (wall clock) per evaluation, in table order.`);
  if (reports.some((r) => r.synthetic)) {
    lines.push("", "SYNTHETIC rows come from an analytic cost model, not from measurements.");
  }
  return lines.join("\n");
}

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      seeds: { type: "string", default: "20" },
      "max-evals": { type: "string" },
      within: { type: "string", default: "0.05" },
      dir: { type: "string", default: new URL("./fixtures", import.meta.url).pathname },
      json: { type: "boolean", default: false },
      synthetic: { type: "boolean", default: false },
    },
  });
  const seeds = positiveInteger("seeds", values.seeds);
  const maxEvals = values["max-evals"] === undefined
    ? undefined
    : positiveInteger("max-evals", values["max-evals"]);
  const withinFraction = Number(values.within);
  if (!(withinFraction >= 0)) {
    throw new RangeError(
      `'--within' must be a non-negative number: current value is ${values.within}`,
    );
  }
  const fixtures = await loadFixtures(values.dir, values.synthetic);
  if (fixtures.length === 0) {
    console.error(
      `no fixtures (*.json) in ${values.dir}; record full grids there, or pass --synthetic`,
    );
    return 1;
  }
  const reports: FixtureReport[] = [];
  for (const fixture of fixtures) {
    reports.push(await measure(fixture, seeds, maxEvals, withinFraction));
  }
  if (values.json) {
    const json = JSON.stringify(
      { seeds, withinFraction, fixtures: reports },
      (_, v) => typeof v === "number" && !Number.isFinite(v) ? null : v,
      2,
    );
    console.log(json);
  } else {
    console.log(markdown(reports, seeds, withinFraction));
  }
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    if (!(error instanceof RangeError || error instanceof TypeError)) throw error;
    console.error(`search_efficiency: ${error.message}`);
    Deno.exit(2);
  }
}
