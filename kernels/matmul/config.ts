/**
 * The matmul kernel config (the tunables) and its legality rules: what the code generator can
 * produce on a given device. The search space (`space.ts`) is a pruned subset of the legal configs.
 *
 * @module
 */
import { bufferSizeError, dtypeSupportError } from "../limits.ts";
import { LOOP_BUDGET, loopBudgetError, loopCost } from "../loop_budget.ts";
import { assertConfigObject, readPowerOfTwoParams } from "../config_params.ts";
import type { Config, DeviceCaps } from "../types.ts";
import type { MatmulProblem } from "./problem.ts";

/**
 * Kernel variants: register-blocked without workgroup memory, or workgroup-memory tiled.
 *
 * @example
 * ```ts
 * import type { MatmulVariant } from "./config.ts";
 * const variant: MatmulVariant = "shared";
 * ```
 */
export type MatmulVariant = "register" | "shared";

/**
 * A typed matmul config. All sizes are powers of two. (A type alias rather than an interface so
 * that it is assignable to the generic `Config` record.)
 *
 * @example The heuristic default of a large problem
 * ```ts
 * import type { MatmulConfig } from "./config.ts";
 * const config: MatmulConfig = {
 *   variant: "register", tileM: 32, tileN: 32, tileK: 8, threadM: 4, threadN: 4, vec: 4, unroll: 4,
 * };
 * ```
 */
export type MatmulConfig = {
  /** `"register"`: each thread reads A and B from storage into registers, no barriers.
   * `"shared"`: the workgroup stages tileM×tileK of A and tileK×tileN of B in workgroup memory. */
  readonly variant: MatmulVariant;
  /** Rows of C per workgroup. */
  readonly tileM: number;
  /** Columns of C per workgroup. */
  readonly tileN: number;
  /** Depth of the staged k slice (`"shared"` only; the `"register"` variant ignores it and the
   * space pins it to its smallest value so that no config is listed twice). */
  readonly tileK: number;
  /** Rows of C per thread. */
  readonly threadM: number;
  /** Columns of C per thread. */
  readonly threadN: number;
  /** Vector width of B, bias and C accesses along n (1, 2 or 4); must divide threadN and n. */
  readonly vec: number;
  /** Unroll factor of the inner k loop. */
  readonly unroll: number;
};

const NUMBERS = ["tileM", "tileN", "tileK", "threadM", "threadN", "vec", "unroll"] as const;

/**
 * Reads a plain {@linkcode Config} as a {@linkcode MatmulConfig}; throws a `TypeError` or
 * `RangeError` naming the missing or malformed parameter.
 *
 * @example Read a config
 * ```ts
 * import { parseMatmulConfig } from "./config.ts";
 * const c = parseMatmulConfig({
 *   variant: "register", tileM: 32, tileN: 64, tileK: 8, threadM: 4, threadN: 8, vec: 4, unroll: 4,
 * });
 * console.log(c.tileN / c.threadN); // 8
 * ```
 */
export function parseMatmulConfig(config: Config): MatmulConfig {
  assertConfigObject(config);
  const variant = config.variant;
  if (variant !== "register" && variant !== "shared") {
    throw new RangeError(
      `'variant' must be register or shared: current value is ${String(variant)}`,
    );
  }
  const out = readPowerOfTwoParams(config, NUMBERS);
  return { variant, ...out } as unknown as MatmulConfig;
}

/**
 * Workgroup size `[x, y, 1]` of a config: x threads along n, y along m.
 *
 * @example A 32×64 tile with 4×8 outputs per thread
 * ```ts
 * import { matmulWorkgroupSize } from "./config.ts";
 * console.log(matmulWorkgroupSize({
 *   variant: "register", tileM: 32, tileN: 64, tileK: 8, threadM: 4, threadN: 8, vec: 4, unroll: 4,
 * })); // [8, 8, 1]
 * ```
 */
export function matmulWorkgroupSize(config: MatmulConfig): [number, number, number] {
  return [config.tileN / config.threadN, config.tileM / config.threadM, 1];
}

/**
 * Bytes of workgroup memory a config uses: both staged tiles, held as f32, for the shared
 * variant; none for the register variant.
 *
 * @example Workgroup memory of a shared config
 * ```ts
 * import { matmulWorkgroupBytes } from "./config.ts";
 * console.log(matmulWorkgroupBytes({
 *   variant: "shared", tileM: 64, tileN: 64, tileK: 16, threadM: 4, threadN: 4, vec: 4, unroll: 4,
 * })); // 8192
 * ```
 */
export function matmulWorkgroupBytes(config: MatmulConfig): number {
  return config.variant === "shared" ? (config.tileM + config.tileN) * config.tileK * 4 : 0;
}

/**
 * Workgroup counts `[x, y, z]`: tiles along n, tiles along m (rounded up), batch.
 *
 * @example Dispatch of an odd batched shape
 * ```ts
 * import { matmulDispatch } from "./config.ts";
 * import { normalizeMatmulProblem } from "./problem.ts";
 * const problem = normalizeMatmulProblem({ m: 129, n: 65, k: 7, batch: 3 });
 * console.log(matmulDispatch(problem, {
 *   variant: "register", tileM: 32, tileN: 64, tileK: 8, threadM: 4, threadN: 8, vec: 1, unroll: 4,
 * })); // [2, 5, 3]
 * ```
 */
export function matmulDispatch(
  problem: MatmulProblem,
  config: MatmulConfig,
): [number, number, number] {
  return [
    Math.ceil(problem.n / config.tileN),
    Math.ceil(problem.m / config.tileM),
    problem.batch,
  ];
}

/**
 * Largest k unroll factor a config may have (the unrolled body grows with it). With it the
 * register variant's k loop stays within the loop budget up to k = 65,534 · 1024 + 1023.
 *
 * @example
 * ```ts
 * import { MATMUL_MAX_UNROLL } from "./config.ts";
 * console.log(MATMUL_MAX_UNROLL); // 1024
 * ```
 */
export const MATMUL_MAX_UNROLL = 1024;

/**
 * Loop passes one invocation of the generated kernel runs (see `loop_budget.ts`): the register
 * variant's k loop runs ⌊k / unroll⌋ passes (the remainder is unrolled after it); the shared
 * variant's tile loop runs ⌈k / tileK⌉ passes, each with an inner loop of tileK / unroll passes
 * unless unroll equals tileK.
 *
 * @example The register variant over k = 400000, unrolled by 4 and by 8
 * ```ts
 * import { matmulLoopCost } from "./config.ts";
 * import { normalizeMatmulProblem } from "./problem.ts";
 * const p = normalizeMatmulProblem({ m: 1, n: 2, k: 400000 });
 * const c = { variant: "register", tileM: 1, tileN: 2, tileK: 8, threadM: 1, threadN: 2, vec: 2, unroll: 4 } as const;
 * console.log(matmulLoopCost(p, c), matmulLoopCost(p, { ...c, unroll: 8 })); // 100001 50001
 * ```
 */
export function matmulLoopCost(problem: MatmulProblem, config: MatmulConfig): number {
  const { k } = problem;
  const { tileK, unroll } = config;
  if (config.variant === "register") {
    const passes = Math.floor(k / unroll);
    return passes > 0 ? loopCost(passes) : 0;
  }
  return loopCost(Math.ceil(k / tileK), unroll >= tileK ? 0 : loopCost(tileK / unroll));
}

/**
 * The smallest power-of-two unroll factor, at least `floor` (default 1), with which the register
 * variant's k loop stays within the loop budget; undefined when even
 * {@linkcode MATMUL_MAX_UNROLL} is not enough.
 *
 * @example
 * ```ts
 * import { matmulMinUnroll } from "./config.ts";
 * console.log(matmulMinUnroll(400000, 4), matmulMinUnroll(1000, 4)); // 8 4
 * ```
 */
export function matmulMinUnroll(k: number, floor = 1): number | undefined {
  for (let u = floor; u <= MATMUL_MAX_UNROLL; u *= 2) {
    if (loopCost(Math.floor(k / u)) <= LOOP_BUDGET) return u;
  }
  return undefined;
}

/**
 * Why no config at all can run this problem on this device (f16 without `shader-f16`, a batch
 * beyond the dispatch limit, a buffer beyond the binding size limit), or `undefined`.
 *
 * @example f16 on a device without shader-f16
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { matmulProblemError } from "./config.ts";
 * import { normalizeMatmulProblem } from "./problem.ts";
 * const problem = normalizeMatmulProblem({ m: 8, n: 8, k: 8, dtype: "f16" });
 * console.log(matmulProblemError(problem, DEFAULT_CAPS));
 * // "'dtype' f16 needs the device feature shader-f16, which this device lacks"
 * ```
 */
export function matmulProblemError(problem: MatmulProblem, caps: DeviceCaps): string | undefined {
  const { m, n, k, batch, dtype } = problem;
  const dtypeError = dtypeSupportError(dtype, caps);
  if (dtypeError) return dtypeError;
  if (matmulMinUnroll(k) === undefined) {
    const most = (LOOP_BUDGET - 1) * MATMUL_MAX_UNROLL + MATMUL_MAX_UNROLL - 1;
    return `'k' must be at most ${most} (the k loop would run more than ${LOOP_BUDGET} passes ` +
      `even unrolled ${MATMUL_MAX_UNROLL} times): current value is ${k}`;
  }
  if (batch > caps.maxWorkgroupsPerDimension) {
    return `'batch' must be at most the device's maxComputeWorkgroupsPerDimension ` +
      `(${caps.maxWorkgroupsPerDimension}): current value is ${batch}`;
  }
  const bytes = dtype === "f16" ? 2 : 4;
  const sizes: Array<[string, number]> = [["a", batch * m * k], ["b", batch * k * n], [
    "c",
    batch * m * n,
  ]];
  return bufferSizeError(sizes, bytes, caps);
}

/**
 * Why a config cannot be generated for this problem on this device, or `undefined` when it can.
 * Checks divisibility the code generator relies on and every device limit it touches.
 *
 * @example A vector width that does not divide n
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { matmulConfigError, parseMatmulConfig } from "./config.ts";
 * import { normalizeMatmulProblem } from "./problem.ts";
 * const config = parseMatmulConfig({
 *   variant: "register", tileM: 32, tileN: 32, tileK: 8, threadM: 4, threadN: 4, vec: 4, unroll: 1,
 * });
 * console.log(matmulConfigError(normalizeMatmulProblem({ m: 8, n: 6, k: 8 }), config, DEFAULT_CAPS));
 * // "'vec' must divide n (6): current value is 4"
 * ```
 */
export function matmulConfigError(
  problem: MatmulProblem,
  config: MatmulConfig,
  caps: DeviceCaps,
): string | undefined {
  const problemError = matmulProblemError(problem, caps);
  if (problemError) return problemError;
  const { tileM, tileN, tileK, threadM, threadN, vec, unroll, variant } = config;
  if (threadM > tileM) {
    return `'threadM' must be at most tileM (${tileM}): current value is ${threadM}`;
  }
  if (threadN > tileN) {
    return `'threadN' must be at most tileN (${tileN}): current value is ${threadN}`;
  }
  if (vec > 4) return `'vec' must be 1, 2 or 4: current value is ${vec}`;
  if (vec > threadN) return `'vec' must divide threadN (${threadN}): current value is ${vec}`;
  if (problem.n % vec !== 0) return `'vec' must divide n (${problem.n}): current value is ${vec}`;
  if (unroll > MATMUL_MAX_UNROLL) {
    return `'unroll' must be at most ${MATMUL_MAX_UNROLL}: current value is ${unroll}`;
  }
  if (variant === "shared" && unroll > tileK) {
    return `'unroll' must be at most tileK (${tileK}) for the shared variant: current value is ${unroll}`;
  }
  const [x, y] = matmulWorkgroupSize(config);
  if (x * y > caps.maxInvocationsPerWorkgroup) {
    return `workgroup ${x}x${y} has ${x * y} invocations, more than the device's ` +
      `${caps.maxInvocationsPerWorkgroup}`;
  }
  if (x > caps.maxWorkgroupSizeX) {
    return `workgroup size x ${x} exceeds the device's ${caps.maxWorkgroupSizeX}`;
  }
  if (y > caps.maxWorkgroupSizeY) {
    return `workgroup size y ${y} exceeds the device's ${caps.maxWorkgroupSizeY}`;
  }
  const bytes = matmulWorkgroupBytes(config);
  if (bytes > caps.maxWorkgroupStorageBytes) {
    return `workgroup memory ${bytes} bytes exceeds the device's ${caps.maxWorkgroupStorageBytes}`;
  }
  const loopError = loopBudgetError(
    `the ${variant} kernel's k loop`,
    matmulLoopCost(problem, config),
  );
  if (loopError) return loopError;
  const dispatch = matmulDispatch(problem, config);
  const names = ["n", "m"];
  for (let i = 0; i < 2; i++) {
    if (dispatch[i]! > caps.maxWorkgroupsPerDimension) {
      return `dispatch ${"xyz"[i]} of ${dispatch[i]} workgroups (${names[i]}) exceeds the ` +
        `device's ${caps.maxWorkgroupsPerDimension}`;
    }
  }
  return undefined;
}
