/**
 * The matmul search space and the heuristic default config.
 *
 * The space is the legal configs (`config.ts`) minus those that are never sensible. Let a tile
 * "cover" m (or n) when it reaches the next power of two of that size. Pruned are:
 * - tiles larger than the problem needs (tileM beyond the cover of m, likewise n);
 * - workgroups of fewer than 8 invocations (or the device's limit if lower), taller than wide (x runs along n, the contiguous
 *   direction of B and C), wider than 32, unless the tile covers the problem in that direction;
 * - per-thread tiles of fewer than 16 outputs (unless the problem is smaller), more than 512
 *   (64 for the shared variant, whose point is small per-thread state), or more than 4:1 in
 *   aspect (unless the short side covers its problem dimension);
 * - the shared variant with fewer than 64 invocations (barriers for a handful of threads);
 * - vec narrower than the widest that divides n and threadN;
 * - unroll above 4 when k is not larger, and unrolled bodies of more than 2048 multiply-adds
 *   (compile time grows, speed does not), except at the smallest listed unroll. Unroll factors 1
 *   and 2 are legal (the generator takes them) but not listed: they leave the register variant's
 *   A loads scalar and were never faster in our measurements. When k is so long that unrolling
 *   by 4 would take the k loop past the loop budget (`loop_budget.ts`), the listed unroll factors
 *   are the smallest that keeps it within, u, and 2u (see {@linkcode matmulUnrollValues});
 * - the register variant's unused tileK at any value but the first, so no config is listed twice.
 *
 * @module
 */
import type { Config, DeviceCaps, SearchSpace } from "../types.ts";
import {
  MATMUL_MAX_UNROLL,
  type MatmulConfig,
  matmulConfigError,
  matmulMinUnroll,
  matmulProblemError,
} from "./config.ts";
import type { MatmulProblem } from "./problem.ts";

/**
 * Values of each tunable, in the order a grid search visits them.
 *
 * @example
 * ```ts
 * import { MATMUL_PARAM_VALUES } from "./space.ts";
 * console.log(MATMUL_PARAM_VALUES.variant); // ["register", "shared"]
 * ```
 */
export const MATMUL_PARAM_VALUES: Readonly<
  Record<keyof MatmulConfig, readonly (number | string)[]>
> = Object.freeze({
  variant: ["register", "shared"],
  tileM: [1, 2, 4, 8, 16, 32, 64, 128],
  tileN: [1, 2, 4, 8, 16, 32, 64, 128, 256],
  tileK: [8, 16, 32],
  threadM: [1, 2, 4, 8, 16, 32],
  threadN: [1, 2, 4, 8, 16, 32],
  vec: [1, 2, 4],
  unroll: [4, 8],
});

/**
 * The unroll factors the space lists for a problem: 4 and 8, or, when the k loop unrolled by 4
 * would run past the loop budget, the smallest power of two u that keeps it within and 2u (at
 * most {@linkcode MATMUL_MAX_UNROLL}).
 *
 * @example
 * ```ts
 * import { normalizeMatmulProblem } from "./problem.ts";
 * import { matmulUnrollValues } from "./space.ts";
 * console.log(matmulUnrollValues(normalizeMatmulProblem({ m: 1, n: 2, k: 400000 }))); // [8, 16]
 * console.log(matmulUnrollValues(normalizeMatmulProblem({ m: 8, n: 8, k: 8 }))); // [4, 8]
 * ```
 */
export function matmulUnrollValues(problem: MatmulProblem): number[] {
  const base = MATMUL_PARAM_VALUES.unroll as readonly number[];
  const u = matmulMinUnroll(problem.k, base[0]) ?? MATMUL_MAX_UNROLL;
  if (u === base[0]) return [...base];
  return [u, 2 * u].filter((v) => v <= MATMUL_MAX_UNROLL);
}

function nextPowerOfTwo(x: number): number {
  return 2 ** Math.ceil(Math.log2(x));
}

/** Widest vector width (4, 2 or 1) that divides both `n` and `threadN`. */
function widestVec(n: number, threadN: number): number {
  for (const w of [4, 2]) if (n % w === 0 && threadN % w === 0) return w;
  return 1;
}

/**
 * Builds the pruning rule of a problem on a device: a function telling why a legal config is left
 * out of the space as never sensible, or `undefined` when it is in. Problem-derived constants are
 * computed once, since the rule runs on every config of the raw space.
 */
function pruner(
  problem: MatmulProblem,
  caps: DeviceCaps,
): (config: MatmulConfig) => string | undefined {
  const mCap = nextPowerOfTwo(problem.m);
  const nCap = nextPowerOfTwo(problem.n);
  const minPerThread = Math.min(16, mCap * nCap);
  const minInvocations = Math.min(
    8,
    caps.maxInvocationsPerWorkgroup,
    caps.maxWorkgroupSizeX,
    caps.maxWorkgroupSizeY,
  );
  const firstTileK = MATMUL_PARAM_VALUES.tileK[0];
  const firstUnroll = matmulUnrollValues(problem)[0]!;
  return (config) => {
    const { variant, tileM, tileN, tileK, threadM, threadN, vec, unroll } = config;
    if (variant === "register" && tileK !== firstTileK) {
      return "tileK unused by the register variant";
    }
    if (tileM > mCap) return "tileM larger than m needs";
    if (tileN > nCap) return "tileN larger than n needs";
    const perThread = threadM * threadN;
    if (perThread < minPerThread) return "per-thread tile below 16 outputs";
    if (perThread > (variant === "shared" ? 64 : 512)) return "per-thread tile too large";
    if ((threadM > 4 * threadN && threadN < nCap) || (threadN > 4 * threadM && threadM < mCap)) {
      return "per-thread tile beyond 4:1";
    }
    if (vec !== widestVec(problem.n, threadN)) return "vec narrower than possible";
    if (unroll > 4 && unroll > problem.k) return "unroll beyond k";
    if (unroll > firstUnroll && unroll * perThread > 2048) return "unrolled body too large";
    const x = tileN / threadN;
    const y = tileM / threadM;
    const cover = tileM === mCap && tileN === nCap;
    if (x * y < minInvocations && !cover) return "fewer than 8 invocations";
    if (x < y && tileN !== nCap) return "workgroup taller than wide";
    if (x > 32 && tileM !== mCap) return "workgroup wider than 32";
    if (variant === "shared" && x * y < 64 && !cover) {
      return "shared variant with fewer than 64 invocations";
    }
    return undefined;
  };
}

/**
 * The config space of a problem on a device. Throws a `RangeError` when no config can run the
 * problem on the device at all (f16 without `shader-f16`, a batch or buffer beyond the limits).
 *
 * @example Count the configs of a 512³ problem
 * ```ts
 * import { enumerateValid } from "../../core/space.ts";
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { normalizeMatmulProblem } from "./problem.ts";
 * import { matmulSpace } from "./space.ts";
 * const space = matmulSpace(normalizeMatmulProblem({ m: 512, n: 512, k: 512 }), DEFAULT_CAPS);
 * console.log([...enumerateValid(space)].length > 100); // true
 * ```
 */
export function matmulSpace(problem: MatmulProblem, caps: DeviceCaps): SearchSpace {
  const error = matmulProblemError(problem, caps);
  if (error) throw new RangeError(error);
  const params = (Object.keys(MATMUL_PARAM_VALUES) as (keyof MatmulConfig)[]).map((name) => ({
    name,
    values: name === "unroll" ? matmulUnrollValues(problem) : MATMUL_PARAM_VALUES[name],
  }));
  const prune = pruner(problem, caps);
  return {
    params,
    isValid(config: Config): boolean {
      // Membership in the value lists also checks every parameter's presence and type.
      for (const { name, values } of params) {
        if (!values.includes(config[name] as number | string)) return false;
      }
      const typed = config as unknown as MatmulConfig;
      // Pruning first: it rejects most of the raw space with cheap checks.
      return prune(typed) === undefined &&
        matmulConfigError(problem, typed, caps) === undefined;
    },
  };
}

/**
 * The heuristic default, a pure function of problem and device limits: the register-blocked
 * kernel with a 4×4 per-thread tile and an 8×8 workgroup (a 32×32 tile of C), widest vector
 * access that divides n, k unrolled by 4 (or by the smallest factor that keeps a long k loop
 * within the loop budget, see {@linkcode matmulUnrollValues}) — the shape GPU libraries such as TF.js's WebGPU backend
 * hand-pick. It shrinks for small problems and small device limits, and is always in
 * {@linkcode matmulSpace}.
 *
 * @example Default of a 512³ problem
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { normalizeMatmulProblem } from "./problem.ts";
 * import { defaultMatmulConfig } from "./space.ts";
 * const config = defaultMatmulConfig(normalizeMatmulProblem({ m: 512, n: 512, k: 512 }), DEFAULT_CAPS);
 * console.log(config.tileM, config.tileN, config.threadM, config.threadN, config.vec); // 32 32 4 4 4
 * ```
 */
export function defaultMatmulConfig(problem: MatmulProblem, caps: DeviceCaps): MatmulConfig {
  const error = matmulProblemError(problem, caps);
  if (error) throw new RangeError(error);
  const mCap = nextPowerOfTwo(problem.m);
  const nCap = nextPowerOfTwo(problem.n);
  // 4×4 per thread; when one side of the problem is narrower, the other side grows to keep
  // 16 outputs per thread.
  const threadM0 = Math.min(4, mCap);
  const threadN = Math.min(nCap, Math.max(4, 16 / threadM0));
  const threadM = Math.min(mCap, Math.max(threadM0, 16 / threadN));
  let wx = Math.min(8, nCap / threadN);
  let wy = Math.min(8, mCap / threadM);
  // Respect small device limits by halving the workgroup, the taller side first.
  while (wx > 1 || wy > 1) {
    if (wx > caps.maxWorkgroupSizeX) wx /= 2;
    else if (wy > caps.maxWorkgroupSizeY) wy /= 2;
    else if (wx * wy <= caps.maxInvocationsPerWorkgroup) break;
    else if (wy > 1 && wy >= wx) wy /= 2;
    else wx /= 2;
  }
  // Keep the workgroup at least as wide as tall unless it spans all of n.
  if (wy > wx && wx * threadN < nCap) wy = wx;
  return {
    variant: "register",
    tileM: wy * threadM,
    tileN: wx * threadN,
    tileK: MATMUL_PARAM_VALUES.tileK[0] as number,
    threadM,
    threadN,
    vec: widestVec(problem.n, threadN),
    unroll: matmulUnrollValues(problem)[0]!,
  };
}
