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
 * ```ts ignore
 * const graph = prepareGraph(await loadGraph("model.onnx"));
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
 * ```ts ignore
 * const inferred = inferValues(graph, new Map([["x", [1, 3, 224, 224]]]));
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
