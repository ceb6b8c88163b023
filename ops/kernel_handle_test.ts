import assert from "node:assert/strict";
import { TuneCache } from "../cache/mod.ts";
import { cacheFilePath } from "../cache/cache_file.ts";
import { matmulFamily } from "../kernels/matmul/family.ts";
import { type Config, DEFAULT_CAPS } from "../core/types.ts";
import { GPU_AVAILABLE, testGpu } from "../tests/gpu_fixture.ts";
import type { TrialRecord } from "../core/trial.ts";
import { bestLegalConfig, loadKernel } from "./kernel_handle.ts";
import { configKey, enumerateValid } from "../core/space.ts";
import { matmul } from "./matmul.ts";

const problem = matmulFamily.normalizeProblem({ m: 8, n: 8, k: 8 });
const LEGAL: Config = {
  variant: "register",
  tileM: 8,
  tileN: 8,
  tileK: 8,
  threadM: 2,
  threadN: 8,
  vec: 4,
  unroll: 8,
};
/** Values the space does not list, and a tile larger than the device allows. */
const ILLEGAL: readonly Config[] = [
  { ...LEGAL, tileM: 7 },
  { ...LEGAL, variant: "nonsense" },
  { tile: 16 },
  { ...LEGAL, extra: 1 },
  { ...LEGAL, tileM: 128, tileN: 256, threadM: 1, threadN: 1 },
];

function ok(config: Config, timeMs: number): TrialRecord {
  return { config, status: "ok", timeMs };
}

Deno.test("bestLegalConfig() skips configs the space rejects, when one is stored as the best", () => {
  for (const illegal of ILLEGAL) {
    const entry = {
      trials: [ok(illegal, 0.5), ok(LEGAL, 1)],
      best: { config: illegal, timeMs: 0.5 },
    };
    assert.deepEqual(bestLegalConfig(matmulFamily, problem, DEFAULT_CAPS, entry), LEGAL);
  }
  // Nothing legal: no tuned config (the caller uses the default).
  const none = { trials: ILLEGAL.map((c) => ok(c, 1)), best: { config: ILLEGAL[0]!, timeMs: 1 } };
  assert.equal(bestLegalConfig(matmulFamily, problem, DEFAULT_CAPS, none), undefined);
  // The stored best is used when it is legal, and the default config always is.
  const fallback = matmulFamily.defaultConfig(problem, DEFAULT_CAPS);
  assert.deepEqual(
    bestLegalConfig(matmulFamily, problem, DEFAULT_CAPS, {
      trials: [ok(fallback, 2), ok(LEGAL, 3)],
      best: { config: fallback, timeMs: 2 },
    }),
    fallback,
  );
});

Deno.test({
  name: "matmul() runs the next legal tuned config, when the cache's best is illegal",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const dir = await Deno.makeTempDir();
    try {
      const cache = await TuneCache.open(dir, gpu.fingerprint);
      const key = {
        kernel: matmulFamily.name,
        kernelVersion: matmulFamily.version,
        problemKey: matmulFamily.problemKey(problem),
        problem: null,
      };
      await cache.recordTrials(key, {
        trials: [ok(ILLEGAL[0]!, 0.001), ok(ILLEGAL[4]!, 0.002), ok(LEGAL, 1)],
        complete: true,
      });
      const kernel = await loadKernel(gpu, "matmul", { m: 8, n: 8, k: 8 }, { cacheDir: dir });
      assert.equal(kernel.source, "tuned");
      assert.deepEqual(kernel.config, LEGAL);
      const a = new Float32Array(64).fill(1);
      const c = await matmul(gpu, a, a, { m: 8, n: 8, k: 8 }, { cacheDir: dir });
      assert.deepEqual([...c], new Array(64).fill(8));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "loadKernel() warns once per file, when it sets a corrupt cache file aside",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const dir = await Deno.makeTempDir();
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args.join(" "));
    try {
      const file = cacheFilePath(dir, gpu.fingerprint);
      for (let i = 0; i < 3; i++) {
        await Deno.writeTextFile(file, "{ not json");
        const kernel = await loadKernel(gpu, "matmul", { m: 8, n: 8, k: 8 }, { cacheDir: dir });
        assert.equal(kernel.source, "default");
      }
      assert.equal(warnings.length, 1, warnings.join("\n"));
      assert.match(warnings[0]!, /^wgtune: warning: cache file '.*' is corrupt .*moved it to/);
      assert.ok(warnings[0]!.includes(file));
      assert.ok(!warnings[0]!.includes("\n"));
    } finally {
      console.warn = warn;
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "loadKernel() with nearest takes the best config of the nearest tuned problem, when legal",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const dir = await Deno.makeTempDir();
    try {
      const cache = await TuneCache.open(dir, gpu.fingerprint);
      const record = async (m: number, config: Config) => {
        const p = matmulFamily.normalizeProblem({ m, n: 8, k: 8 });
        await cache.recordTrials({
          kernel: matmulFamily.name,
          kernelVersion: matmulFamily.version,
          problemKey: matmulFamily.problemKey(p),
          problem: p,
        }, { trials: [ok(config, 1)], complete: true });
      };
      // 64x8x8 is nearer to 32x8x8 than 512x8x8 is; both configs are legal for 32x8x8.
      const target = matmulFamily.normalizeProblem({ m: 32, n: 8, k: 8 });
      const fallback = configKey(matmulFamily.defaultConfig(target, gpu.caps));
      const legal = [...enumerateValid(matmulFamily.space(target, gpu.caps))]
        .filter((c) => configKey(c) !== fallback);
      const [nearConfig, far] = [legal[0]!, legal[legal.length - 1]!];
      await record(64, nearConfig);
      await record(512, far);
      const near = await loadKernel(gpu, "matmul", { m: 32, n: 8, k: 8 }, {
        cacheDir: dir,
        nearest: true,
      });
      assert.equal(near.source, "nearest");
      assert.deepEqual(near.config, nearConfig);
      const plain = await loadKernel(gpu, "matmul", { m: 32, n: 8, k: 8 }, { cacheDir: dir });
      assert.equal(plain.source, "default");
      await record(32, legal[1]!);
      const exact = await loadKernel(gpu, "matmul", { m: 32, n: 8, k: 8 }, {
        cacheDir: dir,
        nearest: true,
      });
      assert.equal(exact.source, "tuned");
      assert.deepEqual(exact.config, legal[1]);
      // A nearest config that is illegal for the problem is skipped: 8x8x8's space has no tileM 64.
      await record(128, { ...LEGAL, tileM: 64, threadM: 8 });
      const small = await loadKernel(gpu, "matmul", { m: 8, n: 8, k: 8 }, {
        cacheDir: dir,
        nearest: true,
      });
      assert.ok(small.source === "nearest" || small.source === "default");
      assert.notEqual(small.config.tileM, 64);
      const a = new Float32Array(32 * 8).fill(1);
      const c = await matmul(gpu, a, new Float32Array(64).fill(1), { m: 32, n: 8, k: 8 }, {
        cacheDir: dir,
        nearest: true,
      });
      assert.deepEqual([...c], new Array(256).fill(8));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
