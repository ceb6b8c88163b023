/**
 * The conformance suite under `deno test`.
 *
 * 1. Without a GPU: every case is planned, and run against the kernel families' float64 CPU
 *    references. A failure here is a mapping error in an adapter (or a reference bug).
 * 2. With a GPU: every case runs on the kernels, one test step per case.
 *
 * Both assert zero failures and at most {@linkcode MAX_SKIPS} skips. The bound is 6, every one a
 * case that has no defined meaning:
 * - 4 ORT `MultiHeadAttention` cases with `past_key` but no `present_key` output, whose reference
 *   values follow ONNX Runtime's choice of leaving the past out.
 * - 2 ORT `MultiHeadAttention` cases with 4-D (BNSH) key/value plus `past_key`, a combination the
 *   contrib spec leaves undefined.
 *
 * @module
 */
import assert from "node:assert/strict";
import { GPU_AVAILABLE, testGpu } from "../tests/gpu_fixture.ts";
import { conformanceDataStatus, conformanceDir } from "./data_dir.ts";
import { gpuExecutor, type OpExecutor, referenceExecutor } from "./executor.ts";
import {
  type CaseResult,
  countResults,
  formatResult,
  loadConformanceCases,
  planCase,
  runCase,
} from "./runner.ts";

/** Upper bound on skipped cases; see the module doc for the list. */
const MAX_SKIPS = 6;
const SKIP_REASONS = [
  /^past_key without the present_key output/,
  /^4-D \(BNSH\) key\/value with past_key/,
];

const dir = conformanceDir();
// Missing data skips the suite on a developer's machine, and fails it under CI.
const data = conformanceDataStatus(dir);
if (data.state === "skip") console.warn(`conformance tests skipped: ${data.reason}`);
const suffix = data.state === "skip" ? ` (skipped: ${data.reason})` : "";
const skipped = data.state === "skip";

function assertDataPresent(): void {
  if (data.state === "error") throw new Error(data.reason);
}

async function runAll(exec: OpExecutor, t: Deno.TestContext): Promise<CaseResult[]> {
  const cases = await loadConformanceCases(dir);
  // 98 single-node onnx-node tests (7 MatMul, 11 Gemm, 4 Conv, 76 Attention) and 90 ORT cases.
  assert.equal(cases.filter((c) => c.source === "onnx-node").length, 98);
  assert.equal(cases.filter((c) => c.source === "ort-web-ops").length, 90);
  const results: CaseResult[] = [];
  for (const c of cases) {
    const planned = planCase(c);
    if (planned.skip !== undefined) {
      assert.ok(
        SKIP_REASONS.some((r) => r.test(planned.skip)),
        `${c.id}: unexpected skip: ${planned.skip}`,
      );
      results.push({
        id: c.id,
        group: planned.adapter.name,
        status: "skip",
        reason: planned.skip,
        ms: 0,
      });
      await t.step({ name: `${c.id} — skip: ${planned.skip}`, ignore: true, fn() {} });
      continue;
    }
    await t.step(c.id, async () => {
      const result = await runCase(exec, c);
      results.push(result);
      assert.equal(result.status, "pass", formatResult(result));
    });
  }
  return results;
}

Deno.test({
  name: `conformance: every case matches the kernel families' CPU references${suffix}`,
  ignore: skipped,
  async fn(t) {
    assertDataPresent();
    const counts = countResults(await runAll(referenceExecutor(), t));
    assert.equal(counts.fail, 0);
    assert.ok(counts.skip <= MAX_SKIPS, `${counts.skip} skips, at most ${MAX_SKIPS} expected`);
  },
});

Deno.test({
  name: `conformance: every case passes on the GPU kernels or is skipped with a reason${suffix}`,
  ignore: !GPU_AVAILABLE || skipped,
  async fn(t) {
    assertDataPresent();
    const counts = countResults(await runAll(gpuExecutor(await testGpu()), t));
    assert.equal(counts.fail, 0);
    assert.ok(counts.skip <= MAX_SKIPS, `${counts.skip} skips, at most ${MAX_SKIPS} expected`);
  },
});
