/**
 * Typed reads of node attributes with defaults, for op generators.
 *
 * @module
 */
import type { OnnxAttributes } from "../../onnx/graph.ts";

function get(attrs: OnnxAttributes, name: string, type: string) {
  const a = attrs[name];
  if (a === undefined) return undefined;
  if (a.type !== type || !("value" in a)) {
    throw new RangeError(`attribute '${name}' must be of type ${type}: it is ${a.type}`);
  }
  return a.value;
}

/**
 * The `int` attribute `name`, or `fallback` when absent.
 *
 * @example
 * ```ts
 * import { intAttr } from "./attributes.ts";
 * console.log(intAttr({ axis: { name: "axis", docString: "", type: "int", value: 1 } }, "axis", -1)); // 1
 * ```
 */
export function intAttr(attrs: OnnxAttributes, name: string, fallback: number): number {
  return (get(attrs, name, "int") as number | undefined) ?? fallback;
}

/**
 * The `float` attribute `name`, or `fallback` when absent.
 *
 * @example
 * ```ts
 * import { floatAttr } from "./attributes.ts";
 * console.log(floatAttr({}, "alpha", 0.01)); // 0.01
 * ```
 */
export function floatAttr(attrs: OnnxAttributes, name: string, fallback: number): number {
  return (get(attrs, name, "float") as number | undefined) ?? fallback;
}

/**
 * The `string` attribute `name`, or `fallback` when absent.
 *
 * @example
 * ```ts
 * import { stringAttr } from "./attributes.ts";
 * console.log(stringAttr({}, "mode", "nearest")); // "nearest"
 * ```
 */
export function stringAttr(attrs: OnnxAttributes, name: string, fallback: string): string {
  return (get(attrs, name, "string") as string | undefined) ?? fallback;
}

/**
 * The `ints` attribute `name`, or `fallback` when absent.
 *
 * @example
 * ```ts
 * import { intsAttr } from "./attributes.ts";
 * console.log(intsAttr({}, "perm", undefined)); // undefined
 * ```
 */
export function intsAttr<T extends readonly number[] | undefined>(
  attrs: OnnxAttributes,
  name: string,
  fallback: T,
): readonly number[] | T {
  return (get(attrs, name, "ints") as readonly number[] | undefined) ?? fallback;
}

/**
 * The `floats` attribute `name`, or `fallback` when absent.
 *
 * @example
 * ```ts
 * import { floatsAttr } from "./attributes.ts";
 * console.log(floatsAttr({}, "scales", [])); // []
 * ```
 */
export function floatsAttr<T extends readonly number[] | undefined>(
  attrs: OnnxAttributes,
  name: string,
  fallback: T,
): readonly number[] | T {
  return (get(attrs, name, "floats") as readonly number[] | undefined) ?? fallback;
}
