/**
 * SYNTHETIC test data: a grid fixture computed from an analytic cost model of a tiled matmul, NOT a
 * measurement. Tests and `bench/search_efficiency.ts --synthetic` use it to exercise search
 * strategies on a space with realistic structure (log-scale parameters, a categorical one, plateaus
 * from wave quantization, a narrow optimum, failures next to good configs) until real fixtures
 * recorded on a device exist. Never write its output into `bench/fixtures/`.
 *
 * @module
 */
import type { Config } from "../core/types.ts";
import { enumerateAll } from "../core/space.ts";
import { FIXTURE_FORMAT, FIXTURE_VERSION, type FixtureResult, type GridFixture } from "./replay.ts";

/** Options of {@linkcode syntheticMatmulFixture}. */
export interface SyntheticFixtureOptions {
  /**
   * Rows of the output. Other shapes scale all times and move the optimum (a skinny output prefers
   * other tiles).
   * @default {512}
   */
  readonly m?: number;
  /**
   * Columns of the output.
   * @default {512}
   */
  readonly n?: number;
  /**
   * Reduction length.
   * @default {512}
   */
  readonly k?: number;
  /**
   * Seed of the deterministic ±3% measurement noise.
   * @default {1}
   */
  readonly seed?: number;
}

function hashNoise(key: string, seed: number): number {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  h ^= h >>> 13;
  h = Math.imul(h, 0x5bd1e995);
  h ^= h >>> 15;
  return ((h >>> 0) / 4294967296) * 2 - 1;
}

/** Cost model of one config: a failure status, or a time in ms on an imaginary 16-core device. */
function model(
  config: Config,
  m: number,
  n: number,
  k: number,
): { status: FixtureResult["status"]; timeMs: number } {
  const tileM = config.tileM as number;
  const tileN = config.tileN as number;
  const tileK = config.tileK as number;
  const threadM = config.threadM as number;
  const threadN = config.threadN as number;
  const vec = config.vec as number;
  const layout = config.layout as string;
  const unroll = config.unroll as boolean;
  const outputs = threadM * threadN;
  const sharedBytes = (tileM + tileN) * tileK * 4;
  // failures: register spills that break the compiler, and out-of-resources launches
  if (unroll && outputs >= 64) return { status: "compile_error", timeMs: Infinity };
  if (sharedBytes > 12288 && tileM * tileN >= 128 * 64) {
    return { status: "runtime_error", timeMs: Infinity };
  }
  if (vec === 4 && layout === "tn" && threadN === 8) return { status: "wrong", timeMs: Infinity };
  // padding: partial tiles at the edges do full work
  const paddedM = Math.ceil(m / tileM) * tileM;
  const paddedN = Math.ceil(n / tileN) * tileN;
  const paddedK = Math.ceil(k / tileK) * tileK;
  const flops = 2 * paddedM * paddedN * paddedK;
  // compute: register blocking raises instruction-level parallelism until registers spill
  const ilp = Math.min(outputs, 16) ** 0.55 * (outputs > 32 ? 0.6 : 1) * (unroll ? 1.2 : 1);
  const layoutFactor = layout === "nt" ? 1.0 : 1.35;
  const computeMs = flops / (16 * 2e8 * ilp) * layoutFactor;
  // memory: global traffic falls with larger tiles; vector loads help when threads own columns
  const vecGain = vec > threadN ? 0.8 : 1 + 0.35 * Math.log2(vec);
  const memoryMs = (paddedM * paddedN * paddedK * (1 / tileM + 1 / tileN) * 4) / (2e10 * vecGain);
  // barriers: two per k-step of every workgroup
  const workgroups = (paddedM / tileM) * (paddedN / tileN);
  const barrierMs = workgroups * (paddedK / tileK) * 2 * 4e-6;
  // occupancy: resident workgroups per core bounded by shared memory, wave quantization
  const resident = Math.max(1, Math.min(4, Math.floor(16384 / sharedBytes)));
  const waves = Math.ceil(workgroups / (16 * resident));
  const idealWaves = workgroups / (16 * resident);
  const quantization = waves / idealWaves;
  const threads = (tileM / threadM) * (tileN / threadN);
  const latencyHiding = threads * resident >= 256 ? 1 : 1 + 0.5 * (1 - (threads * resident) / 256);
  const timeMs = (Math.max(computeMs, memoryMs) + 0.3 * Math.min(computeMs, memoryMs) + barrierMs) *
      quantization ** 0.5 * latencyHiding + 0.02;
  return { status: "ok", timeMs: 40 * timeMs };
}

/**
 * Builds a SYNTHETIC full-grid fixture of a tiled-matmul-like space (a few hundred legal configs)
 * from an analytic cost model. For tests and clearly labelled demonstrations only.
 *
 * @example Size, failures and the optimum of the synthetic grid
 * ```ts
 * import { syntheticMatmulFixture } from "./_synthetic_fixture.ts";
 * const fixture = syntheticMatmulFixture();
 * console.log(fixture.device); // "synthetic-cost-model"
 * console.log(fixture.results.length > 200); // true
 * ```
 */
export function syntheticMatmulFixture(options: SyntheticFixtureOptions = {}): GridFixture {
  const { m = 512, n = 512, k = 512, seed = 1 } = options;
  for (const [name, value] of [["m", m], ["n", n], ["k", k]] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`'${name}' must be a positive integer: current value is ${value}`);
    }
  }
  const params = [
    { name: "tileM", values: [16, 32, 64, 128] },
    { name: "tileN", values: [16, 32, 64, 128] },
    { name: "tileK", values: [8, 16, 32] },
    { name: "threadM", values: [2, 4, 8] },
    { name: "threadN", values: [2, 4, 8] },
    { name: "vec", values: [1, 4] },
    { name: "layout", values: ["nt", "tn"] },
    { name: "unroll", values: [false, true] },
  ];
  const results: FixtureResult[] = [];
  for (const config of enumerateAll({ params, isValid: () => true })) {
    const tileM = config.tileM as number;
    const tileN = config.tileN as number;
    const threads = (tileM / (config.threadM as number)) * (tileN / (config.threadN as number));
    const tileK = config.tileK as number;
    const legal = threads >= 128 && threads <= 256 &&
      (config.vec as number) <= (config.threadN as number) &&
      (tileM + tileN) * tileK * 4 <= 16384 && tileK * 2 <= Math.min(tileM, tileN);
    if (!legal) continue;
    const { status, timeMs } = model(config, m, n, k);
    const key = Object.entries(config).map(([k, v]) => `${k}=${v}`).join(",");
    results.push({
      config,
      status,
      timeMs: status === "ok" ? timeMs * (1 + 0.03 * hashNoise(key, seed)) : null,
    });
  }
  return {
    format: FIXTURE_FORMAT,
    version: FIXTURE_VERSION,
    op: "synthetic-matmul",
    problemKey: `synthetic_m${m}_n${n}_k${k}`,
    device: "synthetic-cost-model",
    space: { params },
    results,
  };
}
