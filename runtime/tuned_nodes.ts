/**
 * Maps the ONNX nodes that tuned kernel families compute (Conv, MatMul, Gemm, Attention) to a
 * family problem and the buffers its program binds. Pure: a node in, a plan (or `undefined` when the family cannot
 * compute this form of the node) out.
 *
 * Weights a family wants in another form (Gemm's transposed or scaled B, its bias) are computed on
 * the host once, from the node's constant inputs.
 *
 * @module
 */
import { floatAttr, intAttr, intsAttr, stringAttr } from "./ops/attributes.ts";
import type { OpNode } from "./ops/types.ts";
import { attentionPlan } from "./tuned_attention.ts";
import type { TunedBinding, TunedNodePlan } from "./tuned_types.ts";

export type { TunedBinding, TunedNodePlan, TunedProgram } from "./tuned_types.ts";

const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** Pads (top, left, bottom, right) of a 2-D convolution with ONNX's `auto_pad` rules. */
function convPads(
  node: OpNode,
  inH: number,
  inW: number,
  kH: number,
  kW: number,
  strides: readonly number[],
  dilations: readonly number[],
): [number, number, number, number] {
  const autoPad = stringAttr(node.attributes, "auto_pad", "NOTSET");
  if (autoPad === "NOTSET") {
    const p = intsAttr(node.attributes, "pads", [0, 0, 0, 0]);
    return [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0, p[3] ?? 0];
  }
  if (autoPad === "VALID") return [0, 0, 0, 0];
  const pad = (inSize: number, k: number, s: number, d: number) => {
    const out = Math.ceil(inSize / s);
    const total = Math.max(0, (out - 1) * s + (k - 1) * d + 1 - inSize);
    const small = Math.floor(total / 2);
    return autoPad === "SAME_LOWER" ? [total - small, small] : [small, total - small];
  };
  const [t, b] = pad(inH, kH, strides[0]!, dilations[0]!);
  const [l, r] = pad(inW, kW, strides[1]!, dilations[1]!);
  return [t!, l!, b!, r!];
}

function convPlan(node: OpNode): TunedNodePlan | undefined {
  const [x, w, bias] = node.inputs;
  if (!x || !w || x.dtype !== "f32" || w.dtype !== "f32") return undefined;
  const rank = x.dims.length;
  if (rank !== 3 && rank !== 4) return undefined;
  // A 1-D convolution is a 2-D one over a height of 1.
  const oneD = rank === 3;
  const dims = oneD ? [x.dims[0]!, x.dims[1]!, 1, x.dims[2]!] : x.dims;
  const wDims = oneD ? [w.dims[0]!, w.dims[1]!, 1, w.dims[2]!] : w.dims;
  const lift = (v: readonly number[], fill: number) => (oneD ? [fill, v[0] ?? fill] : v);
  const strides = lift(intsAttr(node.attributes, "strides", oneD ? [1] : [1, 1]), 1);
  const dilations = lift(intsAttr(node.attributes, "dilations", oneD ? [1] : [1, 1]), 1);
  let pads: [number, number, number, number];
  if (oneD && stringAttr(node.attributes, "auto_pad", "NOTSET") === "NOTSET") {
    const p = intsAttr(node.attributes, "pads", [0, 0]);
    pads = [0, p[0] ?? 0, 0, p[1] ?? 0];
  } else {
    pads = convPads(node, dims[2]!, dims[3]!, wDims[2]!, wDims[3]!, strides, dilations);
  }
  const group = intAttr(node.attributes, "group", 1);
  const problem = {
    batch: dims[0]!,
    inChannels: dims[1]!,
    height: dims[2]!,
    width: dims[3]!,
    outChannels: wDims[0]!,
    kernelH: wDims[2]!,
    kernelW: wDims[3]!,
    strideH: strides[0]!,
    strideW: strides[1]!,
    padTop: pads[0],
    padLeft: pads[1],
    padBottom: pads[2],
    padRight: pads[3],
    dilationH: dilations[0]!,
    dilationW: dilations[1]!,
    groups: group,
    layout: "NCHW",
    activation: "none",
    bias: bias !== undefined,
    dtype: "f32",
  };
  if (size(node.outputs[0]!.dims) === 0 || size(dims) === 0) return undefined;
  const bindings: Record<string, TunedBinding> = {
    input: { kind: "input", index: 0 },
    weight: { kind: "input", index: 1 },
    output: { kind: "output", index: 0 },
  };
  if (bias) bindings.bias = { kind: "input", index: 2 };
  return { op: "conv2d", problem, bindings };
}

function matmulPlan(node: OpNode): TunedNodePlan | undefined {
  const [a, b] = node.inputs;
  if (!a || !b || a.dtype !== "f32" || b.dtype !== "f32") return undefined;
  if (a.dims.length < 1 || b.dims.length < 1) return undefined;
  const aDims = a.dims.length === 1 ? [1, a.dims[0]!] : a.dims;
  const bDims = b.dims.length === 1 ? [b.dims[0]!, 1] : b.dims;
  const m = aDims[aDims.length - 2]!;
  const k = aDims[aDims.length - 1]!;
  const n = bDims[bDims.length - 1]!;
  if (bDims[bDims.length - 2] !== k) return undefined;
  const aBatch = aDims.slice(0, -2);
  const bBatch = bDims.slice(0, -2);
  let problem;
  if (size(bBatch) === 1) {
    // B is one matrix: A's batch dims fold into its rows.
    problem = { m: size(aBatch) * m, n, k, batch: 1 };
  } else if (aBatch.length === bBatch.length && aBatch.every((d, i) => d === bBatch[i])) {
    problem = { m, n, k, batch: size(aBatch) };
  } else {
    return undefined; // broadcast batch dims: the generic path
  }
  if (problem.m * problem.n * problem.k * problem.batch === 0) return undefined;
  return {
    op: "matmul",
    problem: { ...problem, dtype: "f32", bias: false, activation: "none" },
    bindings: {
      a: { kind: "input", index: 0 },
      b: { kind: "input", index: 1 },
      c: { kind: "output", index: 0 },
    },
  };
}

function gemmPlan(node: OpNode): TunedNodePlan | undefined {
  const [a, b, c] = node.inputs;
  if (!a || !b || a.dtype !== "f32" || b.dtype !== "f32") return undefined;
  if (a.dims.length !== 2 || b.dims.length !== 2) return undefined;
  const transA = intAttr(node.attributes, "transA", 0) !== 0;
  const transB = intAttr(node.attributes, "transB", 0) !== 0;
  const alpha = floatAttr(node.attributes, "alpha", 1);
  const beta = floatAttr(node.attributes, "beta", 1);
  if (transA) return undefined;
  const [m, k] = a.dims as [number, number];
  const n = transB ? b.dims[0]! : b.dims[1]!;
  const bValues = node.constants[1];
  let bBinding: TunedBinding = { kind: "input", index: 1 };
  if (transB || alpha !== 1) {
    if (!bValues) return undefined;
    const data = new Float32Array(k * n);
    for (let r = 0; r < k; r++) {
      for (let col = 0; col < n; col++) {
        data[r * n + col] = alpha * bValues[transB ? col * k + r : r * n + col]!;
      }
    }
    bBinding = { kind: "constant", data };
  }
  const bindings: Record<string, TunedBinding> = {
    a: { kind: "input", index: 0 },
    b: bBinding,
    c: { kind: "output", index: 0 },
  };
  let bias = false;
  if (c && beta !== 0) {
    // A bias row broadcast over M: C of shape [N], [1, N] (or a scalar), known on the host.
    const cValues = node.constants[2];
    const cSize = size(c.dims);
    const rowLike = c.dims.length <= 1 || (c.dims.length === 2 && c.dims[0] === 1);
    if (!cValues || !rowLike || (cSize !== n && cSize !== 1)) return undefined;
    const data = new Float32Array(n);
    for (let j = 0; j < n; j++) data[j] = beta * cValues[cSize === 1 ? 0 : j]!;
    bindings.bias = { kind: "constant", data };
    bias = true;
  }
  if (m * n * k === 0) return undefined;
  return {
    op: "matmul",
    problem: { m, n, k, batch: 1, dtype: "f32", bias, activation: "none" },
    bindings,
  };
}

/**
 * The tuned-family plan of a node, or `undefined` when no family computes this form of it.
 *
 * @example A Gemm with a transposed constant B becomes a matmul with the transposed weights
 * ```ts
 * import { tunedNodePlan } from "./tuned_nodes.ts";
 * const plan = tunedNodePlan({
 *   opType: "Gemm",
 *   attributes: { transB: { name: "transB", docString: "", type: "int", value: 1 } },
 *   inputs: [{ dims: [2, 3], dtype: "f32" }, { dims: [4, 3], dtype: "f32" }],
 *   outputs: [{ dims: [2, 4], dtype: "f32" }],
 *   constants: [undefined, Array.from({ length: 12 }, (_, i) => i)],
 * });
 * console.log(plan?.op, plan?.problem.m, plan?.problem.n, plan?.problem.k); // "matmul" 2 4 3
 * ```
 */
export function tunedNodePlan(node: OpNode): TunedNodePlan | undefined {
  switch (node.opType) {
    case "Conv":
      return convPlan(node);
    case "MatMul":
      return matmulPlan(node);
    case "Gemm":
      return gemmPlan(node);
    case "Attention":
      return attentionPlan(node);
    default:
      return undefined;
  }
}
