/**
 * From a loaded graph to what the planner needs: opset normalization once per session, then shape
 * and type inference (with host evaluation of shape computations) for each set of input dims.
 *
 * @module
 */
import type { Graph } from "../graph/ir.ts";
import { normalizeOpsets } from "../graph/normalize.ts";
import { inferShapes } from "../graph/shape_inference.ts";
import type { InferredValues } from "./plan.ts";

/**
 * Largest output (in elements) computed on the host at plan time: large enough for weights
 * computed from constants (a DequantizeLinear of int8 weights), which are then uploaded once.
 */
export const HOST_ELEMENTS = 1 << 22;

/**
 * The graph in newest-opset form.
 *
 * @example
 * ```ts
 * import { graphFromModel } from "../graph/from_model.ts";
 * import { buildModel, buildNode, float, valueInfo } from "../onnx/build.ts";
 * import { prepareGraph } from "./prepare.ts";
 * const graph = prepareGraph(graphFromModel(buildModel({
 *   nodes: [buildNode("Clip", ["x"], ["y"], { min: float(0), max: float(6) })],
 *   inputs: [valueInfo("x", "float", [4])],
 *   outputs: [valueInfo("y", "float", [4])],
 *   opset: 9,
 * })));
 * console.log(graph.nodes[0]?.inputs.length); // 3 (opset 9's min/max attributes became inputs)
 * ```
 */
export function prepareGraph(graph: Graph): Graph {
  return normalizeOpsets(graph);
}

/**
 * Types, dims and host-known values for concrete input dims. A node that inference cannot type
 * leaves its outputs unknown (the planner sends it to the CPU provider) instead of failing.
 *
 * @example
 * ```ts
 * import { graphFromModel } from "../graph/from_model.ts";
 * import { buildModel, buildNode, valueInfo } from "../onnx/build.ts";
 * import { inferValues } from "./prepare.ts";
 * const graph = graphFromModel(buildModel({
 *   nodes: [buildNode("Shape", ["x"], ["s"]), buildNode("Relu", ["x"], ["y"])],
 *   inputs: [valueInfo("x", "float", ["N", 3])],
 *   outputs: [valueInfo("s", "int64", [2]), valueInfo("y", "float", ["N", 3])],
 * }));
 * const inferred = inferValues(graph, new Map([["x", [5, 3]]]));
 * console.log(inferred.types.get("y")?.dims, inferred.constants.get("s")?.data);
 * // [5, 3] Float64Array(2) [ 5, 3 ]
 * ```
 */
export function inferValues(
  graph: Graph,
  dims: ReadonlyMap<string, readonly number[]>,
): InferredValues {
  const result = inferShapes(graph, {
    inputShapes: Object.fromEntries(dims),
    onError: "unknown",
    hostElements: HOST_ELEMENTS,
  });
  return { types: result.types, constants: result.values };
}
