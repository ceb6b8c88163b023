/**
 * Golden test of every kernel family: a hash of what the family produces for a fixed set of
 * problems (the generated WGSL of the default and of sampled configs, the space's parameter list,
 * the valid configs' count and list, the default config) is recorded with the family's `version`
 * in `kernels/testdata/golden.json`. Cache entries are keyed by the version, so a change of any of
 * these without a version bump would leave stale entries (old defaults, old timings) in use.
 *
 * When this test fails after an intended change: bump the family's `version`, then record the
 * new hash with
 *
 *     WGTUNE_UPDATE_GOLDEN=1 deno test -A kernels/golden_test.ts
 *
 * The update refuses to record a changed hash under an unchanged version.
 */
import assert from "node:assert/strict";
import { configKey, enumerateValid } from "../core/space.ts";
import { attentionFamily } from "./attention/family.ts";
import { conv2dFamily } from "./conv2d/family.ts";
import { matmulFamily } from "./matmul/family.ts";
import { type AnyKernelFamily, type Config, DEFAULT_CAPS, type DeviceCaps } from "./types.ts";

const GOLDEN_URL = new URL("./testdata/golden.json", import.meta.url);
const UPDATE = Deno.env.get("WGTUNE_UPDATE_GOLDEN") === "1";
const F16_CAPS: DeviceCaps = { ...DEFAULT_CAPS, shaderF16: true };
const PAD1 = { padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 };

/** The fixed problems of each family (raw problem objects, normalized by the family). */
const PROBLEMS: ReadonlyArray<readonly [AnyKernelFamily, readonly unknown[]]> = [
  [matmulFamily, [
    { m: 512, n: 512, k: 512 },
    { m: 7, n: 13, k: 5 },
    { m: 129, n: 65, k: 257, batch: 3 },
    { m: 64, n: 64, k: 64, bias: true, activation: "relu" },
    { m: 128, n: 128, k: 128, dtype: "f16" },
    { m: 1, n: 2, k: 400_000 },
  ]],
  [conv2dFamily, [
    {
      batch: 1,
      inChannels: 64,
      height: 56,
      width: 56,
      outChannels: 64,
      kernelH: 3,
      kernelW: 3,
      ...PAD1,
    },
    { batch: 1, inChannels: 256, height: 14, width: 14, outChannels: 64, kernelH: 1, kernelW: 1 },
    {
      batch: 1,
      inChannels: 3,
      height: 32,
      width: 32,
      outChannels: 16,
      kernelH: 7,
      kernelW: 7,
      strideH: 2,
      strideW: 2,
      padTop: 3,
      padLeft: 3,
      padBottom: 3,
      padRight: 3,
    },
    {
      batch: 1,
      inChannels: 32,
      height: 28,
      width: 28,
      outChannels: 32,
      kernelH: 3,
      kernelW: 3,
      groups: 32,
      ...PAD1,
    },
    {
      batch: 2,
      inChannels: 16,
      height: 10,
      width: 10,
      outChannels: 16,
      kernelH: 3,
      kernelW: 3,
      groups: 16,
      layout: "NHWC",
      ...PAD1,
    },
    {
      batch: 1,
      inChannels: 16,
      height: 8,
      width: 8,
      outChannels: 8,
      kernelH: 3,
      kernelW: 3,
      bias: true,
      activation: "relu",
      dtype: "f16",
    },
    { batch: 1, inChannels: 80_000, height: 1, width: 1, outChannels: 1, kernelH: 1, kernelW: 1 },
  ]],
  [attentionFamily, [
    { batch: 1, heads: 8, seqQ: 512, seqKV: 512, headDim: 64 },
    { batch: 1, heads: 4, seqQ: 1, seqKV: 300, headDim: 32 },
    { batch: 2, heads: 4, kvHeads: 2, seqQ: 37, seqKV: 45, headDim: 16, causal: true },
    { batch: 1, heads: 2, seqQ: 16, seqKV: 24, headDim: 8, headDimV: 4, dtype: "f16" },
    { batch: 1, heads: 1, seqQ: 4, seqKV: 70_000, headDim: 4 },
  ]],
];

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Up to `count` configs spread evenly over the list, first and last included. */
function spread(configs: readonly Config[], count: number): Config[] {
  if (configs.length <= count) return [...configs];
  const step = (configs.length - 1) / (count - 1);
  return Array.from({ length: count }, (_, i) => configs[Math.round(i * step)]!);
}

/** Everything the hash covers for one problem, as text. */
async function describe(family: AnyKernelFamily, raw: unknown): Promise<string> {
  const problem = family.normalizeProblem(raw);
  const caps = JSON.stringify(raw).includes('"f16"') ? F16_CAPS : DEFAULT_CAPS;
  const space = family.space(problem, caps);
  const valid = [...enumerateValid(space)];
  const defaultConfig = family.defaultConfig(problem, caps);
  const codes = [];
  for (const config of [defaultConfig, ...spread(valid, 8)]) {
    const program = family.generate(problem, config, caps);
    codes.push(
      configKey(config),
      await sha256(program.code),
      JSON.stringify([program.workgroupSize, program.dispatch, program.bindings]),
      program.shaderKey,
    );
  }
  return JSON.stringify({
    problem: family.problemKey(problem),
    params: space.params,
    validCount: valid.length,
    valid: await sha256(valid.map(configKey).join("\n")),
    defaultConfig: configKey(defaultConfig),
    codes,
  });
}

type Golden = Record<string, { version: number; hash: string }>;

async function readGolden(): Promise<Golden> {
  try {
    return JSON.parse(await Deno.readTextFile(GOLDEN_URL));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return {};
    throw error;
  }
}

const HOW = "bump the family's version, then run " +
  "`WGTUNE_UPDATE_GOLDEN=1 deno test -A kernels/golden_test.ts` to record the new hash";

for (const [family, problems] of PROBLEMS) {
  Deno.test(`${family.name} family: generated code, space and default match the golden hash of its version`, async () => {
    const parts = [];
    for (const raw of problems) parts.push(await describe(family, raw));
    const hash = await sha256(parts.join("\n"));
    const golden = await readGolden();
    const recorded = golden[family.name];
    if (recorded && recorded.hash !== hash && recorded.version === family.version) {
      assert.fail(
        `${family.name}: the generated code, space or default config changed while version ` +
          `stayed ${family.version}: ${HOW}`,
      );
    }
    if (UPDATE) {
      golden[family.name] = { version: family.version, hash };
      const sorted = Object.fromEntries(Object.entries(golden).sort(([a], [b]) => a < b ? -1 : 1));
      await Deno.writeTextFile(GOLDEN_URL, JSON.stringify(sorted, null, 2) + "\n");
      return;
    }
    assert.ok(recorded, `${family.name}: no golden hash recorded: ${HOW}`);
    assert.deepEqual(
      { version: family.version, hash },
      recorded,
      `${family.name}: golden file out of date (version ${recorded.version} recorded, ` +
        `${family.version} now): ${HOW}`,
    );
  });
}
