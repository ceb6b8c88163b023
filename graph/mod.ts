/**
 * The in-memory graph that the runtime, the optimizer and the quantizer work on: built from a
 * decoded ONNX model (weights from initializers, Constant nodes and external data), written back as
 * a model, normalized to the newest opset forms, and annotated by shape and type inference from
 * concrete input shapes (with small shape computations evaluated on the host).
 *
 * @example Load, normalize and infer
 * ```ts
 * import { graphFromModel, inferShapes, normalizeOpsets } from "./mod.ts";
 * import { buildModel, buildNode, float, valueInfo } from "../onnx/build.ts";
 * const model = buildModel({
 *   nodes: [buildNode("Clip", ["x"], ["c"], { min: float(0), max: float(6) }), buildNode("Flatten", ["c"], ["y"])],
 *   inputs: [valueInfo("x", "float", ["N", 3, 4])],
 *   outputs: [valueInfo("y", "float", undefined)],
 *   opset: 9,
 * });
 * const graph = normalizeOpsets(graphFromModel(model));
 * const { types } = inferShapes(graph, { inputShapes: { x: [2, 3, 4] } });
 * console.log(graph.nodes[0]?.inputs.length, types.get("y")?.dims); // 3 [2, 12]
 * ```
 *
 * @module
 */
export * from "./broadcast.ts";
export * from "./from_model.ts";
export * from "./host_eval.ts";
export * from "./ir.ts";
export * from "./normalize.ts";
export * from "./shape_inference.ts";
export * from "./shape_ops.ts";
export * from "./subgraph.ts";
export * from "./to_model.ts";
