/**
 * Writing a {@linkcode Graph} back as an ONNX model (for the fallback subgraphs that onnxruntime
 * runs, and for optimized and quantized models).
 *
 * @module
 */
import type { OnnxModel } from "../onnx/model.ts";
import type { OnnxValueInfo } from "../onnx/value_type.ts";
import type { Graph, GraphValue } from "./ir.ts";

/** Options of {@linkcode modelFromGraph}. */
export interface ModelFromGraphOptions {
  /** Producer name written into the model. @default {"wgtune"} */
  producerName?: string;
  /** Write the recorded types of intermediate values (`value_info`). @default {true} */
  valueInfo?: boolean;
}

/**
 * A value as a tensor value info (no type when its element type is unknown).
 *
 * @example
 * ```ts
 * import { valueInfoOf } from "./to_model.ts";
 * console.log(valueInfoOf({ name: "x", dataType: "float", dims: ["N", 3] }).type); // { kind: "tensor", elemType: "float", shape: ["N", 3] }
 * ```
 */
export function valueInfoOf(value: GraphValue): OnnxValueInfo {
  return {
    name: value.name,
    type: value.dataType === undefined
      ? undefined
      : { kind: "tensor", elemType: value.dataType, shape: value.dims && [...value.dims] },
    docString: "",
    metadata: {},
  };
}

/**
 * The graph as a decoded-model value, ready for `encodeModel`. Initializers are written in the
 * order of the map, with their map key as name (and, for IR versions before 4, listed as graph
 * inputs too, as those versions require).
 *
 * @example Round-trip a graph
 * ```ts
 * import { graphFromModel } from "./from_model.ts";
 * import { modelFromGraph } from "./to_model.ts";
 * import { buildModel, buildNode, valueInfo } from "../onnx/build.ts";
 * const graph = graphFromModel(buildModel({
 *   nodes: [buildNode("Relu", ["x"], ["y"])],
 *   inputs: [valueInfo("x", "float", [2])],
 *   outputs: [valueInfo("y", "float", [2])],
 * }));
 * console.log(modelFromGraph(graph).graph.nodes[0]?.opType); // "Relu"
 * ```
 */
export function modelFromGraph(graph: Graph, options: ModelFromGraphOptions = {}): OnnxModel {
  const { producerName = "wgtune", valueInfo = true } = options;
  return {
    irVersion: graph.irVersion,
    opsetImports: [...graph.opsetImports],
    producerName,
    producerVersion: "",
    domain: "",
    modelVersion: 0,
    docString: "",
    graph: {
      name: graph.name,
      nodes: graph.nodes.map((n) => ({
        name: n.name,
        opType: n.opType,
        domain: n.domain,
        overload: "",
        inputs: [...n.inputs],
        outputs: [...n.outputs],
        attributes: n.attributes,
        docString: "",
        metadata: {},
      })),
      initializers: [...graph.initializers].map(([name, t]) =>
        t.name === name ? t : { ...t, name }
      ),
      sparseInitializers: [],
      inputs: [
        ...graph.inputs.map(valueInfoOf),
        // IR versions before 4 list every initializer among the graph inputs.
        ...(graph.irVersion < 4
          ? [...graph.initializers].map(([name, t]) =>
            valueInfoOf({ name, dataType: t.dataType, dims: [...t.dims] })
          )
          : []),
      ],
      outputs: graph.outputs.map(valueInfoOf),
      valueInfo: valueInfo ? [...graph.valueInfo.values()].map(valueInfoOf) : [],
      quantizationAnnotations: [],
      docString: "",
      metadata: {},
    },
    metadata: {},
    functions: [...graph.functions],
    trainingInfo: [],
  };
}
