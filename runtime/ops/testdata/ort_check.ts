/**
 * Test helper: runs one node through an op generator on the GPU and through onnxruntime-node's CPU
 * provider, and compares the outputs (exactly, or within a tolerance derived from their magnitude).
 *
 * @module
 */
import assert from "node:assert/strict";
import type { OnnxAttributes } from "../../../onnx/graph.ts";
import { testGpu } from "../../../tests/gpu_fixture.ts";
import { runOpPlan } from "../execute.ts";
import type { OpGenerator, OpNode, TensorInfo } from "../types.ts";
import { runOrtNode, type TestAttribute, type TestInput, type TestNode } from "./ort_node.ts";
import { seededRandom as seeded } from "../../../core/random.ts";

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32): core's generator. */
export { seeded };

/** `n` seeded random floats in [-1, 1), rounded to f32. */
export function randomFloats(n: number, seed: number): number[] {
  const r = seeded(seed);
  return Array.from({ length: n }, () => Math.fround(r() * 2 - 1));
}

/** `n` seeded random integers in [lo, hi). */
export function randomInts(n: number, seed: number, lo = -1000, hi = 1000): number[] {
  const r = seeded(seed);
  return Array.from({ length: n }, () => lo + Math.floor(r() * (hi - lo)));
}

/** A float graph input. */
export function floatInput(dims: readonly number[], seed: number): TestInput {
  return { type: "float", dims, data: randomFloats(dims.reduce((a, b) => a * b, 1), seed) };
}

/** An int32 graph input. */
export function int32Input(dims: readonly number[], seed: number): TestInput {
  return { type: "int32", dims, data: randomInts(dims.reduce((a, b) => a * b, 1), seed) };
}

/** An int64 initializer (a constant input). */
export function int64Const(values: readonly number[], dims = [values.length]): TestInput {
  return { type: "int64", dims, data: values, initializer: true };
}

/** A float initializer (a constant input). */
export function floatConst(values: readonly number[], dims = [values.length]): TestInput {
  return { type: "float", dims, data: values, initializer: true };
}

function attributes(list: readonly TestAttribute[]): OnnxAttributes {
  return Object.fromEntries(list.map((a) => [a.name, { ...a, docString: "" }])) as OnnxAttributes;
}

/** The {@linkcode OpNode} of a test node with the output dims onnxruntime computed. */
export function opNodeOf(node: TestNode, outputDims: readonly (readonly number[])[]): OpNode {
  const info = (inp: TestInput | undefined): TensorInfo | undefined =>
    inp && { dims: inp.dims, dtype: inp.type === "float" ? "f32" : "i32" };
  const dtypes = node.inputs.map((inp) => info(inp)?.dtype ?? "f32");
  return {
    opType: node.opType,
    attributes: attributes(node.attributes ?? []),
    inputs: node.inputs.map(info),
    outputs: outputDims.map((dims, i) => ({
      dims,
      dtype: outputDtype(node.opType, i, dtypes),
    })),
    constants: node.inputs.map((inp) => (inp?.initializer ? Array.from(inp.data) : undefined)),
  };
}

function outputDtype(opType: string, i: number, inputs: readonly string[]): "f32" | "i32" {
  if (opType === "MaxPool" && i === 1) return "i32";
  return inputs[0] === "i32" ? "i32" : "f32";
}

/** Options of {@linkcode checkAgainstOrt}. */
export interface CheckOptions {
  /** Compare exactly (data movement) instead of with a tolerance. @default false */
  readonly exact?: boolean;
  /** Relative tolerance, scaled by the largest magnitude of the reference. @default 1e-5 */
  readonly rtol?: number;
  /** Absolute tolerance added to the relative one. @default 1e-6 */
  readonly atol?: number;
}

/**
 * Runs `node` on onnxruntime's CPU provider and through `generator` on the test GPU, and asserts
 * that every output matches. Returns the GPU outputs.
 */
export async function checkAgainstOrt(
  generator: OpGenerator,
  node: TestNode,
  options: CheckOptions = {},
): Promise<(Float32Array | Int32Array)[]> {
  const { exact = false, rtol = 1e-5, atol = 1e-6 } = options;
  const expected = await runOrtNode(node);
  const opNode = opNodeOf(node, expected.map((e) => e.dims));
  const plan = generator.plan(opNode);
  const gpu = await testGpu();
  const got = await runOpPlan(gpu, opNode, plan, node.inputs.map((inp) => inp?.data));
  expected.forEach((e, k) => {
    const g = Array.from(got[k]!);
    assert.equal(g.length, e.data.length, `output ${k} length`);
    if (exact) {
      assert.deepEqual(g, e.data, `output ${k} of ${node.opType}`);
      return;
    }
    const scale = e.data.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-6);
    const tol = rtol * scale + atol;
    e.data.forEach((v, j) => {
      const d = Math.abs(g[j]! - v);
      if (!(d <= tol) && !(Number.isNaN(v) && Number.isNaN(g[j]!))) {
        assert.fail(`output ${k}[${j}] of ${node.opType}: got ${g[j]}, expected ${v} (tol ${tol})`);
      }
    });
  });
  return got;
}
