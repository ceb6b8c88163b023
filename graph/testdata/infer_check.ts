/**
 * Test helper: checks shape inference and host evaluation against onnxruntime by running a model
 * with every intermediate value exposed as a graph output.
 *
 * @module
 */
import type { OnnxDataType } from "../../onnx/data_type.ts";
import type { OnnxTensor } from "../../onnx/tensor.ts";
import type { Graph } from "../ir.ts";
import { inferShapes, type ShapeInference } from "../shape_inference.ts";
import { modelFromGraph } from "../to_model.ts";
import { runOrt } from "./ort.ts";

const ORT_NAMES: Partial<Record<OnnxDataType, string>> = { float: "float32", double: "float64" };

/** What {@linkcode checkInference} compared. */
export interface InferenceCheck {
  /** The inference result. */
  readonly result: ShapeInference;
  /** Values whose dims and type were compared with onnxruntime. */
  readonly compared: number;
  /** Host-evaluated values whose contents were compared. */
  readonly hostCompared: number;
  /** Mismatches, one line each (empty when all agree). */
  readonly mismatches: string[];
}

/**
 * Runs `graph` on onnxruntime with every node output exposed, infers shapes from the feeds' dims,
 * and lists every disagreement in dims, element type or host-computed values.
 */
export async function checkInference(
  graph: Graph,
  feeds: Readonly<Record<string, OnnxTensor>>,
): Promise<InferenceCheck> {
  const inputShapes: Record<string, readonly number[]> = {};
  for (const [name, t] of Object.entries(feeds)) inputShapes[name] = t.dims;
  const result = inferShapes(graph, { inputShapes });
  const names = new Set<string>();
  for (const n of graph.nodes) for (const o of n.outputs) if (o) names.add(o);
  const exposed: Graph = {
    ...graph,
    outputs: [...names].map((name) => ({ name, dataType: undefined, dims: undefined })),
    valueInfo: new Map(),
    // onnxruntime 1.23 reads IR versions up to 11 and opsets up to 23: newer models are tried
    // at those versions (their nodes may then fail to load, and the caller skips them).
    irVersion: Math.min(graph.irVersion, 11),
    opsetImports: graph.opsetImports.map((o) =>
      o.domain === "" || o.domain === "ai.onnx" ? { ...o, version: Math.min(o.version, 23) } : o
    ),
  };
  const ort = await runOrt(modelFromGraph(exposed), feeds);
  const mismatches: string[] = [];
  let compared = 0, hostCompared = 0;
  for (const name of names) {
    const expected = ort[name];
    const inferred = result.types.get(name);
    if (!expected || !inferred) continue;
    compared++;
    const ortType = ORT_NAMES[inferred.dataType] ?? inferred.dataType;
    if (
      expected.dims.join(",") !== inferred.dims.join(",") || expected.dataType !== ortType
    ) {
      mismatches.push(
        `${name}: inferred ${inferred.dataType} [${inferred.dims}], onnxruntime ${expected.dataType} [${expected.dims}]`,
      );
      continue;
    }
    const host = result.values.get(name);
    if (host && !graph.initializers.has(name)) {
      hostCompared++;
      const got = Array.from(host.data as ArrayLike<number>, Number);
      const bad = got.findIndex((v, i) => {
        const e = expected.data[i]!;
        return !(v === e || Math.abs(v - e) <= 1e-6 * Math.max(1, Math.abs(e)) ||
          (isNaN(v) && isNaN(e)));
      });
      if (bad >= 0) {
        mismatches.push(
          `${name}: host value [${bad}] ${got[bad]}, onnxruntime ${expected.data[bad]}`,
        );
      }
    }
  }
  return { result, compared, hostCompared, mismatches };
}
