/**
 * Generic MatMul (numpy broadcasting of batch dims, 1-D operands) and Gemm (any transA/transB,
 * alpha, beta, C broadcast to M×N): the programs for the forms the tuned matmul family does not
 * take. One thread per output element; the reduction over K runs through a strided loop, so its
 * trip count stays under llvmpipe's loop budget.
 *
 * @module
 */
import { floatAttr, intAttr } from "./attributes.ts";
import {
  broadcastDims,
  elementProgram,
  inBinding,
  lit,
  outBinding,
  sizeOf,
  stridedLoop,
  stridesOf,
} from "./_wgsl.ts";
import { type OpGenerator, type OpNode, type OpPlan, UnsupportedOpError } from "./types.ts";

/** WGSL of the flat offset of batch `b` (an index into `outBatch`) into a tensor of `dims`. */
function batchOffset(dims: readonly number[], outBatch: readonly number[], matrix: number): string {
  const padded = Array.from(
    { length: outBatch.length },
    (_, k) => dims[dims.length - outBatch.length + k] ?? 1,
  );
  const inStrides = stridesOf(padded);
  const outStrides = stridesOf(outBatch);
  const terms: string[] = [];
  outBatch.forEach((d, k) => {
    if (d === 1 || padded[k] === 1) return;
    terms.push(`((b / ${outStrides[k]}u) % ${d}u) * ${inStrides[k]! * matrix}u`);
  });
  return terms.length ? terms.join(" + ") : "0u";
}

function product(
  node: OpNode,
  key: string,
  m: number,
  n: number,
  k: number,
  aDims: readonly number[],
  bDims: readonly number[],
  outBatch: readonly number[],
  layout: { aRow: number; aCol: number; bRow: number; bCol: number },
  epilogue: (acc: string) => string,
  extra: ReturnType<typeof inBinding>[] = [],
): OpPlan {
  const out = node.outputs[0]!;
  if (out.dtype !== "f32") throw new UnsupportedOpError(node.opType, "integer inputs");
  const total = sizeOf(outBatch) * m * n;
  const body = `  let b = idx / ${m * n}u;
  let row = (idx / ${n}u) % ${m}u;
  let col = idx % ${n}u;
  let aBase = ${batchOffset(aDims.slice(0, -2), outBatch, m * k)} + row * ${layout.aRow}u;
  let bBase = ${batchOffset(bDims.slice(0, -2), outBatch, k * n)} + col * ${layout.bCol}u;
  var acc = 0.0f;
  ${
    stridedLoop(
      k,
      1,
      "0u",
      `acc += in0[aBase + k * ${layout.aCol}u] * in1[bBase + k * ${layout.bRow}u];`,
    )
  }
  out0[idx] = ${epilogue("acc")};`;
  return {
    programs: [elementProgram({
      // The epilogue (alpha, beta, C's broadcast) changes the code: it is part of the key.
      key: `${key}|m${m}n${n}k${k}|a${aDims}|b${bDims}|o${outBatch}|${JSON.stringify(layout)}|${
        epilogue("acc")
      }`,
      bindings: [
        inBinding(0, node.inputs[0]!),
        inBinding(1, node.inputs[1]!),
        ...extra,
        outBinding(0, out),
      ],
      total,
      body,
    })],
    scratch: [],
  };
}

const matMulOp: OpGenerator = {
  opTypes: ["MatMul"],
  plan(node) {
    const [a, b] = node.inputs;
    if (!a || !b) throw new RangeError("MatMul: needs two inputs");
    const aDims = a.dims.length === 1 ? [1, a.dims[0]!] : a.dims;
    const bDims = b.dims.length === 1 ? [b.dims[0]!, 1] : b.dims;
    const m = aDims[aDims.length - 2]!;
    const k = aDims[aDims.length - 1]!;
    const n = bDims[bDims.length - 1]!;
    if (bDims[bDims.length - 2] !== k) {
      throw new RangeError(`MatMul: inner dims differ: [${a.dims}] x [${b.dims}]`);
    }
    const outBatch = broadcastDims("MatMul", [aDims.slice(0, -2), bDims.slice(0, -2)]);
    return product(node, "matmul-generic", m, n, k, aDims, bDims, outBatch, {
      aRow: k,
      aCol: 1,
      bRow: n,
      bCol: 1,
    }, (acc) => acc);
  },
};

const gemmOp: OpGenerator = {
  opTypes: ["Gemm"],
  plan(node) {
    const [a, b, c] = node.inputs;
    if (!a || !b || a.dims.length !== 2 || b.dims.length !== 2) {
      throw new RangeError("Gemm: A and B must be 2-D");
    }
    const transA = intAttr(node.attributes, "transA", 0) !== 0;
    const transB = intAttr(node.attributes, "transB", 0) !== 0;
    const alpha = floatAttr(node.attributes, "alpha", 1);
    const beta = floatAttr(node.attributes, "beta", 1);
    const [m, k] = transA ? [a.dims[1]!, a.dims[0]!] : [a.dims[0]!, a.dims[1]!];
    const n = transB ? b.dims[0]! : b.dims[1]!;
    const layout = {
      aRow: transA ? 1 : k,
      aCol: transA ? m : 1,
      bRow: transB ? 1 : n,
      bCol: transB ? k : 1,
    };
    const extra = c ? [inBinding(2, c)] : [];
    let cIndex = "0u";
    if (c) {
      const cd = c.dims;
      const cm = cd.length === 2 ? cd[0]! : 1;
      const cn = cd.length >= 1 ? cd[cd.length - 1]! : 1;
      cIndex = `${cm === 1 ? "0u" : `row * ${cn}u`} + ${cn === 1 ? "0u" : "col"}`;
    }
    return product(
      node,
      "gemm-generic",
      m,
      n,
      k,
      [m, k],
      [k, n],
      [],
      layout,
      (acc) =>
        c && beta !== 0
          ? `${lit(alpha, "f32")} * ${acc} + ${lit(beta, "f32")} * in2[${cIndex}]`
          : `${lit(alpha, "f32")} * ${acc}`,
      extra,
    );
  },
};

/** The generic MatMul and Gemm generators. */
export const gemmOps: readonly OpGenerator[] = [matMulOp, gemmOp];
