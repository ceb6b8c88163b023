/**
 * The conformance runner: loads the cases of both sources, plans each through its adapter, runs it
 * on the GPU and compares every expected output with a dtype-aware tolerance.
 *
 * @module
 */
import type { Tolerance } from "../core/types.ts";
import { type OnnxTensor, tensorToFloat64 } from "../onnx/tensor.ts";
import { compareToReference } from "../core/compare.ts";
import { ADAPTERS } from "./adapters/mod.ts";
import { type ConformanceCase, type OpAdapter, type OpPlan, UnsupportedCase } from "./case.ts";
import type { OpExecutor } from "./executor.ts";
import { loadOnnxNodeCases } from "./onnx_node_cases.ts";
import { loadOrtWebCases } from "./ort_web_cases.ts";

/** Outcome of one case. */
export type CaseStatus = "pass" | "skip" | "fail";

/** The result of one case. */
export interface CaseResult {
  /** Case id. */
  readonly id: string;
  /** Adapter name (the operator group). */
  readonly group: string;
  /** Outcome. */
  readonly status: CaseStatus;
  /** How the case maps onto the kernels (absent when skipped before planning succeeded). */
  readonly mapping?: string;
  /** Skip reason or failure detail (absent for a pass). */
  readonly reason?: string;
  /** Largest absolute error over the compared outputs (passes and value failures). */
  readonly maxAbsError?: number;
  /** Wall time in milliseconds. */
  readonly ms: number;
}

/** Pass, skip and fail counts. */
export interface ConformanceCounts {
  /** Cases that passed. */
  readonly pass: number;
  /** Cases skipped with a reason. */
  readonly skip: number;
  /** Cases that failed. */
  readonly fail: number;
}

/** Options of {@linkcode loadConformanceCases}. */
export interface LoadCasesOptions {
  /**
   * Keep only cases whose id contains this text (case-insensitive).
   * @default {undefined}
   */
  filter?: string | undefined;
}

/**
 * Loads every case of `dir` that some adapter handles: single-node `onnx-node` tests, then the
 * `ort-web-ops` JSONC cases.
 *
 * @example Load the Gemm cases of both sources
 * ```ts ignore
 * import { loadConformanceCases } from "./runner.ts";
 * import { conformanceDir } from "./data_dir.ts";
 * const cases = await loadConformanceCases(conformanceDir(), { filter: "gemm" });
 * ```
 */
export async function loadConformanceCases(
  dir: URL,
  options: LoadCasesOptions = {},
): Promise<ConformanceCase[]> {
  const select = (opType: string, domain: string) =>
    ADAPTERS.some((a) => a.matches({ opType, domain }));
  const cases = [...await loadOnnxNodeCases(dir, select), ...loadOrtWebCases(dir, select)];
  const filter = options.filter?.toLowerCase();
  return filter ? cases.filter((c) => c.id.toLowerCase().includes(filter)) : cases;
}

/** The adapter of a case; throws a `RangeError` when none handles it. */
export function adapterFor(c: Pick<ConformanceCase, "id" | "opType" | "domain">): OpAdapter {
  const adapter = ADAPTERS.find((a) => a.matches(c));
  if (!adapter) {
    throw new RangeError(`${c.id}: no adapter for ${c.domain || "ai.onnx"}.${c.opType}`);
  }
  return adapter;
}

/** A planned case: its adapter and either a plan or the reason it is skipped. */
export type PlannedCase =
  | { readonly adapter: OpAdapter; readonly plan: OpPlan; readonly skip?: undefined }
  | { readonly adapter: OpAdapter; readonly plan?: undefined; readonly skip: string };

/**
 * Plans a case without a GPU: the adapter's plan, or its skip reason. Errors other than
 * {@linkcode UnsupportedCase} propagate (a malformed case is a failure, not a skip).
 *
 * @example Print how a case maps onto the kernels
 * ```ts ignore
 * const planned = planCase(cases[0]!);
 * console.log(planned.skip ?? planned.plan.mapping);
 * ```
 */
export function planCase(c: ConformanceCase): PlannedCase {
  const adapter = adapterFor(c);
  try {
    return { adapter, plan: adapter.plan(c) };
  } catch (error) {
    if (error instanceof UnsupportedCase) return { adapter, skip: error.message };
    throw error;
  }
}

/**
 * Tolerance for an expected output by element type. float32: `{ atol: 1e-4, rtol: 1e-4 }` (the
 * kernels sum in another order than numpy and ONNX Runtime, use fused multiply-adds and the GPU's
 * `exp`; the errors seen are below 1e-5 relative); float16: `{ atol: 2e-3, rtol: 4e-3 }` (the
 * reference itself is rounded to float16, whose spacing is 9.8e-4 at 1).
 *
 * @example Tolerance of a float16 output
 * ```ts
 * import { outputTolerance } from "./runner.ts";
 * console.log(outputTolerance("float16")); // { atol: 0.002, rtol: 0.004 }
 * ```
 */
export function outputTolerance(dataType: string): Tolerance {
  return dataType === "float16" ? { atol: 2e-3, rtol: 4e-3 } : { atol: 1e-4, rtol: 1e-4 };
}

/** Compares one produced output with its expected tensor; a description of the failure, or undefined. */
function compareOutput(
  index: number,
  produced: ArrayLike<number> | undefined,
  shape: readonly number[] | undefined,
  expected: OnnxTensor,
): { error?: string; maxAbsError: number } {
  if (!produced) return { error: `output ${index} was not produced`, maxAbsError: Infinity };
  if (!shape || shape.join() !== expected.dims.join()) {
    return {
      error: `output ${index}: shape [${shape}] but expected [${expected.dims}]`,
      maxAbsError: Infinity,
    };
  }
  const want = tensorToFloat64(expected);
  // NaN where the reference has NaN counts as a match; compareToReference would reject it.
  const got = Float64Array.from(produced);
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i]!) && Number.isNaN(got[i]!)) want[i] = got[i] = 0;
  }
  const tolerance = outputTolerance(expected.dataType);
  const result = compareToReference(got, want, tolerance);
  if (result.ok) return { maxAbsError: result.maxAbsError };
  const at = result.firstBadIndex;
  return {
    error: `output ${index}: ${result.badCount} of ${want.length} values out of tolerance ` +
      `(atol ${tolerance.atol}, rtol ${tolerance.rtol}); first at flat index ${at}: expected ` +
      `${want[at]}, got ${got[at]}; max abs error ${result.maxAbsError.toPrecision(3)}`,
    maxAbsError: result.maxAbsError,
  };
}

/**
 * Runs one case: plans it, runs its kernels through `exec`, compares every expected output. Never
 * throws for a case's own errors: an {@linkcode UnsupportedCase} is a skip, anything else a
 * failure.
 *
 * @example Run one case on the GPU
 * ```ts ignore
 * import { testGpu } from "../tests/gpu_fixture.ts";
 * import { gpuExecutor } from "./executor.ts";
 * const result = await runCase(gpuExecutor(await testGpu()), cases[0]!);
 * console.log(formatResult(result));
 * ```
 */
export async function runCase(exec: OpExecutor, c: ConformanceCase): Promise<CaseResult> {
  const start = performance.now();
  const ms = () => Math.round(performance.now() - start);
  let planned: PlannedCase;
  try {
    planned = planCase(c);
  } catch (error) {
    const group = ADAPTERS.find((a) => a.matches(c))?.name ?? c.opType;
    return { id: c.id, group, status: "fail", reason: `plan: ${message(error)}`, ms: ms() };
  }
  const group = planned.adapter.name;
  if (planned.skip !== undefined) {
    return { id: c.id, group, status: "skip", reason: planned.skip, ms: ms() };
  }
  const { plan } = planned;
  let produced: readonly (ArrayLike<number> | undefined)[];
  try {
    produced = await plan.run(exec);
  } catch (error) {
    if (error instanceof UnsupportedCase) {
      return {
        id: c.id,
        group,
        status: "skip",
        mapping: plan.mapping,
        reason: error.message,
        ms: ms(),
      };
    }
    return {
      id: c.id,
      group,
      status: "fail",
      mapping: plan.mapping,
      reason: `run: ${message(error)}`,
      ms: ms(),
    };
  }
  let maxAbsError = 0;
  const errors: string[] = [];
  c.outputs.forEach((expected, i) => {
    if (!expected) return;
    const result = compareOutput(i, produced[i], plan.shapes[i], expected);
    maxAbsError = Math.max(maxAbsError, result.maxAbsError);
    if (result.error) errors.push(result.error);
  });
  if (errors.length) {
    return {
      id: c.id,
      group,
      status: "fail",
      mapping: plan.mapping,
      reason: errors.join("; "),
      maxAbsError,
      ms: ms(),
    };
  }
  return { id: c.id, group, status: "pass", mapping: plan.mapping, maxAbsError, ms: ms() };
}

function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Counts results by status.
 *
 * @example Count a pass and a skip
 * ```ts
 * import { countResults } from "./runner.ts";
 * console.log(countResults([{ status: "pass" }, { status: "skip" }])); // { pass: 1, skip: 1, fail: 0 }
 * ```
 */
export function countResults(results: readonly Pick<CaseResult, "status">[]): ConformanceCounts {
  const counts = { pass: 0, skip: 0, fail: 0 };
  for (const r of results) counts[r.status]++;
  return counts;
}

/**
 * One report line: status, id, then the mapping and error (pass), the reason (skip) or the
 * failure detail (fail).
 *
 * @example Format a skipped case
 * ```ts
 * import { formatResult } from "./runner.ts";
 * console.log(formatResult({ id: "onnx-node/test_x", group: "Gemm", status: "skip", reason: "why", ms: 0 }));
 * // "SKIP onnx-node/test_x — why"
 * ```
 */
export function formatResult(r: CaseResult): string {
  switch (r.status) {
    case "pass":
      return `PASS ${r.id} — ${r.mapping} (max abs error ${
        (r.maxAbsError ?? 0).toPrecision(2)
      }, ${r.ms} ms)`;
    case "skip":
      return `SKIP ${r.id} — ${r.reason}`;
    case "fail":
      return `FAIL ${r.id} — ${r.reason}${r.mapping ? ` [${r.mapping}]` : ""}`;
  }
}
