/**
 * Child process of the onnxruntime test helper: runs the model directory named by the first
 * argument and prints its outputs as JSON (see `runOrt` in `ort.ts`).
 *
 * @module
 */
import { runOrtDirectory } from "./ort.ts";

if (import.meta.main) {
  const dir = Deno.args[0];
  if (!dir) throw new TypeError("usage: ort_child.ts DIR");
  console.log(await runOrtDirectory(dir));
}
