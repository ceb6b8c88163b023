/**
 * The check that an argument is an open {@linkcode Gpu}: shared by every public entry point that
 * takes a device.
 *
 * @module
 */
import { describeValue } from "../core/describe.ts";
import type { Gpu } from "./device.ts";

/**
 * Throws unless `gpu` is an open {@linkcode Gpu}: a `TypeError` for anything that is not a `Gpu`,
 * an `Error` ("the GPU device is closed") after `gpu.close()`.
 *
 * @example
 * ```ts
 * import { assertOpenGpu } from "./assert_gpu.ts";
 * try {
 *   assertOpenGpu(null);
 * } catch (error) {
 *   console.log((error as Error).message); // "'gpu' must be a Gpu from openDevice(): current value is null"
 * }
 * ```
 */
export function assertOpenGpu(gpu: unknown): asserts gpu is Gpu {
  if (
    typeof gpu !== "object" || gpu === null || !("device" in gpu) || !("caps" in gpu) ||
    typeof gpu.device !== "object" || gpu.device === null
  ) {
    throw new TypeError(
      `'gpu' must be a Gpu from openDevice(): current value is ${describeValue(gpu)}`,
    );
  }
  if ((gpu as { closed?: unknown }).closed === true) {
    throw new Error("the GPU device is closed: 'gpu' was closed with close(); call openDevice()");
  }
}
