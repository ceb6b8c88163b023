/**
 * Test helpers of the session tests: the same model on onnxruntime-node's CPU provider, seeded
 * inputs, and comparisons with a tolerance derived from the reference's magnitude.
 *
 * @module
 */
import assert from "node:assert/strict";
import { buildTensor } from "../../onnx/build.ts";
import { runOrt } from "../../graph/testdata/ort.ts";
import type { OnnxModel } from "../../onnx/model.ts";
import { type HostTensor, tensorNumbers } from "../host_tensor.ts";

/**
 * Runs `model` (bytes, a path or a decoded model) on onnxruntime's CPU provider (through the graph
 * tests' `runOrt`, which also copes with a process whose onnxruntime environment is gone), with
 * float inputs; returns every output as a float host tensor.
 */
export async function ortOutputs(
  model: Uint8Array | string | OnnxModel,
  feeds: Readonly<Record<string, { data: Float32Array; dims: readonly number[] }>>,
): Promise<Record<string, HostTensor>> {
  const tensors = Object.fromEntries(
    Object.entries(feeds).map(([name, t]) => [name, buildTensor(name, "float", t.dims, t.data)]),
  );
  const results = await runOrt(model, tensors);
  return Object.fromEntries(
    Object.entries(results).map(([name, r]) => [
      name,
      { dataType: "float", dims: r.dims, data: Float32Array.from(r.data) } as HostTensor,
    ]),
  );
}

/** Seeded floats in [lo, hi). */
export function seededFloats(seed: number, n: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return lo + ((s >>> 0) / 4294967296) * (hi - lo);
  });
}

/**
 * Asserts equal dims and values within `rtol` of the reference's largest magnitude (at least 1);
 * returns the largest absolute error.
 */
export function assertCloseTensor(
  got: HostTensor,
  want: HostTensor,
  rtol: number,
  label: string,
): number {
  assert.deepEqual([...got.dims], [...want.dims], `${label}: dims`);
  const g = tensorNumbers(got);
  const w = tensorNumbers(want);
  let scale = 1;
  for (const v of w) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < w.length; i++) {
    const err = Math.abs(g[i]! - w[i]!);
    worst = Math.max(worst, err);
    assert.ok(err <= rtol * scale, `${label}[${i}]: got ${g[i]}, want ${w[i]} (scale ${scale})`);
  }
  return worst;
}

/** Index of the largest value. */
export function argmax(t: HostTensor): number {
  const v = tensorNumbers(t);
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}
