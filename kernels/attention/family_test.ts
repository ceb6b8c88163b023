import assert from "node:assert/strict";
import { compileProgram, runProgram } from "../../gpu/program.ts";
import { configKey, enumerateValid } from "../../core/space.ts";
import { seededRandom, shuffle } from "../../core/random.ts";
import { GPU_AVAILABLE, testGpu } from "../../tests/gpu_fixture.ts";
import { compareToReference } from "../../core/compare.ts";
import type { Config, HostTensor } from "../types.ts";
import { attentionFamily } from "./family.ts";
import type { AttentionProblem } from "./problem.ts";

const family = attentionFamily;

/** Runs `configs` (the default first) on `problem` and compares each with the reference. */
async function check(
  problem: AttentionProblem,
  configs: Config[] = [],
  inputs: HostTensor[] = family.makeInputs(problem, 11),
): Promise<Float32Array> {
  const gpu = await testGpu();
  const space = family.space(problem, gpu.caps);
  const expected = family.reference(problem, inputs);
  let last: Float32Array = new Float32Array();
  for (const config of [family.defaultConfig(problem, gpu.caps), ...configs]) {
    const label = `${family.problemKey(problem)} ${configKey(config)}`;
    assert.ok(space.isValid(config), `${label} is in the space`);
    const out = await runProgram(gpu, family.generate(problem, config, gpu.caps), inputs);
    assert.ok(out.every((x) => Number.isFinite(x)), `${label}: output is finite`);
    const result = compareToReference(out, expected, family.tolerance(problem));
    assert.ok(
      result.ok,
      `${label}: ${result.badCount} bad, first at ${result.firstBadIndex} ` +
        `(${out[result.firstBadIndex]} vs ${
          expected[result.firstBadIndex]
        }), max error ${result.maxAbsError}`,
    );
    last = out as Float32Array;
  }
  return last;
}

function config(
  rowThreads: number,
  rowsPerThread: number,
  threadsPerRow: number,
  keyBlock: number,
  vec: number,
  kvTile: number,
  ioStage = 0,
): Config {
  return { rowThreads, rowsPerThread, threadsPerRow, keyBlock, vec, kvTile, ioStage };
}

/**
 * Structurally different configs: rows per thread, staged tiles, key splits, vector widths,
 * query/output rows through a private array (`ioStage` 1).
 */
const VARIANTS = [
  config(4, 2, 1, 1, 2, 0, 1),
  config(2, 4, 1, 2, 2, 16, 1),
  config(4, 1, 4, 2, 4, 16),
  config(1, 2, 8, 1, 2, 0),
];
/** The same for problems with at most 4 query rows. */
const SMALL = [
  config(2, 2, 1, 1, 2, 0),
  config(1, 4, 2, 2, 2, 16, 1),
  config(1, 1, 8, 1, 4, 0),
  config(2, 2, 1, 1, 1, 0, 1),
];
/** One variant per check besides the default, rotating so that each meets several features. */
const variant = (i: number): Config[] => [VARIANTS[i % 4]!];

Deno.test("attentionFamily is wired to the attention generator and reference", () => {
  assert.equal(family.name, "attention");
  assert.ok(family.version >= 1);
  const problem = family.parseShape("B1,H2,S4,D8");
  assert.equal(family.makeInputs(problem, 1).length, 3);
  assert.equal(family.flops(problem), 4 * 2 * 4 * 4 * 8);
});

Deno.test({
  name: "attention kernels compile and match the reference, for a seeded sample of the space",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const problem = family.parseShape("B2,H4,KV2,Sq9,Skv13,D8,causal,mask2x1x9x13");
    // Keep JIT time small (lavapipe): at most 4 scores per thread and block, vector loads.
    const all = [...enumerateValid(family.space(problem, gpu.caps))].filter((c) =>
      (c.rowsPerThread as number) * (c.keyBlock as number) <= 4 && (c.vec as number) > 1
    );
    const sample = shuffle(all, seededRandom(5)).slice(0, 5);
    for (const c of sample) await compileProgram(gpu, family.generate(problem, c, gpu.caps));
    await check(problem, sample);
  },
});

Deno.test({
  name: "attention kernels handle sequence lengths that are not multiples of the tiles",
  ignore: !GPU_AVAILABLE,
  async fn() {
    await check(family.parseShape("B1,H2,Sq7,Skv13,D8"), VARIANTS.slice(1));
    await check(family.parseShape("B2,H1,Sq1,Skv33,D12"), [
      config(1, 1, 8, 2, 4, 16),
      config(1, 1, 2, 1, 1, 0),
    ]);
    await check(family.parseShape("B1,H1,Sq5,Skv1,D3"), [config(1, 4, 1, 1, 1, 16)]);
  },
});

Deno.test({
  name: "attention kernels apply the causal mask upper-left, when seqQ < seqKV and seqQ > seqKV",
  ignore: !GPU_AVAILABLE,
  async fn() {
    await check(family.parseShape("B1,H2,Sq5,Skv11,D8,causal"), variant(0));
    await check(family.parseShape("B1,H2,Sq11,Skv5,D8,causal"), variant(2));
    // Shifted diagonals: lower-right alignment and one that empties the first rows.
    await check(family.parseShape("B1,H1,Sq4,Skv9,D8,causal+5"), SMALL.slice(0, 2));
    const out = await check(family.parseShape("B1,H1,Sq6,Skv6,D8,causal-2"), variant(1));
    assert.deepEqual([...out.slice(0, 16)], new Array(16).fill(0), "rows 0 and 1 see no key");
  },
});

Deno.test({
  name: "attention kernels read the right kv head, for grouped-query attention",
  ignore: !GPU_AVAILABLE,
  async fn() {
    await check(family.parseShape("B2,H4,KV2,Sq6,Skv10,D8"), variant(3));
    await check(family.parseShape("B1,H4,KV1,Sq6,Skv10,D8,causal"), variant(1));
  },
});

Deno.test({
  name: "attention kernels use a custom scale and a V head size different from Q's",
  ignore: !GPU_AVAILABLE,
  async fn() {
    await check(family.parseShape("B1,H2,S9,D8,scale0.37"), variant(0));
    await check(family.parseShape("B1,H3,Sq5,Skv7,D8,Dv4,scale-1.5"), variant(2));
  },
});

Deno.test({
  name: "attention kernels add 2-d and broadcast 4-d masks, with -inf entries",
  ignore: !GPU_AVAILABLE,
  async fn() {
    await check(family.parseShape("B2,H2,Sq6,Skv9,D8,mask2d"), variant(1));
    await check(family.parseShape("B2,H2,Sq6,Skv9,D8,mask4d,causal"), variant(3));
    await check(family.parseShape("B2,H2,Sq6,Skv9,D8,mask2x1x6x9"), [VARIANTS[0]!]);
    await check(family.parseShape("B2,H2,Sq6,Skv9,D8,mask1x2x1x9"), [VARIANTS[2]!]);
  },
});

Deno.test({
  name: "attention kernels output 0 without NaN, when a query row is fully masked",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const problem = family.parseShape("B1,H1,Sq3,Skv5,D4,mask2d");
    const inputs = family.makeInputs(problem, 3);
    const mask = new Float32Array(15).fill(0);
    mask.fill(-Infinity, 5, 10); // row 1
    const out = await check(problem, SMALL, [...inputs.slice(0, 3), {
      name: "mask",
      data: mask,
    }]);
    assert.deepEqual([...out.slice(4, 8)], [0, 0, 0, 0]);
  },
});

Deno.test({
  name: "attention kernels stay finite and accurate, when inputs are about ±1e4",
  ignore: !GPU_AVAILABLE,
  async fn() {
    for (const shape of ["B1,H2,Sq7,Skv13,D16", "B1,H2,Sq7,Skv13,D16,causal,mask2d"]) {
      const problem = family.parseShape(shape);
      const inputs = family.makeInputs(problem, 4).map((t) =>
        t.name === "mask" ? t : { name: t.name, data: (t.data as Float32Array).map((x) => x * 1e4) }
      );
      await check(problem, variant(shape.includes("causal") ? 3 : 1), inputs);
    }
  },
});

Deno.test({
  name: "attention kernels store f16 and accumulate in f32, when the device has shader-f16",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    if (!gpu.caps.shaderF16) return;
    await check(family.parseShape("B1,H4,KV2,Sq7,Skv13,D8,causal", "f16"), variant(1));
    await check(family.parseShape("B1,H2,Sq5,Skv40,D8,mask2d", "f16"), variant(3));
  },
});

Deno.test({
  name: "attention kernels apply softcap before the mask, also for scores of about ±1e8",
  ignore: !GPU_AVAILABLE,
  async fn() {
    for (
      const shape of [
        "B1,H2,Sq7,Skv13,D16,softcap2",
        "B1,H2,KV1,Sq5,Skv9,D8,causal,softcap0.5,mask2d",
      ]
    ) {
      const problem = family.parseShape(shape);
      const inputs = family.makeInputs(problem, 5).map((t) =>
        t.name === "mask" ? t : { name: t.name, data: (t.data as Float32Array).map((x) => x * 1e4) }
      );
      await check(problem, variant(shape.includes("causal") ? 2 : 0), inputs);
    }
  },
});
