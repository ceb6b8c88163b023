/**
 * Cases from the ONNX backend node tests (`onnx-node/test_*`): each folder holds `model.onnx` and
 * `test_data_set_0/input_N.pb`, `output_N.pb`, numbered in the order of the graph's inputs and
 * outputs.
 *
 * @module
 */
import { readModelFile } from "../onnx/model.ts";
import { type OnnxTensor, readTensorFile } from "../onnx/tensor.ts";
import { opsetVersion } from "../onnx/model.ts";
import type { ConformanceCase } from "./case.ts";

/** Picks the operators to load, by type and domain. */
export type OpSelector = (opType: string, domain: string) => boolean;

async function readIfExists(url: URL): Promise<OnnxTensor | undefined> {
  try {
    return await readTensorFile(url);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * Loads every `onnx-node/test_*` folder under `dir` whose model is a single node accepted by
 * `select`, in folder-name order. Node inputs that are graph inputs read `input_N.pb`; those that
 * are initializers take the initializer; empty names stay `undefined`. Outputs likewise.
 *
 * @example Load the Gemm backend tests
 * ```ts ignore
 * import { loadOnnxNodeCases } from "./onnx_node_cases.ts";
 * import { conformanceDir } from "./data_dir.ts";
 * const cases = await loadOnnxNodeCases(conformanceDir(), (op) => op === "Gemm");
 * console.log(cases.length); // 11
 * ```
 */
export async function loadOnnxNodeCases(
  dir: URL,
  select: OpSelector,
): Promise<ConformanceCase[]> {
  const root = new URL("onnx-node/", dir);
  const names = [...Deno.readDirSync(root)]
    .filter((e) => e.isDirectory && e.name.startsWith("test_"))
    .map((e) => e.name)
    .sort();
  const cases: ConformanceCase[] = [];
  for (const name of names) {
    const folder = new URL(`${name}/`, root);
    const model = await readModelFile(new URL("model.onnx", folder));
    const { graph } = model;
    const node = graph.nodes[0];
    if (graph.nodes.length !== 1 || !node || !select(node.opType, node.domain)) continue;
    const data = new URL("test_data_set_0/", folder);
    const resolve = async (
      names: readonly string[],
      values: readonly { name: string }[],
      prefix: string,
    ) =>
      await Promise.all(names.map(async (valueName) => {
        if (valueName === "") return undefined;
        const index = values.findIndex((v) => v.name === valueName);
        if (index >= 0) return await readIfExists(new URL(`${prefix}_${index}.pb`, data));
        return graph.initializers.find((t) => t.name === valueName);
      }));
    cases.push({
      id: `onnx-node/${name}`,
      source: "onnx-node",
      opType: node.opType,
      domain: node.domain,
      opset: opsetVersion(model, node.domain),
      attributes: node.attributes,
      inputs: await resolve(node.inputs, graph.inputs, "input"),
      outputs: await resolve(node.outputs, graph.outputs, "output"),
    });
  }
  return cases;
}
