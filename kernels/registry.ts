/**
 * Kernel families by operation name. Adding a family is one folder plus one line here: the family
 * carries its default CLI problems (`defaultShapes`) and its small test problems (`testShapes`),
 * which `wgtune tune`, its help text and the kernel contract suite read from here. A family outside
 * this repository can be added at run time with {@linkcode registerKernel}.
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
 * import { KERNELS } from "@wgtune/wgtune/kernels";
 * console.log(Object.keys(KERNELS)); // ["matmul", ...]
 * ```
 */
export const KERNELS: Readonly<Record<string, AnyKernelFamily>> = Object.freeze({
  matmul: matmulFamily,
  attention: attentionFamily,
  conv2d: conv2dFamily,
});

/** Families added at run time by {@linkcode registerKernel}: a `Map`, so no name is inherited. */
const registered = new Map<string, AnyKernelFamily>();

/**
 * Every family this process knows: the built-in {@linkcode KERNELS}, then those added with
 * {@linkcode registerKernel}, in registration order.
 *
 * @example
 * ```ts
 * import { listKernels } from "@wgtune/wgtune/kernels";
 * console.log(listKernels().map((family) => family.name)); // ["matmul", "attention", "conv2d"]
 * ```
 */
export function listKernels(): AnyKernelFamily[] {
  return [...Object.values(KERNELS), ...registered.values()];
}

/**
 * Adds a kernel family to this process's registry, so that {@linkcode getKernel}, `tune()` and
 * `runOp()` find it by name; returns a function that removes it again. Families registered this
 * way run in process only: `isolation: "process"` and the float64 reference worker load the
 * built-in families alone. Throws a `RangeError` when the name is taken or not a non-empty
 * string, and a `TypeError` when `family` lacks a member of {@linkcode KernelFamily}.
 *
 * @example Register a family under a new name, then remove it
 * ```ts
 * import { getKernel, registerKernel } from "@wgtune/wgtune/kernels";
 * const unregister = registerKernel({ ...getKernel("matmul"), name: "my_matmul" });
 * console.log(getKernel("my_matmul").version); // 2
 * unregister();
 * ```
 */
export function registerKernel(family: AnyKernelFamily): () => void {
  if (family === null || typeof family !== "object") {
    throw new TypeError(`'family' must be a kernel family object: current value is ${family}`);
  }
  const { name } = family;
  if (typeof name !== "string" || name === "") {
    throw new RangeError(`'family.name' must be a non-empty string: current value is ${name}`);
  }
  if (Object.hasOwn(KERNELS, name) || registered.has(name)) {
    throw new RangeError(`'family.name' is already registered: current value is '${name}'`);
  }
  for (const member of FAMILY_FUNCTIONS) {
    if (typeof family[member] !== "function") {
      throw new TypeError(
        `'family.${member}' must be a function: current value is ${family[member]}`,
      );
    }
  }
  for (const member of ["defaultShapes", "testShapes"] as const) {
    if (!Array.isArray(family[member]) || family[member].length === 0) {
      throw new TypeError(`'family.${member}' must be a non-empty array of shape strings`);
    }
  }
  if (!Number.isInteger(family.version) || family.version < 0) {
    throw new RangeError(
      `'family.version' must be an integer >= 0: current value is ${family.version}`,
    );
  }
  registered.set(name, family);
  return () => {
    if (registered.get(name) === family) registered.delete(name);
  };
}

const FAMILY_FUNCTIONS = [
  "normalizeProblem",
  "parseShape",
  "problemKey",
  "space",
  "defaultConfig",
  "generate",
  "flops",
  "makeInputs",
  "reference",
  "tolerance",
] as const;

/**
 * Looks a family up by name; throws a `RangeError` listing the known names otherwise (inherited
 * names such as `"toString"` are unknown too), and a `TypeError` when `op` is not a string.
 *
 * @example
 * ```ts
 * import { getKernel } from "@wgtune/wgtune/kernels";
 * console.log(getKernel("matmul").name); // "matmul"
 * ```
 */
export function getKernel(op: string): AnyKernelFamily {
  if (typeof op !== "string") {
    throw new TypeError(`'op' must be a string: current value is ${String(op)}`);
  }
  // Own properties only: `toString` or `constructor` must not reach Object.prototype.
  const family = Object.hasOwn(KERNELS, op) ? KERNELS[op] : registered.get(op);
  if (!family) {
    const names = listKernels().map((known) => known.name).join(", ");
    throw new RangeError(`unknown op '${op}': expected one of ${names}`);
  }
  return family;
}
