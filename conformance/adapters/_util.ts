/**
 * Private helpers shared by the adapters.
 *
 * @module
 */
import type { OnnxTensor } from "../../onnx/tensor.ts";
import type { ConformanceCase } from "../case.ts";
import { UnsupportedCase } from "../case.ts";
import type { OpExecutor } from "../executor.ts";

/**
 * The product of a shape's dims (1 for a scalar).
 *
 * @example Elements of a 2×3×4 tensor
 * ```ts
 * import { product } from "./_util.ts";
 * console.log(product([2, 3, 4]), product([])); // 24 1
 * ```
 */
export function product(dims: readonly number[]): number {
  return dims.reduce((x, y) => x * y, 1);
}

/**
 * Input `index` of a case, which must be present; throws a `TypeError` naming it otherwise.
 *
 * @example Require operand A
 * ```ts ignore
 * const a = requiredInput(c, 0, "A");
 * ```
 */
export function requiredInput(c: ConformanceCase, index: number, role: string): OnnxTensor {
  const tensor = c.inputs[index];
  if (!tensor) throw new TypeError(`${c.id}: input ${index} (${role}) is missing`);
  return tensor;
}

/**
 * Throws {@linkcode UnsupportedCase} when the device lacks `shader-f16` and `dtype` needs it.
 *
 * @example Refuse f16 on a device without shader-f16
 * ```ts ignore
 * requireDtype({ ...exec, shaderF16: false }, "f16"); // throws UnsupportedCase
 * ```
 */
export function requireDtype(exec: OpExecutor, dtype: "f32" | "f16"): void {
  if (dtype === "f16" && !exec.shaderF16) {
    throw new UnsupportedCase("float16 data needs the shader-f16 feature, which this device lacks");
  }
}
