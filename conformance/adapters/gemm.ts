/**
 * ONNX `Gemm` (`Y = alpha·A'·B' + beta·C`) on the `matmul` kernel family.
 *
 * - `transA` / `transB`: the operand is transposed on the host before the kernel runs.
 * - `C` that broadcasts along rows (shape `[]`, `[1]`, `[N]`, `[1, 1]` or `[1, N]`) with
 *   `alpha = 1` becomes the kernel's bias: `bias = beta·C` expanded to `[N]` on the host.
 * - Any other `C` (`[M, 1]`, `[M, N]`) or `alpha ≠ 1`: the kernel computes `A'·B'` without bias
 *   and a host epilogue computes `alpha·Y + beta·C` (C broadcast to `[M, N]`).
 * - `beta = 0` or no `C`: C is not read.
 *
 * @module
 */
import { getAttribute } from "../../onnx/attribute.ts";
import type { OpAdapter, OpPlan } from "../case.ts";
import { broadcastTo, kernelDtype, toFloat32, transpose } from "../host_ops.ts";
import { requiredInput, requireDtype } from "./_util.ts";

/**
 * The Gemm adapter.
 *
 * @example Plan a Gemm whose C is a row vector
 * ```ts
 * import { gemmAdapter } from "./gemm.ts";
 * const t = (dims: number[]) => ({ name: "", dataType: "float" as const, dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)), docString: "" });
 * const plan = gemmAdapter.plan({
 *   id: "x", source: "onnx-node", opType: "Gemm", domain: "", opset: 13,
 *   attributes: { transB: { name: "transB", docString: "", type: "int", value: 1 } },
 *   inputs: [t([3, 6]), t([4, 6]), t([1, 4])], outputs: [t([3, 4])],
 * });
 * console.log(plan.mapping); // "matmul m=3 n=4 k=6 f32 + bias; B transposed on host; bias = beta·C"
 * ```
 */
export const gemmAdapter: OpAdapter = {
  name: "Gemm",
  matches: (c) => c.opType === "Gemm" && c.domain === "",
  plan(c): OpPlan {
    const a = requiredInput(c, 0, "A");
    const b = requiredInput(c, 1, "B");
    const cInput = c.inputs[2];
    const alpha = getAttribute(c.attributes, "alpha", "float") ?? 1;
    const beta = getAttribute(c.attributes, "beta", "float") ?? 1;
    const transA = (getAttribute(c.attributes, "transA", "int") ?? 0) !== 0;
    const transB = (getAttribute(c.attributes, "transB", "int") ?? 0) !== 0;
    const dtype = kernelDtype(a, "A");
    if (kernelDtype(b, "B") !== dtype || (cInput && kernelDtype(cInput, "C") !== dtype)) {
      throw new RangeError(`${c.id}: A, B and C must share one element type`);
    }
    if (a.dims.length !== 2 || b.dims.length !== 2) {
      throw new RangeError(`${c.id}: Gemm operands must be 2-D: A [${a.dims}], B [${b.dims}]`);
    }
    const [m, k] = (transA ? [a.dims[1], a.dims[0]] : a.dims) as [number, number];
    const [kb, n] = (transB ? [b.dims[1], b.dims[0]] : b.dims) as [number, number];
    if (k !== kb) throw new RangeError(`${c.id}: A' has K = ${k} but B' has K = ${kb}`);
    const useC = cInput !== undefined && beta !== 0;
    const cDims = cInput?.dims ?? [];
    const rowVector = cDims.length <= 2 && cDims.slice(0, -1).every((d) => d === 1) &&
      (cDims.length === 0 || cDims.at(-1) === n || cDims.at(-1) === 1);
    const asBias = useC && alpha === 1 && rowVector;
    const epilogue = (useC && !asBias) || alpha !== 1;
    const notes = [
      transA ? "A transposed on host" : "",
      transB ? "B transposed on host" : "",
      asBias ? "bias = beta·C" : "",
      epilogue ? `host epilogue ${alpha}·Y${useC ? ` + ${beta}·C[${cDims}]` : ""}` : "",
    ].filter(Boolean);
    const problem = { m, n, k, batch: 1, dtype, bias: asBias };
    return {
      mapping: `matmul m=${m} n=${n} k=${k} ${dtype}${asBias ? " + bias" : ""}` +
        (notes.length ? `; ${notes.join("; ")}` : ""),
      shapes: [[m, n]],
      async run(exec) {
        requireDtype(exec, dtype);
        const aData = transA ? transpose(toFloat32(a), a.dims, [1, 0]) : toFloat32(a);
        const bData = transB ? transpose(toFloat32(b), b.dims, [1, 0]) : toFloat32(b);
        const inputs = [{ name: "a", data: aData }, { name: "b", data: bData }];
        if (asBias) {
          const row = broadcastTo(toFloat32(cInput!), cDims, cDims.length === 2 ? [1, n] : [n])
            .map((x) => beta * x);
          inputs.push({ name: "bias", data: row });
        }
        const y = await exec.run("matmul", problem, inputs);
        if (!epilogue) return [y];
        const cFull = useC ? broadcastTo(toFloat32(cInput!), cDims, [m, n]) : undefined;
        const out = new Float64Array(m * n);
        for (let i = 0; i < m * n; i++) out[i] = alpha * y[i]! + (cFull ? beta * cFull[i]! : 0);
        return [out];
      },
    };
  },
};
