/**
 * The op generators the runtime knows, by ONNX op type (default domain). A node whose op type is
 * missing here (and that no tuned family computes) runs on onnxruntime's CPU provider.
 *
 * @module
 */
import { castOps } from "./cast.ts";
import { convTransposeOps } from "./conv_transpose.ts";
import { elementwiseOps } from "./elementwise.ts";
import { gemmOps } from "./gemm.ts";
import { movementOps } from "./movement.ts";
import { normalizationOps } from "./normalization.ts";
import { poolOps } from "./pool.ts";
import { quantizeOps } from "./quantize.ts";
import { reduceOps } from "./reduce.ts";
import { resizeOps } from "./resize.ts";
import type { OpGenerator } from "./types.ts";

const ALL: readonly (readonly OpGenerator[])[] = [
  elementwiseOps,
  reduceOps,
  normalizationOps,
  castOps,
  quantizeOps,
  poolOps,
  resizeOps,
  movementOps,
  convTransposeOps,
  gemmOps,
];

/**
 * Every registered generator by op type.
 *
 * @example
 * ```ts
 * import { OP_GENERATORS } from "./registry.ts";
 * console.log(OP_GENERATORS instanceof Map); // true
 * ```
 */
export const OP_GENERATORS: ReadonlyMap<string, OpGenerator> = new Map(
  ALL.flat().flatMap((g) => g.opTypes.map((t) => [t, g] as const)),
);
