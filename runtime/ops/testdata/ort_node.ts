/**
 * Test helper: builds a one-node ONNX model and runs it on onnxruntime-node's CPU provider, the
 * independent reference for op generators.
 *
 * @module
 */
import * as ort from "onnxruntime-node";
import { onnxMessageType } from "../../../onnx/schema.ts";

/** An attribute of the test node. */
export type TestAttribute =
  | { readonly name: string; readonly type: "int"; readonly value: number }
  | { readonly name: string; readonly type: "float"; readonly value: number }
  | { readonly name: string; readonly type: "string"; readonly value: string }
  | { readonly name: string; readonly type: "ints"; readonly value: readonly number[] }
  | { readonly name: string; readonly type: "floats"; readonly value: readonly number[] };

/** ONNX element types the helper feeds and reads. */
export type TestElementType = "float" | "int64" | "int32" | "bool" | "uint8" | "int8";

/** One input of the test node: a graph input, or an initializer when `initializer` is set. */
export interface TestInput {
  readonly type: TestElementType;
  readonly dims: readonly number[];
  readonly data: ArrayLike<number>;
  /** Store as an initializer (a constant) instead of feeding it at run time. */
  readonly initializer?: boolean;
}

/** A one-node model. `inputs` entries that are `undefined` are omitted optional inputs. */
export interface TestNode {
  readonly opType: string;
  readonly opset: number;
  readonly attributes?: readonly TestAttribute[];
  readonly inputs: readonly (TestInput | undefined)[];
  /** Number of outputs (default 1). */
  readonly outputs?: number;
  /** Operator domain (default `""`). */
  readonly domain?: string;
}

const CODES: Record<TestElementType, number> = {
  float: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
};
const ATTR_CODES = { float: 1, int: 2, string: 3, floats: 6, ints: 7 } as const;

function typedArray(type: TestElementType, data: ArrayLike<number>) {
  switch (type) {
    case "float":
      return Float32Array.from(data);
    case "int64":
      return BigInt64Array.from(Array.from(data, (v) => BigInt(Math.trunc(v))));
    case "int32":
      return Int32Array.from(data);
    case "bool":
    case "uint8":
      return Uint8Array.from(data);
    case "int8":
      return Int8Array.from(data);
  }
}

function tensorProto(name: string, input: TestInput) {
  const base = { name, dims: [...input.dims], data_type: CODES[input.type] };
  const values = Array.from(input.data);
  switch (input.type) {
    case "float":
      return { ...base, float_data: values };
    case "int64":
      return { ...base, int64_data: values };
    default:
      return { ...base, int32_data: values };
  }
}

/** Encodes the one-node model (inputs `x0..`, outputs `y0..`). */
export function buildNodeModel(node: TestNode): Uint8Array {
  const names = node.inputs.map((inp, i) => (inp ? `x${i}` : ""));
  const outputs = Array.from({ length: node.outputs ?? 1 }, (_, i) => `y${i}`);
  const valueInfo = (name: string, input: TestInput) => ({
    name,
    type: {
      tensor_type: {
        elem_type: CODES[input.type],
        shape: { dim: input.dims.map((d) => ({ dim_value: d })) },
      },
    },
  });
  const ModelProto = onnxMessageType("ModelProto");
  const model = {
    ir_version: 10,
    opset_import: [{ domain: node.domain ?? "", version: node.opset }],
    graph: {
      name: "g",
      node: [{
        op_type: node.opType,
        domain: node.domain ?? "",
        input: names,
        output: outputs,
        attribute: (node.attributes ?? []).map((a) => {
          const code = ATTR_CODES[a.type];
          switch (a.type) {
            case "int":
              return { name: a.name, type: code, i: a.value };
            case "float":
              return { name: a.name, type: code, f: a.value };
            case "string":
              return { name: a.name, type: code, s: new TextEncoder().encode(a.value) };
            case "ints":
              return { name: a.name, type: code, ints: [...a.value] };
            case "floats":
              return { name: a.name, type: code, floats: [...a.value] };
          }
        }),
      }],
      initializer: node.inputs.flatMap((inp, i) =>
        inp?.initializer ? [tensorProto(`x${i}`, inp)] : []
      ),
      input: node.inputs.flatMap((inp, i) =>
        inp && !inp.initializer ? [valueInfo(`x${i}`, inp)] : []
      ),
      output: outputs.map((name) => ({ name })),
    },
  };
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/** An output computed by onnxruntime: dims and values as numbers. */
export interface OrtOutput {
  readonly dims: readonly number[];
  readonly data: number[];
}

/**
 * Runs the one-node model on onnxruntime-node's CPU provider and returns every output.
 *
 * @example
 * ```ts ignore
 * const [y] = await runOrtNode({ opType: "Relu", opset: 14, inputs: [{ type: "float", dims: [2], data: [-1, 2] }] });
 * console.log(y.data); // [0, 2]
 * ```
 */
export async function runOrtNode(node: TestNode): Promise<OrtOutput[]> {
  const session = await ort.InferenceSession.create(buildNodeModel(node), {
    executionProviders: ["cpu"],
  });
  try {
    const feeds: Record<string, ort.Tensor> = {};
    node.inputs.forEach((inp, i) => {
      if (!inp || inp.initializer) return;
      const type = inp.type === "float" ? "float32" : inp.type;
      feeds[`x${i}`] = new ort.Tensor(type, typedArray(inp.type, inp.data), [...inp.dims]);
    });
    const result = await session.run(feeds);
    return session.outputNames.map((name) => {
      const t = result[name]!;
      const data = Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
      return { dims: [...t.dims], data };
    });
  } finally {
    await session.release();
  }
}
