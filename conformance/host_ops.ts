/**
 * Host-side tensor plumbing the adapters need around the GPU kernels: element type mapping,
 * numpy broadcasting and axis permutation. Data movement only; no arithmetic of the operators.
 *
 * @module
 */
import type { OnnxTensor } from "../onnx/tensor.ts";
import { UnsupportedCase } from "./case.ts";

/** The kernels' storage types for the ONNX float types. */
export type KernelFloat = "f32" | "f16";

/**
 * The kernel dtype for a float tensor; throws {@linkcode UnsupportedCase} for other element types.
 *
 * @example Pick the kernel dtype of a float16 tensor
 * ```ts
 * import { kernelDtype } from "./host_ops.ts";
 * const t = { name: "", dataType: "float16", dims: [1], data: new Float16Array(1), docString: "" } as const;
 * console.log(kernelDtype(t, "A")); // "f16"
 * ```
 */
export function kernelDtype(tensor: OnnxTensor, role: string): KernelFloat {
  if (tensor.dataType === "float") return "f32";
  if (tensor.dataType === "float16") return "f16";
  throw new UnsupportedCase(
    `${role} has element type ${tensor.dataType}: the kernels take float and float16`,
  );
}

/**
 * The values of a numeric tensor as a `Float32Array` (float16 values are exact in float32).
 *
 * @example Read float16 values as float32
 * ```ts
 * import { toFloat32 } from "./host_ops.ts";
 * const t = { name: "", dataType: "float16", dims: [2], data: Float16Array.of(0.5, -2), docString: "" } as const;
 * console.log(toFloat32(t)); // Float32Array(2) [0.5, -2]
 * ```
 */
export function toFloat32(tensor: OnnxTensor): Float32Array {
  const { data } = tensor;
  if (Array.isArray(data) || data instanceof BigInt64Array || data instanceof BigUint64Array) {
    throw new TypeError(`tensor '${tensor.name}' of type ${tensor.dataType} has no float values`);
  }
  return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
}

/**
 * The numpy broadcast of two shapes; throws a `RangeError` when they are incompatible.
 *
 * @example Broadcast two batch shapes
 * ```ts
 * import { broadcastShapes } from "./host_ops.ts";
 * console.log(broadcastShapes([3, 1, 5], [4, 1])); // [3, 4, 5]
 * ```
 */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) {
      throw new RangeError(`shapes [${a}] and [${b}] do not broadcast: dim ${i} is ${x} vs ${y}`);
    }
    out.push(x === 1 ? y : x);
  }
  return out;
}

function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = strides[i + 1]! * shape[i + 1]!;
  return strides;
}

/** Copies `size` elements, reading source offsets from per-output-dim source strides. */
function gather(
  data: ArrayLike<number>,
  outShape: readonly number[],
  sourceStrides: readonly number[],
): Float32Array {
  const size = outShape.reduce((x, y) => x * y, 1);
  const out = new Float32Array(size);
  const index = new Array<number>(outShape.length).fill(0);
  let src = 0;
  for (let i = 0; i < size; i++) {
    out[i] = data[src]!;
    for (let d = outShape.length - 1; d >= 0; d--) {
      index[d]! += 1;
      src += sourceStrides[d]!;
      if (index[d]! < outShape[d]!) break;
      src -= sourceStrides[d]! * outShape[d]!;
      index[d] = 0;
    }
  }
  return out;
}

/**
 * Expands `data` of `shape` to `target` by numpy broadcasting (a row-major copy).
 *
 * @example Repeat a row vector
 * ```ts
 * import { broadcastTo } from "./host_ops.ts";
 * console.log(broadcastTo([1, 2], [2], [2, 2])); // Float32Array(4) [1, 2, 1, 2]
 * ```
 */
export function broadcastTo(
  data: ArrayLike<number>,
  shape: readonly number[],
  target: readonly number[],
): Float32Array {
  const full = broadcastShapes(shape, target);
  if (full.join() !== target.join()) {
    throw new RangeError(`shape [${shape}] does not broadcast to [${target}]`);
  }
  const padded = [...new Array<number>(target.length - shape.length).fill(1), ...shape];
  const strides = stridesOf(padded).map((s, i) => padded[i] === 1 ? 0 : s);
  return gather(data, target, strides);
}

/**
 * Permutes the axes of `data` of `shape`: output axis `i` is input axis `perm[i]` (numpy's
 * `transpose`).
 *
 * @example Transpose a 2×3 matrix
 * ```ts
 * import { transpose } from "./host_ops.ts";
 * console.log(transpose([1, 2, 3, 4, 5, 6], [2, 3], [1, 0])); // Float32Array(6) [1, 4, 2, 5, 3, 6]
 * ```
 */
export function transpose(
  data: ArrayLike<number>,
  shape: readonly number[],
  perm: readonly number[],
): Float32Array {
  if (perm.length !== shape.length || [...perm].sort().some((p, i) => p !== i)) {
    throw new RangeError(`'perm' must permute 0..${shape.length - 1}: current value is [${perm}]`);
  }
  const strides = stridesOf(shape);
  return gather(data, perm.map((p) => shape[p]!), perm.map((p) => strides[p]!));
}
