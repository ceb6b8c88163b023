/**
 * A conformance case: one operator invocation with its inputs and expected outputs, from either
 * third-party source, plus the small interface each operator adapter implements.
 *
 * @module
 */
import type { OnnxAttributes } from "../onnx/graph.ts";
import type { OnnxTensor } from "../onnx/tensor.ts";
import type { OpExecutor } from "./executor.ts";

/** Where a case comes from. */
export type CaseSource = "onnx-node" | "ort-web-ops";

/** One operator invocation with reference data. */
export interface ConformanceCase {
  /** Unique, stable id, for example `onnx-node/test_gemm_alpha`. */
  readonly id: string;
  /** Data source. */
  readonly source: CaseSource;
  /** Operator, for example `"Conv"`. */
  readonly opType: string;
  /** Operator domain (`""` for standard ONNX). */
  readonly domain: string;
  /** Opset version of the domain, when the source states it. */
  readonly opset: number | undefined;
  /** Node attributes. */
  readonly attributes: OnnxAttributes;
  /** Inputs in operator order; `undefined` marks an omitted optional input. */
  readonly inputs: readonly (OnnxTensor | undefined)[];
  /** Expected outputs in operator order; `undefined` where the case does not check an output. */
  readonly outputs: readonly (OnnxTensor | undefined)[];
}

/**
 * Thrown by an adapter when a case uses something the wgtune kernels do not implement; the message
 * is the skip reason (it names the unsupported attribute, input or type).
 *
 * @example Skip a case with a reason
 * ```ts
 * import { UnsupportedCase } from "./case.ts";
 * const error = new UnsupportedCase("softcap: the attention family has no logit soft-capping");
 * console.log(error.name, error.message.startsWith("softcap")); // "UnsupportedCase" true
 * ```
 */
export class UnsupportedCase extends Error {
  /** Creates the error with the skip reason. */
  constructor(reason: string) {
    super(reason);
    this.name = "UnsupportedCase";
  }
}

/** One produced output: flat values in row-major order. */
export type ProducedOutput = ArrayLike<number>;

/** How a case runs on the wgtune kernels, decided without a GPU. */
export interface OpPlan {
  /** Human-readable mapping, for example `matmul b=6 m=3 n=2 k=4; A and B broadcast on host`. */
  readonly mapping: string;
  /** Shape of each produced output, in output order; checked against the expected dims. */
  readonly shapes: readonly (readonly number[])[];
  /**
   * Runs the case; returns one array per output of the case, in order (`undefined` only where the
   * case expects no value). Kernels run through `exec`. May throw {@linkcode UnsupportedCase}
   * for device limits.
   */
  run(exec: OpExecutor): Promise<readonly (ProducedOutput | undefined)[]>;
}

/** Maps cases of one operator onto wgtune kernels. */
export interface OpAdapter {
  /** Adapter name, shown in reports (for example `"Gemm"`). */
  readonly name: string;
  /** True for the operator (type and domain) this adapter handles. */
  matches(c: Pick<ConformanceCase, "opType" | "domain">): boolean;
  /** Plans a case; throws {@linkcode UnsupportedCase} with the reason when it must be skipped. */
  plan(c: ConformanceCase): OpPlan;
}
