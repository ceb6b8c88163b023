/**
 * Low-level GPU access: devices and their fingerprints, compiling and running a generated
 * `KernelProgram`, and encoding tensors into storage buffers. Most users need only
 * `openDevice` and the ops of the root module.
 *
 * @example Encode a tensor as stored on the GPU
 * ```ts
 * import { decodeTensor, encodeTensor } from "@wgtune/wgtune/gpu";
 * const back = decodeTensor("f16", encodeTensor("f16", [1, 2.5]), 2);
 * console.log([...back]); // [1, 2.5]
 * ```
 *
 * @module
 */
export * from "./device.ts";
export * from "./fingerprint.ts";
export * from "./program.ts";
export * from "./tensor_io.ts";
export { bufferBytes, roundToDtype } from "../core/dtype.ts";
