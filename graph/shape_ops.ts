/**
 * Output dims of the data-movement ops from their input dims and constant operands, shared by shape
 * inference and host evaluation. Each function throws a `RangeError` for an invalid operand.
 *
 * @module
 */

/** An axis in `[-rank, rank)` as a non-negative index. */
export function normalizeAxis(axis: number, rank: number, what = "axis"): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    throw new RangeError(`'${what}' must be in [${-rank}, ${rank}): current value is ${axis}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * Reshape's output dims (`0` copies the input dim unless `allowzero`, one `-1` is inferred).
 *
 * @example
 * ```ts
 * import { reshapeDims } from "./shape_ops.ts";
 * console.log(reshapeDims([2, 3, 4], [0, -1])); // [2, 12]
 * ```
 */
export function reshapeDims(
  dims: readonly number[],
  shape: readonly number[],
  allowzero = false,
): number[] {
  const size = dims.reduce((a, b) => a * b, 1);
  const out = shape.map((s, i) => (s === 0 && !allowzero ? dims[i] ?? 0 : s));
  const unknown = out.indexOf(-1);
  if (out.some((d, i) => d < -1 || (d === -1 && i !== unknown))) {
    throw new RangeError(`'shape' must hold at most one -1 and no other negative: [${shape}]`);
  }
  if (unknown >= 0) {
    const known = out.reduce((a, d, i) => (i === unknown ? a : a * d), 1);
    if (known === 0 || size % known !== 0) {
      throw new RangeError(`'shape' [${shape}] does not fit ${size} elements`);
    }
    out[unknown] = size / known;
  }
  if (out.reduce((a, b) => a * b, 1) !== size) {
    throw new RangeError(`'shape' [${shape}] does not hold ${size} elements of [${dims}]`);
  }
  return out;
}

/**
 * Flatten's 2-D output dims.
 *
 * @example
 * ```ts
 * import { flattenDims } from "./shape_ops.ts";
 * console.log(flattenDims([2, 3, 4], 1), flattenDims([2, 3], 0)); // [2, 12] [1, 6]
 * ```
 */
export function flattenDims(dims: readonly number[], axis: number): number[] {
  const a = axis < 0 ? axis + dims.length : axis;
  if (a < 0 || a > dims.length) {
    throw new RangeError(
      `'axis' must be in [${-dims.length}, ${dims.length}]: current value is ${axis}`,
    );
  }
  const prod = (xs: readonly number[]) => xs.reduce((p, d) => p * d, 1);
  return [prod(dims.slice(0, a)), prod(dims.slice(a))];
}

/**
 * Squeeze's output dims (all 1-dims when `axes` is undefined).
 *
 * @example
 * ```ts
 * import { squeezeDims } from "./shape_ops.ts";
 * console.log(squeezeDims([1, 3, 1], [-1]), squeezeDims([1, 3, 1])); // [1, 3] [3]
 * ```
 */
export function squeezeDims(dims: readonly number[], axes?: readonly number[]): number[] {
  if (!axes) return dims.filter((d) => d !== 1);
  const drop = new Set(axes.map((a) => normalizeAxis(a, dims.length, "axes")));
  for (const a of drop) {
    if (dims[a] !== 1) throw new RangeError(`Squeeze axis ${a} has size ${dims[a]}, not 1`);
  }
  return dims.filter((_, i) => !drop.has(i));
}

/**
 * Unsqueeze's output dims.
 *
 * @example
 * ```ts
 * import { unsqueezeDims } from "./shape_ops.ts";
 * console.log(unsqueezeDims([3, 4], [0, -1])); // [1, 3, 4, 1]
 * ```
 */
export function unsqueezeDims(dims: readonly number[], axes: readonly number[]): number[] {
  const rank = dims.length + axes.length;
  const at = new Set(axes.map((a) => normalizeAxis(a, rank, "axes")));
  if (at.size !== axes.length) throw new RangeError(`'axes' must not repeat: [${axes}]`);
  const out: number[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) out.push(at.has(i) ? 1 : dims[k++]!);
  return out;
}

/**
 * Transpose's permutation (reversed dims by default) checked against the rank.
 *
 * @example
 * ```ts
 * import { transposePerm } from "./shape_ops.ts";
 * console.log(transposePerm(3), transposePerm(3, [0, 2, 1])); // [2, 1, 0] [0, 2, 1]
 * ```
 */
export function transposePerm(rank: number, perm?: readonly number[]): number[] {
  const p = perm ? [...perm] : Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const sorted = [...p].sort((a, b) => a - b);
  if (p.length !== rank || sorted.some((v, i) => v !== i)) {
    throw new RangeError(`'perm' must be a permutation of ${rank} axes: [${perm}]`);
  }
  return p;
}

/** Per-axis parameters of a Slice: start index, step and output length. */
export interface SliceAxis {
  /** First element taken. */
  readonly start: number;
  /** Step between elements. */
  readonly step: number;
  /** Number of elements taken. */
  readonly length: number;
}

/**
 * The resolved Slice parameters for every axis (clamped as the ONNX spec says).
 *
 * @example
 * ```ts
 * import { sliceAxes } from "./shape_ops.ts";
 * console.log(sliceAxes([10], [-3], [1000]).map((a) => a.length)); // [3]
 * console.log(sliceAxes([5], [-1], [-1000], undefined, [-2])[0]); // { start: 4, step: -2, length: 3 }
 * ```
 */
export function sliceAxes(
  dims: readonly number[],
  starts: readonly number[],
  ends: readonly number[],
  axes?: readonly number[],
  steps?: readonly number[],
): SliceAxis[] {
  const out: SliceAxis[] = dims.map((d) => ({ start: 0, step: 1, length: d }));
  const ax = axes ?? starts.map((_, i) => i);
  if (starts.length !== ends.length || ax.length !== starts.length) {
    throw new RangeError(`Slice 'starts', 'ends' and 'axes' must have one length`);
  }
  ax.forEach((axis, i) => {
    const a = normalizeAxis(axis, dims.length, "axes");
    const d = dims[a]!;
    const step = steps?.[i] ?? 1;
    if (step === 0) throw new RangeError(`Slice 'steps' must not be 0`);
    let start = starts[i]!;
    let end = ends[i]!;
    start = start < 0 ? start + d : start;
    end = end < 0 ? end + d : end;
    if (step > 0) {
      start = Math.min(Math.max(start, 0), d);
      end = Math.min(Math.max(end, 0), d);
    } else {
      start = Math.min(Math.max(start, 0), d - 1);
      end = Math.min(Math.max(end, -1), d - 1);
    }
    const length = Math.max(0, Math.ceil((end - start) / step));
    out[a] = { start, step, length };
  });
  return out;
}

/**
 * Gather's output dims: `data[:axis] + indices + data[axis+1:]`.
 *
 * @example
 * ```ts
 * import { gatherDims } from "./shape_ops.ts";
 * console.log(gatherDims([5, 4], [2, 3], 0)); // [2, 3, 4]
 * ```
 */
export function gatherDims(
  data: readonly number[],
  indices: readonly number[],
  axis: number,
): number[] {
  const a = normalizeAxis(axis, data.length);
  return [...data.slice(0, a), ...indices, ...data.slice(a + 1)];
}

/**
 * Concat's output dims; throws a `RangeError` when the other dims differ.
 *
 * @example
 * ```ts
 * import { concatDims } from "./shape_ops.ts";
 * console.log(concatDims([[2, 3], [2, 5]], -1)); // [2, 8]
 * ```
 */
export function concatDims(shapes: readonly (readonly number[])[], axis: number): number[] {
  const first = shapes[0];
  if (!first) throw new RangeError("Concat needs at least one input");
  const a = normalizeAxis(axis, first.length);
  const out = [...first];
  out[a] = 0;
  for (const s of shapes) {
    if (s.length !== first.length || s.some((d, i) => i !== a && d !== first[i])) {
      throw new RangeError(`Concat inputs [${first}] and [${s}] differ outside axis ${a}`);
    }
    out[a] += s[a]!;
  }
  return out;
}

/**
 * The number of elements of Range(start, limit, delta).
 *
 * @example
 * ```ts
 * import { rangeLength } from "./shape_ops.ts";
 * console.log(rangeLength(0, 10, 3), rangeLength(5, 0, 1)); // 4 0
 * ```
 */
export function rangeLength(start: number, limit: number, delta: number): number {
  if (delta === 0) throw new RangeError("Range 'delta' must not be 0");
  return Math.max(Math.ceil((limit - start) / delta), 0);
}
