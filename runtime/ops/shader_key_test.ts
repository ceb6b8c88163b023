import assert from "node:assert/strict";
import type { OnnxAttributes } from "../../onnx/graph.ts";
import { convTransposeOps } from "./conv_transpose.ts";
import { gemmOps } from "./gemm.ts";
import { movementOps } from "./movement.ts";
import { poolOps } from "./pool.ts";
import { resizeOps } from "./resize.ts";
import type { GpuDtype, OpGenerator, OpNode } from "./types.ts";

const generators: readonly OpGenerator[] = [
  ...movementOps,
  ...poolOps,
  ...resizeOps,
  ...convTransposeOps,
  ...gemmOps,
];

/** An attribute value; `{ float: x }` is a float attribute (a plain number is an int). */
type AttrValue = number | string | readonly number[] | { readonly float: number };

function attrs(values: Record<string, AttrValue>): OnnxAttributes {
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [name, {
      name,
      docString: "",
      ...(typeof value === "object" && "float" in value
        ? { type: "float", value: value.float }
        : typeof value === "string"
        ? { type: "string", value }
        : typeof value === "number"
        ? { type: "int", value }
        : { type: "ints", value }),
    }]),
  ) as OnnxAttributes;
}

function node(
  opType: string,
  inputs: readonly (readonly number[] | undefined)[],
  outputs: readonly (readonly number[])[],
  a: Record<string, AttrValue> = {},
  constants: readonly (readonly number[] | undefined)[] = [],
  dtype: GpuDtype = "f32",
): OpNode {
  return {
    opType,
    attributes: attrs(a),
    inputs: inputs.map((dims, i) =>
      dims && { dims, dtype: i === 0 || opType === "ConvTranspose" ? dtype : "i32" }
    ),
    outputs: outputs.map((dims) => ({ dims, dtype })),
    constants,
  };
}

const nodes: OpNode[] = [
  node("Concat", [[2, 3], [2, 3]], [[2, 6]], { axis: 1 }),
  node("Concat", [[2, 3], [2, 3]], [[4, 3]], { axis: 0 }),
  node("Concat", [[2, 0], [2, 3]], [[2, 3]], { axis: 1 }),
  node("Concat", [[2, 3]], [[2, 3]], { axis: 1 }),
  node("Split", [[2, 3]], [[2, 0], [2, 3]], { axis: 1 }),
  node("Split", [[2, 3]], [[2, 3]], { axis: 1 }),
  node("Split", [[4, 3]], [[2, 3], [2, 3]]),
  node("Transpose", [[2, 3, 4]], [[4, 3, 2]]),
  node("Transpose", [[2, 3, 4]], [[4, 3, 2]], {}, [], "i32"),
  node("Transpose", [[2, 3, 4]], [[3, 2, 4]], { perm: [1, 0, 2] }),
  node("Slice", [[6], [1], [1], undefined, [1]], [[3]], {}, [undefined, [0], [6], undefined, [2]]),
  node("Slice", [[6], [1], [1], undefined, [1]], [[3]], {}, [undefined, [1], [6], undefined, [2]]),
  node("Gather", [[5, 2], [3]], [[3, 2]], {}, [undefined, [0, 1, 2]]),
  node("Gather", [[5, 2], [3]], [[3, 2]], {}, [undefined, [4, 1, 2]]),
  node("Gather", [[5, 2], [3]], [[3, 2]]),
  node("Pad", [[3, 3], [4]], [[5, 5]], {}, [undefined, [1, 1, 1, 1]]),
  node("Pad", [[3, 3], [4]], [[5, 5]], { mode: "edge" }, [undefined, [1, 1, 1, 1]]),
  node("Pad", [[3, 3], [4], [1]], [[5, 5]], {}, [undefined, [1, 1, 1, 1], [2]]),
  node("Pad", [[3, 3], [4]], [[5, 5]], {}, [undefined, [2, 0, 0, 2]]),
  node("MaxPool", [[1, 1, 6, 6]], [[1, 1, 5, 5]], { kernel_shape: [2, 2] }),
  node("AveragePool", [[1, 1, 6, 6]], [[1, 1, 5, 5]], { kernel_shape: [2, 2] }),
  node("AveragePool", [[1, 1, 6, 6]], [[1, 1, 5, 5]], {
    kernel_shape: [2, 2],
    count_include_pad: 1,
  }),
  node("GlobalAveragePool", [[1, 4, 3, 3]], [[1, 4, 1, 1]]),
  node("GlobalMaxPool", [[1, 4, 3, 3]], [[1, 4, 1, 1]]),
  node("Resize", [[1, 1, 2, 2], undefined, [4]], [[1, 1, 4, 4]], {}, [undefined, undefined, [
    1,
    1,
    2,
    2,
  ]]),
  node("Resize", [[1, 1, 2, 2], undefined, [4]], [[1, 1, 4, 4]], { mode: "linear" }, [
    undefined,
    undefined,
    [1, 1, 2, 2],
  ]),
  node("Resize", [[1, 1, 2, 2], undefined, [4]], [[1, 1, 4, 4]], {
    coordinate_transformation_mode: "asymmetric",
  }, [undefined, undefined, [1, 1, 2, 2]]),
  node("ConvTranspose", [[1, 2, 3, 3], [2, 2, 2, 2]], [[1, 2, 4, 4]]),
  node("ConvTranspose", [[1, 2, 3, 3], [2, 2, 2, 2], [2]], [[1, 2, 4, 4]]),
  node("ConvTranspose", [[1, 2, 3, 3], [2, 2, 2, 2]], [[1, 2, 6, 6]], { strides: [2, 2] }),
  node("Gemm", [[3, 5], [5, 4]], [[3, 4]]),
  node("Gemm", [[3, 5], [5, 4], [1, 4]], [[3, 4]]),
  node("Gemm", [[3, 5], [5, 4], [3, 4]], [[3, 4]]),
  node("Gemm", [[3, 5], [5, 4], [3, 4]], [[3, 4]], { beta: { float: 0 } }),
  node("Gemm", [[3, 5], [5, 4]], [[3, 4]], { alpha: { float: 2 } }),
];

Deno.test("every generator's shaderKey differs whenever its generated code differs", () => {
  const codeByKey = new Map<string, string>();
  let programs = 0;
  for (const n of nodes) {
    const generator = generators.find((g) => g.opTypes.includes(n.opType))!;
    for (const p of generator.plan(n).programs) {
      programs++;
      const known = codeByKey.get(p.shaderKey);
      if (known !== undefined) {
        assert.equal(p.code, known, `shaderKey ${p.shaderKey} names two codes`);
      }
      codeByKey.set(p.shaderKey, p.code);
    }
  }
  assert.ok(programs > nodes.length);
});

Deno.test("each generator file exports its generators without overlapping op types", () => {
  const types = generators.flatMap((g) => g.opTypes);
  assert.equal(new Set(types).size, types.length);
});
