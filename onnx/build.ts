/**
 * A small builder of ONNX models as plain data, for tests and for passes that write models:
 * nodes with attributes from plain values, initializers from typed arrays, value infos with
 * symbolic dims, and a model with its opset imports. Encode the result with `encodeModel`.
 *
 * @module
 */
import type { OnnxAttribute, OnnxAttributes, OnnxAttributeValue } from "./graph.ts";
import type { OnnxDataType } from "./data_type.ts";
import type { OnnxGraph, OnnxNode } from "./graph.ts";
import type { OnnxFunction, OnnxModel, OnnxOpsetImport } from "./model.ts";
import type { OnnxTensor, OnnxTensorData } from "./tensor.ts";
import type { OnnxDim, OnnxValueInfo } from "./value_type.ts";

/**
 * An attribute value given as plain data: an integer number is an `int`, any other number a
 * `float`, a string a `string`, an array of numbers `ints` when all are integers else `floats`,
 * an array of strings `strings`, an {@linkcode OnnxTensor} a `tensor`. Give a typed
 * {@linkcode OnnxAttributeValue} (for example from {@linkcode float} or {@linkcode floats}) where
 * the plain form would guess wrong, such as a float attribute whose value is `1`.
 */
export type AttributeInput =
  | number
  | string
  | readonly number[]
  | readonly string[]
  | OnnxTensor
  | OnnxAttributeValue;

/**
 * A float attribute value (also when the number is an integer), rounded to float32 as stored.
 *
 * @example Gemm's alpha of 1
 * ```ts
 * import { float } from "./build.ts";
 * console.log(float(1)); // { type: "float", value: 1 }
 * ```
 */
export function float(value: number): OnnxAttributeValue {
  return { type: "float", value: Math.fround(value) };
}

/**
 * A floats attribute value (also when every number is an integer), rounded to float32 as stored.
 *
 * @example Resize scales as an attribute
 * ```ts
 * import { floats } from "./build.ts";
 * console.log(floats([1, 2])); // { type: "floats", value: [1, 2] }
 * ```
 */
export function floats(value: readonly number[]): OnnxAttributeValue {
  return { type: "floats", value: value.map(Math.fround) };
}

/**
 * A graph attribute value (If branches, Loop bodies).
 *
 * @example
 * ```ts
 * import { buildGraph, graphAttr } from "./build.ts";
 * console.log(graphAttr(buildGraph({ nodes: [], inputs: [], outputs: [] })).type); // "graph"
 * ```
 */
export function graphAttr(value: OnnxGraph): OnnxAttributeValue {
  return { type: "graph", value };
}

function isTensor(value: object): value is OnnxTensor {
  return "dataType" in value && "dims" in value && "data" in value;
}

function attributeValue(name: string, input: AttributeInput): OnnxAttributeValue {
  if (typeof input === "number") {
    return Number.isInteger(input)
      ? { type: "int", value: input }
      : { type: "float", value: input };
  }
  if (typeof input === "string") return { type: "string", value: input };
  if (Array.isArray(input)) {
    if (input.every((v) => typeof v === "string")) {
      return { type: "strings", value: [...input] as string[] };
    }
    if (input.every((v) => typeof v === "number")) {
      const values = [...input] as number[];
      return values.every(Number.isInteger) ? { type: "ints", value: values } : floats(values);
    }
    throw new TypeError(`attribute '${name}': an array must hold only numbers or only strings`);
  }
  const object = input as object;
  if (isTensor(object)) return { type: "tensor", value: object };
  return input as OnnxAttributeValue;
}

/**
 * Attributes by name from plain values (see {@linkcode AttributeInput}).
 *
 * @example Conv attributes
 * ```ts
 * import { buildAttributes } from "./build.ts";
 * const a = buildAttributes({ pads: [1, 1, 1, 1], group: 2 });
 * console.log(a.pads?.type, a.group?.type); // "ints" "int"
 * ```
 */
export function buildAttributes(
  attributes: Readonly<Record<string, AttributeInput>>,
): OnnxAttributes {
  const out: Record<string, OnnxAttribute> = {};
  for (const [name, input] of Object.entries(attributes)) {
    out[name] = { name, docString: "", ...attributeValue(name, input) } as OnnxAttribute;
  }
  return out;
}

/** Options of {@linkcode buildNode}. */
export interface BuildNodeOptions {
  /** Node name. @default {""} */
  name?: string;
  /** Operator domain. @default {""} */
  domain?: string;
}

/**
 * A node. An empty input name marks an omitted optional input.
 *
 * @example A Conv node
 * ```ts
 * import { buildNode } from "./build.ts";
 * const conv = buildNode("Conv", ["x", "w", "b"], ["y"], { pads: [1, 1, 1, 1] }, { name: "conv0" });
 * console.log(conv.name, conv.attributes.pads?.type); // "conv0" "ints"
 * ```
 */
export function buildNode(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attributes: Readonly<Record<string, AttributeInput>> = {},
  options: BuildNodeOptions = {},
): OnnxNode {
  const { name = "", domain = "" } = options;
  return {
    name,
    opType,
    domain,
    overload: "",
    inputs: [...inputs],
    outputs: [...outputs],
    attributes: buildAttributes(attributes),
    docString: "",
    metadata: {},
  };
}

/**
 * A tensor (an initializer, a Constant's value, a test input). `data` is taken as is when it is
 * already the array type the decoder produces for `dataType` (see `OnnxTensorData`); plain number
 * arrays are converted. Throws a `RangeError` when the value count does not match `dims`.
 *
 * @example An int64 shape tensor and a float weight
 * ```ts
 * import { buildTensor } from "./build.ts";
 * const shape = buildTensor("shape", "int64", [2], [1, -1]);
 * const w = buildTensor("w", "float", [2, 2], Float32Array.of(1, 2, 3, 4));
 * console.log(shape.data, w.dims); // Float64Array(2) [1, -1] [2, 2]
 * ```
 */
export function buildTensor(
  name: string,
  dataType: OnnxDataType,
  dims: readonly number[],
  data: OnnxTensorData | readonly number[],
): OnnxTensor {
  const count = dims.reduce((a, b) => a * b, 1) *
    (dataType === "complex64" || dataType === "complex128" ? 2 : 1);
  if (data.length !== count) {
    throw new RangeError(
      `'data' must hold ${count} values for dims [${dims}]: it holds ${data.length}`,
    );
  }
  return { name, dataType, dims: [...dims], data: toData(dataType, data), docString: "" };
}

function toData(type: OnnxDataType, data: OnnxTensorData | readonly number[]): OnnxTensorData {
  if (!Array.isArray(data)) return data as OnnxTensorData;
  if (type === "string") return [...data] as string[];
  const values = data as unknown as readonly number[];
  switch (type) {
    case "double":
    case "complex128":
    case "int64":
    case "uint64":
      return Float64Array.from(values);
    case "float16":
      return Float16Array.from(values);
    case "int8":
    case "int4":
    case "int2":
      return Int8Array.from(values);
    case "uint8":
    case "uint4":
    case "uint2":
      return Uint8Array.from(values);
    case "bool":
      return Uint8Array.from(values, (v) => v ? 1 : 0);
    case "int16":
      return Int16Array.from(values);
    case "uint16":
      return Uint16Array.from(values);
    case "int32":
      return Int32Array.from(values);
    case "uint32":
      return Uint32Array.from(values);
    default:
      return Float32Array.from(values);
  }
}

/**
 * A tensor value info; `dims` may hold symbolic names and `null` for unknown dims; `undefined`
 * dims leave the rank unknown.
 *
 * @example A batch-symbolic image input
 * ```ts
 * import { valueInfo } from "./build.ts";
 * console.log(valueInfo("x", "float", ["N", 3, 224, 224]).type); // { kind: "tensor", elemType: "float", shape: ["N", 3, 224, 224] }
 * ```
 */
export function valueInfo(
  name: string,
  dataType: OnnxDataType,
  dims: readonly OnnxDim[] | undefined,
): OnnxValueInfo {
  return {
    name,
    type: { kind: "tensor", elemType: dataType, shape: dims === undefined ? undefined : [...dims] },
    docString: "",
    metadata: {},
  };
}

/** The parts of a graph {@linkcode buildGraph} takes. */
export interface BuildGraphParts {
  /** Nodes in topological order. */
  nodes: readonly OnnxNode[];
  /** Graph inputs (not initializers). */
  inputs: readonly OnnxValueInfo[];
  /** Graph outputs. */
  outputs: readonly OnnxValueInfo[];
  /** Constant tensors. @default {[]} */
  initializers?: readonly OnnxTensor[];
  /** Types of intermediate values. @default {[]} */
  valueInfo?: readonly OnnxValueInfo[];
  /** Graph name. @default {"graph"} */
  name?: string;
}

/**
 * A graph from its parts.
 *
 * @example
 * ```ts
 * import { buildGraph, buildNode, valueInfo } from "./build.ts";
 * const g = buildGraph({
 *   nodes: [buildNode("Neg", ["x"], ["y"])],
 *   inputs: [valueInfo("x", "float", [2])],
 *   outputs: [valueInfo("y", "float", [2])],
 * });
 * console.log(g.name, g.nodes.length); // "graph" 1
 * ```
 */
export function buildGraph(parts: BuildGraphParts): OnnxGraph {
  return {
    name: parts.name ?? "graph",
    nodes: [...parts.nodes],
    initializers: [...(parts.initializers ?? [])],
    sparseInitializers: [],
    inputs: [...parts.inputs],
    outputs: [...parts.outputs],
    valueInfo: [...(parts.valueInfo ?? [])],
    quantizationAnnotations: [],
    docString: "",
    metadata: {},
  };
}

/** The parts of a model {@linkcode buildModel} takes. */
export interface BuildModelParts extends BuildGraphParts {
  /** Version of the default (`ai.onnx`) operator set. @default {21} */
  opset?: number;
  /** Further operator set imports (other domains). @default {[]} */
  opsetImports?: readonly OnnxOpsetImport[];
  /** IR version. @default {10} */
  irVersion?: number;
  /** Producer name. @default {"wgtune"} */
  producerName?: string;
  /** Model-local functions. @default {[]} */
  functions?: readonly OnnxFunction[];
}

/**
 * A model from its graph parts and opset.
 *
 * @example A one-node model at opset 13
 * ```ts
 * import { buildModel, buildNode, valueInfo } from "./build.ts";
 * const model = buildModel({
 *   nodes: [buildNode("Relu", ["x"], ["y"])],
 *   inputs: [valueInfo("x", "float", [4])],
 *   outputs: [valueInfo("y", "float", [4])],
 *   opset: 13,
 * });
 * console.log(model.opsetImports); // [{ domain: "", version: 13 }]
 * ```
 */
export function buildModel(parts: BuildModelParts): OnnxModel {
  return {
    irVersion: parts.irVersion ?? 10,
    opsetImports: [{ domain: "", version: parts.opset ?? 21 }, ...(parts.opsetImports ?? [])],
    producerName: parts.producerName ?? "wgtune",
    producerVersion: "",
    domain: "",
    modelVersion: 0,
    docString: "",
    graph: buildGraph(parts),
    metadata: {},
    functions: [...(parts.functions ?? [])],
    trainingInfo: [],
  };
}
