/**
 * ONNX `MatMul` (numpy `matmul` semantics) on the `matmul` kernel family.
 *
 * 1-D operands follow numpy: A `[K]` becomes `[1, K]` and B `[K]` becomes `[K, 1]`, and the added
 * dimension is removed from the result. Batch dimensions broadcast (numpy rules); both operands
 * are expanded to the broadcast batch on the host, and the kernel runs with `batch` = the product
 * of the broadcast batch dims.
 *
 * @module
 */
import type { OpAdapter, OpPlan } from "../case.ts";
import { broadcastShapes, broadcastTo, kernelDtype, toFloat32 } from "../host_ops.ts";
import { product, requiredInput, requireDtype } from "./_util.ts";

/**
 * The MatMul adapter.
 *
 * @example Plan a broadcast batched product without a GPU
 * ```ts
 * import { matmulAdapter } from "./matmul.ts";
 * const t = (dims: number[]) => ({ name: "", dataType: "float" as const, dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)), docString: "" });
 * const plan = matmulAdapter.plan({
 *   id: "x", source: "onnx-node", opType: "MatMul", domain: "", opset: 13, attributes: {},
 *   inputs: [t([3, 1, 3, 4]), t([1, 2, 4, 2])], outputs: [t([3, 2, 3, 2])],
 * });
 * console.log(plan.mapping, plan.shapes); // "matmul batch=6 m=3 n=2 k=4 f32; A, B broadcast to batch [3,2]" [[3, 2, 3, 2]]
 * ```
 */
export const matmulAdapter: OpAdapter = {
  name: "MatMul",
  matches: (c) => c.opType === "MatMul" && c.domain === "",
  plan(c): OpPlan {
    const a = requiredInput(c, 0, "A");
    const b = requiredInput(c, 1, "B");
    const dtype = kernelDtype(a, "A");
    if (kernelDtype(b, "B") !== dtype) {
      throw new RangeError(`${c.id}: A is ${a.dataType} but B is ${b.dataType}`);
    }
    if (a.dims.length === 0 || b.dims.length === 0) {
      throw new RangeError(`${c.id}: MatMul operands must have rank 1 or more`);
    }
    const aVector = a.dims.length === 1;
    const bVector = b.dims.length === 1;
    const aShape = aVector ? [1, a.dims[0]!] : [...a.dims];
    const bShape = bVector ? [b.dims[0]!, 1] : [...b.dims];
    const [m, k] = aShape.slice(-2) as [number, number];
    const [kb, n] = bShape.slice(-2) as [number, number];
    if (k !== kb) throw new RangeError(`${c.id}: A has K = ${k} but B has K = ${kb}`);
    const batchShape = broadcastShapes(aShape.slice(0, -2), bShape.slice(0, -2));
    const batch = product(batchShape);
    const outShape = [...batchShape, ...(aVector ? [] : [m]), ...(bVector ? [] : [n])];
    const expanded = [
      product(aShape.slice(0, -2)) !== batch ? "A" : "",
      product(bShape.slice(0, -2)) !== batch ? "B" : "",
    ].filter(Boolean);
    const notes = [
      aVector ? "A 1-D → [1,K]" : "",
      bVector ? "B 1-D → [K,1]" : "",
      expanded.length ? `${expanded.join(", ")} broadcast to batch [${batchShape}]` : "",
    ].filter(Boolean);
    const problem = { m, n, k, batch, dtype };
    return {
      mapping: `matmul batch=${batch} m=${m} n=${n} k=${k} ${dtype}` +
        (notes.length ? `; ${notes.join("; ")}` : ""),
      shapes: [outShape],
      async run(exec) {
        requireDtype(exec, dtype);
        const aData = broadcastTo(toFloat32(a), aShape, [...batchShape, m, k]);
        const bData = broadcastTo(toFloat32(b), bShape, [...batchShape, k, n]);
        const y = await exec.run("matmul", problem, [
          { name: "a", data: aData },
          { name: "b", data: bData },
        ]);
        return [y];
      },
    };
  },
};
