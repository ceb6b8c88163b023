/**
 * Kernel families by operation name. Adding a family is one folder plus one line here.
 *
 * @module
 */
import { attentionFamily } from "./attention/family.ts";
import { conv2dFamily } from "./conv2d/family.ts";
import { matmulFamily } from "./matmul/family.ts";
import type { AnyKernelFamily } from "./types.ts";

/**
 * Kernel families by name.
 *
 * @example
 * ```ts
 * import { KERNELS } from "@wgtune/wgtune";
 * console.log(Object.keys(KERNELS)); // ["matmul", ...]
 * ```
 */
export const KERNELS: Readonly<Record<string, AnyKernelFamily>> = Object.freeze({
  matmul: matmulFamily,
  attention: attentionFamily,
  conv2d: conv2dFamily,
});

/**
 * Looks a family up by name; throws a `RangeError` listing the known names otherwise (inherited
 * names such as `"toString"` are unknown too), and a `TypeError` when `op` is not a string.
 *
 * @example
 * ```ts
 * import { getKernel } from "@wgtune/wgtune";
 * console.log(getKernel("matmul").name); // "matmul"
 * ```
 */
export function getKernel(op: string): AnyKernelFamily {
  if (typeof op !== "string") {
    throw new TypeError(`'op' must be a string: current value is ${String(op)}`);
  }
  // Own properties only: `toString` or `constructor` must not reach Object.prototype.
  const family = Object.hasOwn(KERNELS, op) ? KERNELS[op] : undefined;
  if (!family) {
    throw new RangeError(`unknown op '${op}': expected one of ${Object.keys(KERNELS).join(", ")}`);
  }
  return family;
}
