import { GPU_AVAILABLE } from "../../tests/gpu_fixture.ts";
import { gemmOps } from "./gemm.ts";
import { checkOp, floatInput, type OpCase } from "./testdata/op_check.ts";

const [matMul, gemm] = gemmOps as [typeof gemmOps[0], typeof gemmOps[0]];
const gpuTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: !GPU_AVAILABLE, fn });
const tolerance = { rtol: 1e-4, atol: 1e-5 };

gpuTest(
  "gemmOps MatMul matches onnxruntime, with broadcast batch dims and 1-D operands",
  async () => {
    const cases: [number[], number[]][] = [
      [[3, 4], [4, 5]],
      [[2, 1, 3, 4], [5, 4, 6]],
      [[4], [4, 3]],
      [[2, 3, 4], [4]],
      [[3, 4], [2, 4, 5]],
      [[1, 7, 65], [3, 65, 2]],
    ];
    for (const [i, [a, b]] of cases.entries()) {
      const c: OpCase = {
        opType: "MatMul",
        opset: 13,
        inputs: [floatInput(a, i), floatInput(b, i + 50)],
        tolerance,
      };
      await checkOp(matMul, c);
    }
  },
);

gpuTest("gemmOps Gemm matches onnxruntime, for every transpose and C broadcast", async () => {
  let seed = 1;
  for (const transA of [0, 1]) {
    for (const transB of [0, 1]) {
      for (const cDims of [undefined, [5], [3, 1], [3, 5], [1, 1]]) {
        const c: OpCase = {
          opType: "Gemm",
          opset: 13,
          attributes: [
            { name: "transA", type: "int", value: transA },
            { name: "transB", type: "int", value: transB },
            { name: "alpha", type: "float", value: 0.75 },
            { name: "beta", type: "float", value: -1.5 },
          ],
          inputs: [
            floatInput(transA ? [4, 3] : [3, 4], seed++),
            floatInput(transB ? [5, 4] : [4, 5], seed++),
            cDims && floatInput(cDims, seed++),
          ],
          tolerance,
        };
        await checkOp(gemm, c);
      }
    }
  }
});
