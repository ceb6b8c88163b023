/**
 * The legality rules of conv2d: which problems a device can run and which configs the generators
 * can produce for a problem on a device. The search space (`space.ts`) is a pruned subset of the
 * legal configs.
 *
 * @module
 */
import { bufferSizeError, dtypeSupportError } from "../limits.ts";
import { LOOP_BUDGET, loopBudgetError, loopCost } from "../loop_budget.ts";
import type { DeviceCaps } from "../types.ts";
import { type Conv2dConfig, conv2dWorkgroupSize, readsOwnChannel } from "./config.ts";
import { DEPTHWISE_MAX_FMAS, depthwiseBlock } from "./depthwise_geometry.ts";
import { conv2dGrid, conv2dWorkgroupBytes } from "./dispatch.ts";
import { conv2dLoopCost } from "./loop_cost.ts";
import { conv2dDims, type Conv2dProblem, conv2dTensorSizes } from "./problem.ts";

/** Largest `tileK` the space lists (bounds the longest reduction the loop budget allows). */
const MAX_TILE_K = 32;

/**
 * The config the space always keeps for reductions too long for a tileK of 1 (more than 65,534
 * values): `"gemm"` with 8 × 8 threads staging 32 values per pass, whose copies into workgroup
 * memory take 4 steps per thread (unrolled), so that its loops run ⌈K / 32⌉ + 1 passes. It is
 * legal on every device with the spec's default limits, so every problem that
 * {@linkcode conv2dProblemError} accepts has a config within the loop budget.
 *
 * @example
 * ```ts
 * import { LONG_REDUCTION_CONFIG } from "./legality.ts";
 * console.log(LONG_REDUCTION_CONFIG.tileK); // 32
 * ```
 */
export const LONG_REDUCTION_CONFIG: Conv2dConfig = Object.freeze({
  algorithm: "gemm",
  tileM: 8,
  tileN: 8,
  tileK: MAX_TILE_K,
  threadM: 1,
  threadN: 1,
  vec: 1,
});

/**
 * Why no config at all can run this problem on this device (f16 without `shader-f16`, a tensor
 * beyond the binding size limit, too few storage buffers), or `undefined`.
 *
 * @example f16 on a device without shader-f16
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { conv2dProblemError } from "./legality.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 3, height: 8, width: 8, outChannels: 4, kernelH: 3, kernelW: 3,
 *   dtype: "f16",
 * });
 * console.log(conv2dProblemError(p, DEFAULT_CAPS));
 * // "'dtype' f16 needs the device feature shader-f16, which this device lacks"
 * ```
 */
export function conv2dProblemError(problem: Conv2dProblem, caps: DeviceCaps): string | undefined {
  const dtypeError = dtypeSupportError(problem.dtype, caps);
  if (dtypeError) return dtypeError;
  const buffers = problem.bias ? 4 : 3;
  if (buffers > caps.maxStorageBuffersPerShaderStage) {
    return `conv2d binds ${buffers} storage buffers, more than the device's ` +
      `maxStorageBuffersPerShaderStage (${caps.maxStorageBuffersPerShaderStage})`;
  }
  const { k } = conv2dDims(problem);
  if (loopCost(Math.ceil(k / MAX_TILE_K)) > LOOP_BUDGET) {
    return `the reduction length (inChannels / groups) · kernelH · kernelW must be at most ` +
      `${(LOOP_BUDGET - 1) * MAX_TILE_K} (the reduction loop would run more than ${LOOP_BUDGET} ` +
      `passes even staging ${MAX_TILE_K} values per pass): current value is ${k}`;
  }
  const bytes = problem.dtype === "f16" ? 2 : 4;
  return bufferSizeError(Object.entries(conv2dTensorSizes(problem)), bytes, caps);
}

/**
 * Most accumulators a `"rows"` thread may hold, `kernelH ·` the output width (register spills:
 * each input row feeds `kernelH` output rows held at once).
 */
export const ROWS_MAX_ACCUMULATORS = 256;

/** The rules only `"depthwise"` and `"rows"` have (see {@linkcode conv2dConfigError}). */
function depthwiseError(problem: Conv2dProblem, config: Conv2dConfig): string | undefined {
  const { cg, ng, outW } = conv2dDims(problem);
  const { algorithm, tileK, threadM, threadN, vec } = config;
  if (cg !== 1) {
    return `the ${algorithm} algorithm needs one input channel per group (inChannels / groups = ` +
      `1): this problem has ${cg}`;
  }
  if (tileK !== 1) {
    return `'tileK' must be 1 for the ${algorithm} algorithm (it stages nothing): current value ` +
      `is ${tileK}`;
  }
  if (vec > 4) return `'vec' must be 1, 2 or 4: current value is ${vec}`;
  if (algorithm === "rows") {
    if (problem.layout === "NHWC") {
      return `the rows algorithm reads NCHW only: this problem is NHWC`;
    }
    if (problem.strideH !== 1 || problem.dilationH !== 1) {
      return `the rows algorithm needs strideH and dilationH 1 (it streams the input rows): this ` +
        `problem has ${problem.strideH} and ${problem.dilationH}`;
    }
  }
  if (problem.layout === "NHWC") {
    if (threadN !== vec) {
      return `'threadN' must equal vec (${vec}) for the depthwise algorithm in NHWC (a thread ` +
        `computes one vector of channels): current value is ${threadN}`;
    }
    if (vec > 1 && ng !== 1) {
      return `'vec' must be 1 for the depthwise algorithm in NHWC with a channel multiplier ` +
        `(outChannels / groups = ${ng}): current value is ${vec}`;
    }
    if (problem.inChannels % vec !== 0) {
      return `'vec' must divide the channels (${problem.inChannels}) for the depthwise ` +
        `algorithm in NHWC: current value is ${vec}`;
    }
  } else {
    if (threadN !== 1) {
      return `'threadN' must be 1 for the ${algorithm} algorithm in NCHW (one channel per ` +
        `thread): current value is ${threadN}`;
    }
    const { threadCols } = depthwiseBlock(problem, config);
    if (vec > 1 && (problem.width % vec !== 0 || outW % vec !== 0 || threadCols % vec !== 0)) {
      return `'vec' must divide the input width (${problem.width}), the output width (${outW}) ` +
        `and the thread's columns (${threadCols}) for the ${algorithm} algorithm in NCHW: ` +
        `current value is ${vec}`;
    }
  }
  if (algorithm === "rows") {
    const { threadCols } = depthwiseBlock(problem, config);
    const accumulators = problem.kernelH * threadCols;
    if (accumulators > ROWS_MAX_ACCUMULATORS) {
      return `the rows algorithm holds kernelH · the output width (${problem.kernelH} · ` +
        `${threadCols} = ${accumulators}) accumulators, more than ${ROWS_MAX_ACCUMULATORS}`;
    }
    const fmas = accumulators * problem.kernelW;
    if (fmas > DEPTHWISE_MAX_FMAS) {
      return `the rows algorithm unrolls kernelH · kernelW · the output width (${fmas}) ` +
        `multiply-adds per input row, more than ${DEPTHWISE_MAX_FMAS}`;
    }
    return undefined;
  }
  const fmas = threadM * threadN * problem.kernelH * problem.kernelW;
  if (fmas > DEPTHWISE_MAX_FMAS) {
    return `'threadM' · threadN · kernelH · kernelW must be at most ${DEPTHWISE_MAX_FMAS} for the ` +
      `depthwise algorithm (its body is fully unrolled): current value is ${threadM} · ` +
      `${threadN} · ${problem.kernelH} · ${problem.kernelW} = ${fmas}`;
  }
  return undefined;
}

/**
 * Why a config cannot be generated for this problem on this device, or `undefined` when it can.
 * Checks what the code generators rely on and every device limit they touch.
 *
 * @example tileN must keep a direct workgroup inside one group
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { parseConv2dConfig } from "./config.ts";
 * import { conv2dConfigError } from "./legality.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 8, height: 8, width: 8, outChannels: 8, kernelH: 3, kernelW: 3,
 *   groups: 8,
 * });
 * const c = parseConv2dConfig({
 *   algorithm: "direct", tileM: 32, tileN: 4, tileK: 4, threadM: 4, threadN: 4, vec: 1,
 * });
 * console.log(conv2dConfigError(p, c, DEFAULT_CAPS));
 * // "'tileN' must divide the output channels per group (1) when groups > 1: current value is 4"
 * ```
 */
export function conv2dConfigError(
  problem: Conv2dProblem,
  config: Conv2dConfig,
  caps: DeviceCaps,
): string | undefined {
  const problemError = conv2dProblemError(problem, caps);
  if (problemError) return problemError;
  const { algorithm, tileM, tileN, threadM, threadN, vec } = config;
  const { ng } = conv2dDims(problem);
  if (readsOwnChannel(algorithm)) {
    const error = depthwiseError(problem, config);
    if (error) return error;
  }
  if (threadM > tileM) {
    return `'threadM' must be at most tileM (${tileM}): current value is ${threadM}`;
  }
  if (threadN > tileN) {
    return `'threadN' must be at most tileN (${tileN}): current value is ${threadN}`;
  }
  if (vec > 4) return `'vec' must be 1, 2 or 4: current value is ${vec}`;
  if (!readsOwnChannel(algorithm) && vec > threadN) {
    return `'vec' must divide threadN (${threadN}): current value is ${vec}`;
  }
  if (!readsOwnChannel(algorithm) && ng % vec !== 0) {
    return `'vec' must divide the output channels per group (${ng}): current value is ${vec}`;
  }
  if (algorithm === "direct" && problem.groups > 1 && ng % tileN !== 0) {
    return `'tileN' must divide the output channels per group (${ng}) when groups > 1: ` +
      `current value is ${tileN}`;
  }
  const [x, y] = conv2dWorkgroupSize(config);
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
  const bytes = conv2dWorkgroupBytes(problem, config);
  if (bytes > caps.maxWorkgroupStorageBytes) {
    return `workgroup memory ${bytes} bytes exceeds the device's ${caps.maxWorkgroupStorageBytes}`;
  }
  const loopError = loopBudgetError(
    `the ${algorithm} kernel's loops`,
    conv2dLoopCost(problem, config),
  );
  if (loopError) return loopError;
  const { dispatch } = conv2dGrid(problem, config, caps);
  for (let i = 0; i < 3; i++) {
    if (dispatch[i]! > caps.maxWorkgroupsPerDimension) {
      return `dispatch ${"xyz"[i]} of ${dispatch[i]} workgroups exceeds the device's ` +
        `${caps.maxWorkgroupsPerDimension}`;
    }
  }
  return undefined;
}
