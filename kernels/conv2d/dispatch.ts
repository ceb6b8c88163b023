/**
 * Launch geometry of a conv2d config, for every algorithm: the workgroup memory it uses and how
 * the work is cut into workgroups (the dispatch).
 *
 * @module
 */
import type { DeviceCaps } from "../types.ts";
import { type Conv2dConfig, readsOwnChannel } from "./config.ts";
import { depthwiseBlock } from "./depthwise_geometry.ts";
import { directBlock } from "./direct_geometry.ts";
import { conv2dDims, type Conv2dProblem } from "./problem.ts";

/**
 * Bytes of workgroup memory a config uses (staged tiles, held as f32).
 *
 * @example A GEMM config stages (tileM + tileN)·tileK values
 * ```ts
 * import { parseConv2dConfig } from "./config.ts";
 * import { conv2dWorkgroupBytes } from "./dispatch.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 8, height: 8, width: 8, outChannels: 8, kernelH: 3, kernelW: 3,
 * });
 * const c = parseConv2dConfig({
 *   algorithm: "gemm", tileM: 64, tileN: 32, tileK: 8, threadM: 4, threadN: 4, vec: 4,
 * });
 * console.log(conv2dWorkgroupBytes(p, c)); // 3072
 * ```
 */
export function conv2dWorkgroupBytes(problem: Conv2dProblem, config: Conv2dConfig): number {
  if (readsOwnChannel(config.algorithm)) return 0;
  if (config.algorithm === "gemm") return (config.tileM + config.tileN) * config.tileK * 4;
  const b = directBlock(problem, config);
  const patch = config.tileK * b.patchH * b.patchRowVectors * b.xv;
  const weights = config.tileK * problem.kernelH * problem.kernelW * config.tileN;
  return (patch + weights) * 4;
}

/** Launch geometry of a config: how the work is cut into workgroups. */
export interface Conv2dGrid {
  /** Workgroups along output pixels (folded into dispatch x and y). */
  readonly pixelTiles: number;
  /** Workgroups along output channels (dispatch z; for `"gemm"` per group times groups). */
  readonly channelTiles: number;
  /** Workgroup counts for `dispatchWorkgroups`: `[x, y, channelTiles]`, `x·y ≥ pixelTiles`. */
  readonly dispatch: readonly [number, number, number];
}

/**
 * The launch geometry of a config. Pixel tiles are folded into dispatch x and y when they exceed
 * the per-dimension limit; the kernel recomputes the linear tile index `x + y·dispatch[0]` and
 * ignores tiles past the end.
 *
 * @example 56×56 outputs in blocks of 4 rows × 64 columns, 32 channels per workgroup
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { parseConv2dConfig } from "./config.ts";
 * import { conv2dGrid } from "./dispatch.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 64, height: 56, width: 56, outChannels: 64, kernelH: 3, kernelW: 3,
 *   padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
 * });
 * const c = parseConv2dConfig({
 *   algorithm: "direct", tileM: 256, tileN: 32, tileK: 4, threadM: 16, threadN: 16, vec: 4,
 * });
 * console.log(conv2dGrid(p, c, DEFAULT_CAPS).dispatch); // [14, 1, 2]
 * ```
 */
export function conv2dGrid(
  problem: Conv2dProblem,
  config: Conv2dConfig,
  caps: DeviceCaps,
): Conv2dGrid {
  const { m, ng } = conv2dDims(problem);
  let pixelTiles: number;
  let channelTiles: number;
  if (config.algorithm === "direct") {
    const b = directBlock(problem, config);
    pixelTiles = problem.batch * b.tilesH * b.tilesW;
    channelTiles = Math.ceil(problem.outChannels / config.tileN);
  } else if (readsOwnChannel(config.algorithm)) {
    const b = depthwiseBlock(problem, config);
    pixelTiles = Math.ceil(b.blocks / b.pixelThreads);
    channelTiles = Math.ceil(problem.outChannels / config.tileN);
  } else {
    pixelTiles = Math.ceil(m / config.tileM);
    channelTiles = problem.groups * Math.ceil(ng / config.tileN);
  }
  const x = Math.min(pixelTiles, caps.maxWorkgroupsPerDimension);
  const y = Math.ceil(pixelTiles / x);
  return { pixelTiles, channelTiles, dispatch: [x, y, channelTiles] };
}
