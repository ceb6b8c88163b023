/**
 * The contract between the model runtime and the WGSL programs of ONNX ops that are not tuned
 * kernel families (elementwise, normalization, reductions, pooling, data movement, Q/DQ in f32).
 *
 * An op generator is pure: a {@linkcode OpNode} (opset-normalized attributes, the dtypes and dims
 * of every input and output, the values of inputs known at plan time) goes in, an
 * {@linkcode OpPlan} (one or more {@linkcode KernelProgram}s plus scratch buffers) comes out.
 * Nothing here touches a `GPUDevice`.
 *
 * Binding names: a program binds node input `i` as `in${i}`, node output `i` as `out${i}` and
 * scratch buffer `j` as `scratch${j}`; the runtime maps each name to the buffer it planned. The
 * programs of a plan run in order, in one compute pass.
 *
 * Nodes arrive in the form of the newest opset (graph normalization turns the attribute forms of
 * old opsets, such as Clip's `min`/`max` or Slice's `starts`/`ends`, into inputs first), so a
 * generator implements only the newest semantics.
 *
 * @module
 */
import type { Dtype, KernelProgram } from "../../core/types.ts";
import type { OnnxAttributes } from "../../onnx/graph.ts";
import type { OnnxDataType } from "../../onnx/data_type.ts";

/**
 * How a tensor is stored on the GPU: every floating type as `f32`, every integer and boolean type
 * as `i32` (one value per 32-bit word; int64 values are assumed to fit).
 */
export type GpuDtype = "f32" | "i32";

/** Dims and storage type of one tensor. */
export interface TensorInfo {
  /** Shape; `[]` is a scalar. */
  readonly dims: readonly number[];
  /** Storage type on the GPU. */
  readonly dtype: GpuDtype;
  /**
   * The ONNX element type, when the runtime knows it: `dtype` erases the difference between
   * uint8 and int8, which QuantizeLinear's saturation range (and Cast's wrap-around) needs.
   */
  readonly elemType?: OnnxDataType;
}

/** One node, ready for a generator. */
export interface OpNode {
  /** ONNX operator, for example `"Add"`. */
  readonly opType: string;
  /** Attributes as decoded from the model (after opset normalization). */
  readonly attributes: OnnxAttributes;
  /** One entry per input; `undefined` marks an omitted optional input. */
  readonly inputs: readonly (TensorInfo | undefined)[];
  /** One entry per output, with dims from shape inference. */
  readonly outputs: readonly TensorInfo[];
  /**
   * Values of the inputs known when the session is planned (initializers, host-computed shape
   * values), row-major; `undefined` for inputs only known at run time.
   */
  readonly constants: readonly (readonly number[] | undefined)[];
}

/** A scratch buffer a plan needs beside its inputs and outputs. */
export interface ScratchBuffer {
  /** Binding name, `scratch${j}`. */
  readonly name: string;
  /** Storage type. */
  readonly dtype: Dtype;
  /** Number of elements. */
  readonly elements: number;
}

/** The programs that compute one node. */
export interface OpPlan {
  /** Programs, dispatched in order. */
  readonly programs: readonly KernelProgram[];
  /** Scratch buffers the programs bind by name. */
  readonly scratch: readonly ScratchBuffer[];
}

/** A generator for one or more op types. */
export interface OpGenerator {
  /** The ONNX op types it plans (default domain). */
  readonly opTypes: readonly string[];
  /**
   * Plans one node. Throws {@linkcode UnsupportedOpError} for a form it does not implement (the
   * runtime then runs the node on onnxruntime's CPU provider) and `RangeError` for an invalid node.
   */
  plan(node: OpNode): OpPlan;
}

/**
 * A node form that has no WebGPU program: the runtime runs such nodes through its fallback.
 *
 * @example
 * ```ts
 * import { UnsupportedOpError } from "./types.ts";
 * const e = new UnsupportedOpError("Resize", "mode 'cubic'");
 * console.log(e.message); // "Resize: mode 'cubic' is not supported on WebGPU"
 * ```
 */
export class UnsupportedOpError extends Error {
  /** Creates the error for `opType`, saying what is not supported. */
  constructor(readonly opType: string, what: string) {
    super(`${opType}: ${what} is not supported on WebGPU`);
    this.name = "UnsupportedOpError";
  }
}
