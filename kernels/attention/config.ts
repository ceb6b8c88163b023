/**
 * The attention kernel config (the tunables) and its legality rules: what the code generator can
 * produce for a problem on a given device.
 *
 * The kernel is flash-style: a workgroup owns `rowThreads · rowsPerThread` query rows of one
 * (batch, head); each thread keeps its rows' query vectors and output accumulators in registers
 * and walks the keys in blocks of `keyBlock` with an online softmax. `threadsPerRow` threads
 * share a row by splitting the keys (each keeps its own running max, sum and accumulator; one
 * reduction through workgroup memory at the end). With `kvTile > 0` the workgroup stages tiles of
 * K and V in workgroup memory; with `kvTile = 0` it reads them straight from storage. `ioStage`
 * only changes how the query rows are read and the output rows written (see
 * {@linkcode AttentionConfig.ioStage}).
 *
 * @module
 */
import { bufferSizeError, dtypeSupportError } from "../limits.ts";
import { LOOP_BUDGET, loopBudgetError, loopCost } from "../loop_budget.ts";
import { assertConfigObject } from "../config_params.ts";
import type { Config, DeviceCaps } from "../types.ts";
import type { AttentionProblem } from "./problem.ts";

/** A typed attention config. Every size is a power of two (`kvTile` may be 0). */
export interface AttentionConfig {
  /** Threads along query rows in a workgroup. */
  readonly rowThreads: number;
  /** Query rows each thread owns (rows `lane + r·rowThreads`). */
  readonly rowsPerThread: number;
  /** Threads sharing one query row, each taking every `threadsPerRow`-th key block. */
  readonly threadsPerRow: number;
  /** Keys per online-softmax step (scores held in registers, one rescale per block). */
  readonly keyBlock: number;
  /** Vector width of Q, K, V and output accesses along the head dims (1, 2 or 4). */
  readonly vec: number;
  /** Keys per tile staged in workgroup memory; 0 reads K and V from storage directly. */
  readonly kvTile: number;
  /**
   * How a thread reads its query rows and writes its output rows: 0, one unrolled storage access
   * per vector (fastest to compile on Mesa 22's lavapipe); 1, one loop over a private array
   * (on Mesa 25's lavapipe, where each unrolled access with per-thread addresses compiles to
   * per-lane branches, this compiles several times faster; on Mesa 22 several times slower).
   * Optional when parsing: a config without it means 0.
   */
  readonly ioStage: number;
}

/** The values each tunable may take, in the order a grid search visits them. */
export const ATTENTION_PARAM_VALUES: Readonly<Record<keyof AttentionConfig, readonly number[]>> = {
  rowThreads: [1, 2, 4, 8, 16, 32, 64, 128, 256],
  rowsPerThread: [1, 2, 4, 8, 16, 32, 64],
  threadsPerRow: [1, 2, 4, 8, 16, 32],
  keyBlock: [1, 2, 4, 8, 16],
  vec: [1, 2, 4],
  kvTile: [0, 16, 32, 64, 128],
  ioStage: [0, 1],
};

const NAMES = Object.keys(ATTENTION_PARAM_VALUES) as Array<keyof AttentionConfig>;

/** Largest `rowsPerThread · keyBlock`: the scores a thread holds in registers per block. */
export const MAX_SCORES_PER_THREAD = 64;

/**
 * Largest `rowsPerThread · keyBlock · (headDim + headDimV) / vec`: the unrolled vector
 * statements of one key block, which bound code size and compile time. Every problem fits with
 * `rowsPerThread = keyBlock = 1` since head sizes are at most 1024.
 */
export const MAX_UNROLLED_STATEMENTS = 2048;

/**
 * Largest `rowsPerThread · (headDim + headDimV)`: the query and accumulator values a thread keeps
 * live. Beyond this, register allocation in shader compilers (LLVM in lavapipe) takes minutes.
 */
export const MAX_LIVE_VALUES = 4096;

/**
 * Reads a plain {@linkcode Config} as an {@linkcode AttentionConfig}; throws a `TypeError` or
 * `RangeError` naming the missing or malformed parameter. Extra keys are ignored; a missing
 * `ioStage` means 0.
 *
 * @example
 * ```ts
 * import { parseAttentionConfig } from "./config.ts";
 * const c = parseAttentionConfig({
 *   rowThreads: 64, rowsPerThread: 1, threadsPerRow: 1, keyBlock: 8, vec: 4, kvTile: 0,
 * });
 * console.log(c.rowThreads * c.rowsPerThread, c.ioStage); // 64 0
 * ```
 */
export function parseAttentionConfig(config: Config): AttentionConfig {
  assertConfigObject(config);
  const out: Record<string, number> = {};
  for (const name of NAMES) {
    const value = name === "ioStage" && config[name] === undefined ? 0 : config[name];
    if (typeof value !== "number") {
      throw new TypeError(`'${name}' must be a number: current value is ${String(value)}`);
    }
    if (!ATTENTION_PARAM_VALUES[name].includes(value)) {
      throw new RangeError(
        `'${name}' must be one of ${
          ATTENTION_PARAM_VALUES[name].join(", ")
        }: current value is ${value}`,
      );
    }
    out[name] = value;
  }
  return out as unknown as AttentionConfig;
}

/** Query rows one workgroup computes: `rowThreads · rowsPerThread`. */
export function attentionQueryTile(config: AttentionConfig): number {
  return config.rowThreads * config.rowsPerThread;
}

/** Invocations per workgroup (a 1-d workgroup): `rowThreads · threadsPerRow`. */
export function attentionWorkgroupThreads(config: AttentionConfig): number {
  return config.rowThreads * config.threadsPerRow;
}

/**
 * Bytes of workgroup memory a config uses: the staged K and V tiles (held as f32) plus, when
 * `threadsPerRow > 1`, the partial max, sum and accumulator of every (row, split) for the final
 * reduction.
 *
 * @example
 * ```ts
 * import { attentionWorkgroupBytes } from "./config.ts";
 * import { normalizeAttentionProblem } from "./problem.ts";
 * const p = normalizeAttentionProblem({ batch: 1, heads: 1, seqQ: 64, seqKV: 64, headDim: 64 });
 * const c = { rowThreads: 32, rowsPerThread: 1, threadsPerRow: 1, keyBlock: 8, vec: 4, kvTile: 16, ioStage: 0 };
 * console.log(attentionWorkgroupBytes(p, c)); // 16 * (64 + 64) * 4 = 8192
 * ```
 */
export function attentionWorkgroupBytes(
  problem: AttentionProblem,
  config: AttentionConfig,
): number {
  const { headDim, headDimV } = problem;
  const staged = config.kvTile * (headDim + headDimV) * 4;
  const partials = config.threadsPerRow > 1
    ? config.rowThreads * config.rowsPerThread * config.threadsPerRow * (headDimV + 2) * 4
    : 0;
  return staged + partials;
}

/**
 * Workgroup counts `[x, y, z]`: query tiles, heads, batch.
 *
 * @example
 * ```ts
 * import { attentionDispatch } from "./config.ts";
 * import { normalizeAttentionProblem } from "./problem.ts";
 * const p = normalizeAttentionProblem({ batch: 2, heads: 8, seqQ: 100, seqKV: 100, headDim: 64 });
 * const c = { rowThreads: 32, rowsPerThread: 1, threadsPerRow: 1, keyBlock: 8, vec: 4, kvTile: 0, ioStage: 0 };
 * console.log(attentionDispatch(p, c)); // [4, 8, 2]
 * ```
 */
export function attentionDispatch(
  problem: AttentionProblem,
  config: AttentionConfig,
): [number, number, number] {
  return [Math.ceil(problem.seqQ / attentionQueryTile(config)), problem.heads, problem.batch];
}

/**
 * Loop passes one invocation of the generated kernel runs (see `loop_budget.ts`), from the
 * generator's geometry: the query load loop (`ioStage` 1, rowsPerThread · headDim / vec passes);
 * the key loop, ⌈seqKV / (keyBlock · threadsPerRow)⌉ passes, or with `kvTile` ⌈seqKV / kvTile⌉
 * passes each holding the two copy loops into workgroup memory and the loop over the tile's key
 * blocks; and the epilogue's store loop (`ioStage` 1) or, with keys split across threads, its
 * loop over the rows combining the partial results.
 *
 * @example Keys in blocks of 2, one thread per row, 100,000 keys
 * ```ts
 * import { attentionLoopCost } from "./config.ts";
 * import { normalizeAttentionProblem } from "./problem.ts";
 * const p = normalizeAttentionProblem({ batch: 1, heads: 1, seqQ: 1, seqKV: 100000, headDim: 4 });
 * const c = { rowThreads: 1, rowsPerThread: 1, threadsPerRow: 1, keyBlock: 2, vec: 4, kvTile: 0, ioStage: 0 };
 * console.log(attentionLoopCost(p, c)); // 50001
 * ```
 */
export function attentionLoopCost(problem: AttentionProblem, config: AttentionConfig): number {
  const { rowsPerThread, threadsPerRow: S, keyBlock, vec, kvTile, ioStage } = config;
  const nc = problem.headDim / vec;
  const ncv = problem.headDimV / vec;
  const step = keyBlock * S;
  const threads = attentionWorkgroupThreads(config);
  let cost = ioStage === 1 ? loopCost(rowsPerThread * nc) : 0;
  if (kvTile === 0) {
    cost += loopCost(Math.ceil(problem.seqKV / step));
  } else {
    const inner = loopCost(Math.ceil((kvTile * nc) / threads)) +
      loopCost(Math.ceil((kvTile * ncv) / threads)) + loopCost(Math.ceil(kvTile / step));
    cost += loopCost(Math.ceil(problem.seqKV / kvTile), inner);
  }
  if (S > 1) {
    cost += loopCost(
      rowsPerThread,
      2 * loopCost(S) + loopCost(Math.ceil(ncv / S), loopCost(S)),
    );
  } else if (ioStage === 1) {
    cost += loopCost(rowsPerThread * ncv);
  }
  return cost;
}

/** Most keys one pass of the key loop can take: the largest keyBlock · threadsPerRow. */
const MAX_KEY_STEP = 16 * 32;

/**
 * Why no config at all can run this problem on this device (f16 without `shader-f16`, heads or
 * batch beyond the dispatch limit, a buffer beyond the binding size limit), or `undefined`.
 *
 * @example f16 on a device without shader-f16
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { attentionProblemError } from "./config.ts";
 * import { normalizeAttentionProblem } from "./problem.ts";
 * const p = normalizeAttentionProblem({
 *   batch: 1, heads: 1, seqQ: 8, seqKV: 8, headDim: 8, dtype: "f16",
 * });
 * console.log(attentionProblemError(p, DEFAULT_CAPS));
 * // "'dtype' f16 needs the device feature shader-f16, which this device lacks"
 * ```
 */
export function attentionProblemError(
  problem: AttentionProblem,
  caps: DeviceCaps,
): string | undefined {
  const { batch, heads, kvHeads, seqQ, seqKV, headDim, headDimV, dtype, maskShape } = problem;
  const dtypeError = dtypeSupportError(dtype, caps);
  if (dtypeError) return dtypeError;
  for (const [name, value] of [["heads", heads], ["batch", batch]] as const) {
    if (value > caps.maxWorkgroupsPerDimension) {
      return `'${name}' must be at most the device's maxComputeWorkgroupsPerDimension ` +
        `(${caps.maxWorkgroupsPerDimension}): current value is ${value}`;
    }
  }
  const buffers = maskShape ? 5 : 4;
  if (buffers > caps.maxStorageBuffersPerShaderStage) {
    return `the kernel binds ${buffers} storage buffers, more than the device's ` +
      `maxStorageBuffersPerShaderStage (${caps.maxStorageBuffersPerShaderStage})`;
  }
  if (loopCost(Math.ceil(seqKV / MAX_KEY_STEP)) > LOOP_BUDGET) {
    return `'seqKV' must be at most ${(LOOP_BUDGET - 1) * MAX_KEY_STEP} (the key loop would ` +
      `run more than ${LOOP_BUDGET} passes even taking ${MAX_KEY_STEP} keys per pass): current ` +
      `value is ${seqKV}`;
  }
  const bytes = dtype === "f16" ? 2 : 4;
  const sizes: Array<[string, number]> = [
    ["q", batch * heads * seqQ * headDim],
    ["k", batch * kvHeads * seqKV * headDim],
    ["v", batch * kvHeads * seqKV * headDimV],
    ["output", batch * heads * seqQ * headDimV],
  ];
  if (maskShape) sizes.push(["mask", maskShape.reduce((a, b) => a * b, 1)]);
  return bufferSizeError(sizes, bytes, caps);
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * Why a config cannot be generated for this problem on this device, or `undefined` when it can:
 * divisibility the generator relies on and every device limit it touches.
 *
 * @example A vector width that does not divide the head size
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { attentionConfigError } from "./config.ts";
 * import { normalizeAttentionProblem } from "./problem.ts";
 * const p = normalizeAttentionProblem({ batch: 1, heads: 1, seqQ: 8, seqKV: 8, headDim: 6 });
 * const c = { rowThreads: 8, rowsPerThread: 1, threadsPerRow: 1, keyBlock: 4, vec: 4, kvTile: 0, ioStage: 0 };
 * console.log(attentionConfigError(p, c, DEFAULT_CAPS));
 * // "'vec' must divide headDim (6) and headDimV (6): current value is 4"
 * ```
 */
export function attentionConfigError(
  problem: AttentionProblem,
  config: AttentionConfig,
  caps: DeviceCaps,
): string | undefined {
  const problemError = attentionProblemError(problem, caps);
  if (problemError) return problemError;
  const { rowsPerThread, threadsPerRow, keyBlock, vec, kvTile } = config;
  const { headDim, headDimV } = problem;
  if (headDim % vec !== 0 || headDimV % vec !== 0) {
    return `'vec' must divide headDim (${headDim}) and headDimV (${headDimV}): current value is ${vec}`;
  }
  if (rowsPerThread * keyBlock > MAX_SCORES_PER_THREAD) {
    return `rowsPerThread·keyBlock must be at most ${MAX_SCORES_PER_THREAD}: current value is ` +
      `${rowsPerThread}·${keyBlock}`;
  }
  if (kvTile > 0 && kvTile < keyBlock * threadsPerRow) {
    return `'kvTile' must be 0 or at least keyBlock·threadsPerRow ` +
      `(${keyBlock * threadsPerRow}): current value is ${kvTile}`;
  }
  const statements = rowsPerThread * keyBlock * (headDim + headDimV) / vec;
  if (statements > MAX_UNROLLED_STATEMENTS) {
    return `rowsPerThread·keyBlock·(headDim + headDimV)/vec must be at most ` +
      `${MAX_UNROLLED_STATEMENTS} (code size): current value is ${statements}`;
  }
  const live = rowsPerThread * (headDim + headDimV);
  if (live > MAX_LIVE_VALUES) {
    return `rowsPerThread·(headDim + headDimV) must be at most ${MAX_LIVE_VALUES} (live ` +
      `registers): current value is ${live}`;
  }
  const threads = attentionWorkgroupThreads(config);
  if (threads > caps.maxInvocationsPerWorkgroup) {
    return `workgroup of ${threads} invocations (rowThreads·threadsPerRow) exceeds the device's ` +
      `${caps.maxInvocationsPerWorkgroup}`;
  }
  if (threads > caps.maxWorkgroupSizeX) {
    return `workgroup size x ${threads} exceeds the device's ${caps.maxWorkgroupSizeX}`;
  }
  const bytes = attentionWorkgroupBytes(problem, config);
  if (bytes > caps.maxWorkgroupStorageBytes) {
    return `workgroup memory ${bytes} bytes exceeds the device's ${caps.maxWorkgroupStorageBytes}`;
  }
  const loopError = loopBudgetError("the kernel's loops", attentionLoopCost(problem, config));
  if (loopError) return loopError;
  const [x] = attentionDispatch(problem, config);
  if (x > caps.maxWorkgroupsPerDimension) {
    return `dispatch x of ${x} workgroups (seqQ) exceeds the device's ` +
      `${caps.maxWorkgroupsPerDimension}`;
  }
  return undefined;
}

/**
 * Whether a legal config is also worth timing: it does not give a workgroup more query rows, or
 * a thread more keys per step, than the problem has (rounded up to a power of two). Such configs
 * only repeat the work of smaller ones on padding.
 *
 * @example
 * ```ts
 * import { attentionConfigUseful } from "./config.ts";
 * import { normalizeAttentionProblem } from "./problem.ts";
 * const p = normalizeAttentionProblem({ batch: 1, heads: 1, seqQ: 1, seqKV: 64, headDim: 8 });
 * const c = { rowThreads: 64, rowsPerThread: 1, threadsPerRow: 1, keyBlock: 8, vec: 4, kvTile: 0, ioStage: 0 };
 * console.log(attentionConfigUseful(p, c)); // false: 64 rows per workgroup for 1 query
 * ```
 */
export function attentionConfigUseful(problem: AttentionProblem, config: AttentionConfig): boolean {
  const rows = nextPowerOfTwo(problem.seqQ);
  const keys = nextPowerOfTwo(problem.seqKV);
  return attentionQueryTile(config) <= rows &&
    config.keyBlock * config.threadsPerRow <= keys &&
    config.kvTile <= Math.max(16, keys);
}
