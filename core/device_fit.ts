/**
 * Checks that a problem fits the device before any candidate runs, so that a shape too large for
 * the device is one clear error instead of a tune full of failed candidates.
 *
 * @module
 */
import { bufferBytes } from "./dtype.ts";
import type { DeviceCaps, KernelProgram } from "./types.ts";

/**
 * Throws a `RangeError` naming the tensor when a binding of `program` is larger than the device's
 * `maxStorageBufferBindingSize`, or a dispatch dimension exceeds `maxWorkgroupsPerDimension`.
 *
 * @example
 * ```ts
 * import { DEFAULT_CAPS } from "@wgtune/wgtune/kernels";
 * import { assertFitsDevice } from "@wgtune/wgtune/tuner";
 * assertFitsDevice({
 *   code: "",
 *   entryPoint: "main",
 *   workgroupSize: [64, 1, 1],
 *   dispatch: [1, 1, 1],
 *   bindings: [{ name: "x", dtype: "f32", elements: 16, access: "read_write" }],
 *   shaderKey: "x",
 * }, DEFAULT_CAPS); // fits: no error
 * ```
 */
export function assertFitsDevice(program: KernelProgram, caps: DeviceCaps): void {
  for (const binding of program.bindings) {
    const bytes = bufferBytes(binding.dtype, binding.elements);
    if (bytes > caps.maxStorageBufferBindingSize) {
      throw new RangeError(
        `tensor '${binding.name}' needs ${bytes} bytes, more than this device's ` +
          `maxStorageBufferBindingSize of ${caps.maxStorageBufferBindingSize} bytes`,
      );
    }
  }
  program.dispatch.forEach((count, axis) => {
    if (count > caps.maxWorkgroupsPerDimension) {
      throw new RangeError(
        `the problem needs ${count} workgroups along ${"xyz"[axis]}, more than this device's ` +
          `maxComputeWorkgroupsPerDimension of ${caps.maxWorkgroupsPerDimension}`,
      );
    }
  });
}
