/**
 * Multidirectional (numpy-style) broadcasting of shapes, shared by shape inference and host
 * evaluation.
 *
 * @module
 */

/**
 * The broadcast shape of several shapes; `undefined` when they do not broadcast.
 *
 * @example
 * ```ts
 * import { broadcastDims } from "./broadcast.ts";
 * console.log(broadcastDims([[2, 1, 4], [3, 1]]), broadcastDims([[2], [3]])); // [2, 3, 4] undefined
 * ```
 */
export function broadcastDims(shapes: readonly (readonly number[])[]): number[] | undefined {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const k = s.length - rank + i;
      const v = k >= 0 ? s[k]! : 1;
      if (v === 1) continue;
      if (d !== 1 && d !== v) return undefined;
      d = v;
    }
    out.push(d);
  }
  return out;
}

/**
 * Row-major strides of a shape.
 *
 * @example
 * ```ts
 * import { stridesOf } from "./broadcast.ts";
 * console.log(stridesOf([2, 3, 4])); // [12, 4, 1]
 * ```
 */
export function stridesOf(dims: readonly number[]): number[] {
  const out = new Array<number>(dims.length);
  let s = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    out[i] = s;
    s *= dims[i]!;
  }
  return out;
}

/**
 * For every element of `outDims`, the flat index of the element of a tensor of shape `dims`
 * broadcast to it.
 *
 * @example
 * ```ts
 * import { broadcastIndex } from "./broadcast.ts";
 * console.log(broadcastIndex([3], [2, 3])); // Int32Array(6) [0, 1, 2, 0, 1, 2]
 * ```
 */
export function broadcastIndex(dims: readonly number[], outDims: readonly number[]): Int32Array {
  const size = outDims.reduce((a, b) => a * b, 1);
  const out = new Int32Array(size);
  const rank = outDims.length;
  const inStrides = stridesOf(dims);
  const offset = rank - dims.length;
  const counter = new Array<number>(rank).fill(0);
  for (let i = 0; i < size; i++) {
    let idx = 0;
    for (let d = offset; d < rank; d++) {
      if (dims[d - offset] !== 1) idx += counter[d]! * inStrides[d - offset]!;
    }
    out[i] = idx;
    for (let d = rank - 1; d >= 0; d--) {
      if (++counter[d]! < outDims[d]!) break;
      counter[d] = 0;
    }
  }
  return out;
}
