/**
 * What a tuned-family plan of a node is: the family, its problem, where each binding of its
 * program takes its buffer from, and (for nodes whose layout the family does not take as it is)
 * small programs run before and after the family's kernel through scratch buffers.
 *
 * @module
 */
import type { KernelProgram } from "../core/types.ts";

/** Where one binding of a family program takes its buffer from. */
export type TunedBinding =
  | { readonly kind: "input"; readonly index: number }
  | { readonly kind: "output"; readonly index: number }
  | { readonly kind: "constant"; readonly data: Float32Array }
  /** Scratch buffer `index` of {@linkcode TunedNodePlan.scratch}. */
  | { readonly kind: "scratch"; readonly index: number };

/** A program run beside the family's kernel, with the source of each of its bindings by name. */
export interface TunedProgram {
  /** The program. */
  readonly program: KernelProgram;
  /** Source of every binding of the program, by binding name. */
  readonly bindings: Readonly<Record<string, TunedBinding>>;
}

/** A node computed by a tuned family. */
export interface TunedNodePlan {
  /** Kernel family. */
  readonly op: "matmul" | "conv2d" | "attention";
  /** The family's problem. */
  readonly problem: Readonly<Record<string, unknown>>;
  /** Source of every binding of the family's program, by binding name. */
  readonly bindings: Readonly<Record<string, TunedBinding>>;
  /** Sizes (f32 elements) of the scratch buffers the bindings name. @default {[]} */
  readonly scratch?: readonly number[];
  /** Programs dispatched before the family's kernel, in order. @default {[]} */
  readonly before?: readonly TunedProgram[];
  /** Programs dispatched after it, in order. @default {[]} */
  readonly after?: readonly TunedProgram[];
}
