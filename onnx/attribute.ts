/**
 * Typed access to ONNX node attributes: the value of an attribute checked against the type the
 * caller expects.
 *
 * @module
 */
import type { OnnxAttributes, OnnxAttributeType, OnnxGraph } from "./graph.ts";
import type { OnnxTensor } from "./tensor.ts";
import type { OnnxSparseTensor } from "./sparse_tensor.ts";
import type { OnnxType } from "./value_type.ts";

/** The value type of each attribute type. */
export interface OnnxAttributeValues {
  /** `f`. */
  float: number;
  /** `i`. */
  int: number;
  /** `s`, UTF-8 decoded. */
  string: string;
  /** `t`. */
  tensor: OnnxTensor;
  /** `g`. */
  graph: OnnxGraph;
  /** `sparse_tensor`. */
  sparse_tensor: OnnxSparseTensor;
  /** `tp`. */
  type_proto: OnnxType;
  /** `floats`. */
  floats: readonly number[];
  /** `ints`. */
  ints: readonly number[];
  /** `strings`. */
  strings: readonly string[];
  /** `tensors`. */
  tensors: readonly OnnxTensor[];
  /** `graphs`. */
  graphs: readonly OnnxGraph[];
  /** `sparse_tensors`. */
  sparse_tensors: readonly OnnxSparseTensor[];
  /** `type_protos`. */
  type_protos: readonly OnnxType[];
}

/**
 * The value of attribute `name` when it has type `type`; `undefined` when the attribute is absent.
 * Throws a `TypeError` naming the attribute when it has another type (or is an unresolved
 * function reference).
 *
 * @example Read Conv attributes with defaults
 * ```ts
 * import { getAttribute } from "./attribute.ts";
 * const attributes = {
 *   group: { name: "group", docString: "", type: "int", value: 2 },
 * } as const;
 * console.log(getAttribute(attributes, "group", "int") ?? 1); // 2
 * console.log(getAttribute(attributes, "strides", "ints") ?? [1, 1]); // [1, 1]
 * ```
 */
export function getAttribute<T extends OnnxAttributeType>(
  attributes: OnnxAttributes,
  name: string,
  type: T,
): OnnxAttributeValues[T] | undefined {
  const attribute = Object.hasOwn(attributes, name) ? attributes[name] : undefined;
  if (attribute === undefined) return undefined;
  if (attribute.type !== type) {
    throw new TypeError(
      `attribute '${name}' must be of type ${type}: it is of type ${attribute.type}`,
    );
  }
  return (attribute as unknown as { readonly value: OnnxAttributeValues[T] }).value;
}
