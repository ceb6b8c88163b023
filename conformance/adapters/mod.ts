/**
 * The operator adapters of the conformance suite, in the order they are tried.
 *
 * @module
 */
import type { OpAdapter } from "../case.ts";
import { onnxAttentionAdapter } from "./attention.ts";
import { convAdapter } from "./conv.ts";
import { gemmAdapter } from "./gemm.ts";
import { matmulAdapter } from "./matmul.ts";
import { contribAttentionAdapter, multiHeadAttentionAdapter } from "./ort_attention.ts";

/**
 * Every adapter. Adding an operator to the suite is one adapter file plus one entry here.
 *
 * @example List the operator groups the suite covers
 * ```ts
 * import { ADAPTERS } from "./mod.ts";
 * console.log(ADAPTERS.map((a) => a.name));
 * // ["MatMul", "Gemm", "Conv", "Attention", "Attention (com.microsoft)", "MultiHeadAttention (com.microsoft)"]
 * ```
 */
export const ADAPTERS: readonly OpAdapter[] = [
  matmulAdapter,
  gemmAdapter,
  convAdapter,
  onnxAttentionAdapter,
  contribAttentionAdapter,
  multiHeadAttentionAdapter,
];
