/**
 * Test helper: compares a session output with a reference tensor of any element type. Integers
 * and booleans must be equal; floating values must lie within a tolerance derived from the
 * reference's magnitude; NaN must meet NaN and an infinity the same infinity.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { HostTensor } from "../host_tensor.ts";

const FLOATS = new Set(["float", "float16", "double", "bfloat16"]);

function numbers(data: unknown): number[] {
  return Array.from(data as ArrayLike<number | bigint | string>, (v) => Number(v));
}

/**
 * Asserts `got` equals `want`: same dims, same element type (int64 and int32 of equal values
 * aside), values within `rtol · max(1, max |want|)` for floating types (float16 outputs get at
 * least 1e-3), exact otherwise.
 *
 * @example
 * ```ts
 * import { assertOutputClose } from "./compare.ts";
 * assertOutputClose(
 *   { dataType: "float", dims: [2], data: new Float32Array([1, NaN]) },
 *   { dataType: "float", dims: [2], data: new Float32Array([1.000001, NaN]) },
 *   "y",
 * );
 * ```
 */
export function assertOutputClose(
  got: HostTensor | undefined,
  want: HostTensor,
  label: string,
  rtol = 1e-4,
): void {
  assert.ok(got, `${label}: missing`);
  assert.deepEqual([...got.dims], [...want.dims], `${label}: dims`);
  assert.equal(got.dataType, want.dataType, `${label}: element type`);
  if (want.dataType === "string") {
    assert.deepEqual([...(got.data as string[])], [...(want.data as string[])], label);
    return;
  }
  const g = numbers(got.data);
  const w = numbers(want.data);
  assert.equal(g.length, w.length, `${label}: length`);
  if (!FLOATS.has(want.dataType)) {
    for (let i = 0; i < w.length; i++) assert.equal(g[i], w[i], `${label}[${i}]`);
    return;
  }
  const tol = want.dataType === "float16" ? Math.max(rtol, 1e-3) : rtol;
  let scale = 1;
  for (const v of w) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < w.length; i++) {
    const [a, b] = [g[i]!, w[i]!];
    if (Number.isNaN(b) || !Number.isFinite(b)) {
      assert.ok(
        Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)),
        `${label}[${i}]: got ${a}, want ${b}`,
      );
      continue;
    }
    assert.ok(
      Math.abs(a - b) <= tol * scale,
      `${label}[${i}]: got ${a}, want ${b} (tolerance ${tol * scale})`,
    );
  }
}
