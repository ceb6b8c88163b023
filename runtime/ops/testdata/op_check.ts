/**
 * Test helper: runs one node through an op generator on the test GPU and through
 * onnxruntime-node's CPU provider, and compares the outputs with a tolerance derived from the
 * reference's magnitude.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { OnnxAttributes } from "../../../onnx/graph.ts";
import { testGpu } from "../../../tests/gpu_fixture.ts";
import { runOpPlan } from "../execute.ts";
import type { GpuDtype, OpGenerator, OpNode, TensorInfo } from "../types.ts";
import {
  runOrtNode,
  type TestAttribute,
  type TestElementType,
  type TestInput,
} from "./ort_node.ts";
import { seededRandom as rng } from "../../../core/random.ts";

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32): core's generator. */
export { rng };

/** `n` seeded uniform floats in [lo, hi). */
export function uniform(seed: number, n: number, lo = -3, hi = 3): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => Math.fround(lo + (hi - lo) * r()));
}

/** `n` seeded integers in [lo, hi]. */
export function ints(seed: number, n: number, lo: number, hi: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => lo + Math.floor((hi - lo + 1) * r()));
}

/** Number of elements of `dims`. */
export function count(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** A float input of `dims` with seeded values in [lo, hi). */
export function floatInput(dims: readonly number[], seed: number, lo = -3, hi = 3): TestInput {
  return { type: "float", dims, data: uniform(seed, count(dims), lo, hi) };
}

/** Tolerances of a check. */
export interface CheckTolerance {
  /** Relative to each reference value. @default {1e-5} */
  readonly rtol?: number;
  /** Relative to the largest reference magnitude (at least 1). @default {1e-6} */
  readonly atol?: number;
}

/** One check: the ONNX node plus what the GPU side needs. */
export interface OpCase {
  readonly opType: string;
  readonly opset: number;
  readonly attributes?: readonly TestAttribute[];
  readonly inputs: readonly (TestInput | undefined)[];
  /** Number of outputs (default 1). */
  readonly outputs?: number;
  /** ONNX types of the outputs (default: the type of the first input). */
  readonly outputTypes?: readonly TestElementType[];
  readonly tolerance?: CheckTolerance;
}

function gpuType(t: TestElementType): GpuDtype {
  return t === "float" ? "f32" : "i32";
}

function attributes(list: readonly TestAttribute[]): OnnxAttributes {
  return Object.fromEntries(list.map((a) => [a.name, { ...a, docString: "" }])) as OnnxAttributes;
}

/** Builds the OpNode the generator sees for `c`, given the output dims. */
export function opNode(c: OpCase, outDims: readonly (readonly number[])[]): OpNode {
  const first = c.inputs.find((x) => x)?.type ?? "float";
  return {
    opType: c.opType,
    attributes: attributes(c.attributes ?? []),
    inputs: c.inputs.map((x): TensorInfo | undefined =>
      x ? { dims: x.dims, dtype: gpuType(x.type), elemType: x.type } : undefined
    ),
    outputs: outDims.map((dims, i) => {
      const t = c.outputTypes?.[i] ?? first;
      return { dims, dtype: gpuType(t), elemType: t };
    }),
    constants: c.inputs.map((x) => (x?.initializer ? Array.from(x.data) : undefined)),
  };
}

/**
 * Runs `c` on onnxruntime's CPU provider and through `generator` on the test GPU; asserts equal
 * dims and values within the tolerance. Returns the GPU outputs.
 */
export async function checkOp(
  generator: OpGenerator,
  c: OpCase,
): Promise<(Float32Array | Int32Array)[]> {
  const ref = await runOrtNode({
    opType: c.opType,
    opset: c.opset,
    attributes: c.attributes ?? [],
    inputs: c.inputs,
    outputs: c.outputs ?? 1,
  });
  const node = opNode(c, ref.map((r) => r.dims));
  const plan = generator.plan(node);
  const got = await runOpPlan(await testGpu(), node, plan, c.inputs.map((x) => x?.data));
  ref.forEach((r, o) => assertClose(got[o]!, r.data, c.tolerance ?? {}, `${c.opType} output ${o}`));
  return got;
}

/**
 * Asserts `got` equals `want` elementwise within `rtol * |want| + atol * max(1, max |want|)`
 * (NaN equals NaN).
 */
export function assertClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tolerance: CheckTolerance,
  label: string,
): void {
  const rtol = tolerance.rtol ?? 1e-5;
  const atolScale = tolerance.atol ?? 1e-6;
  assert.equal(got.length, want.length, `${label}: length`);
  let mag = 1;
  for (let i = 0; i < want.length; i++) {
    const v = want[i]!;
    if (Number.isFinite(v)) mag = Math.max(mag, Math.abs(v));
  }
  for (let i = 0; i < got.length; i++) {
    const w = want[i]!;
    const h = got[i]!;
    if ((Number.isNaN(w) && Number.isNaN(h)) || w === h) continue;
    assert.ok(
      Math.abs(w - h) <= atolScale * mag + rtol * Math.abs(w),
      `${label}[${i}]: got ${h}, want ${w}`,
    );
  }
}
