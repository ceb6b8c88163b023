/**
 * Host evaluation of the small integer and float computations that feed shapes (Shape → Gather →
 * Concat → Reshape and the like): shape inference runs these nodes on the CPU when all their inputs
 * are known, so that Reshape targets, Slice bounds and Resize sizes become constants.
 *
 * @module
 */
import type { OnnxAttributes } from "../onnx/graph.ts";
import { dataTypeFromCode, type OnnxDataType } from "../onnx/data_type.ts";
import type { OnnxTensor } from "../onnx/tensor.ts";
import { buildTensor } from "../onnx/build.ts";
import { broadcastDims, broadcastIndex, stridesOf } from "./broadcast.ts";
import type { NodeView } from "./ir.ts";
import {
  concatDims,
  flattenDims,
  gatherDims,
  normalizeAxis,
  rangeLength,
  reshapeDims,
  sliceAxes,
  squeezeDims,
  transposePerm,
  unsqueezeDims,
} from "./shape_ops.ts";

/** The op types {@linkcode evaluateOnHost} computes. */
export const HOST_OPS: ReadonlySet<string> = new Set([
  "Identity",
  "Cast",
  "CastLike",
  "Shape",
  "Size",
  "Neg",
  "Abs",
  "Floor",
  "Ceil",
  "Round",
  "Sqrt",
  "Reciprocal",
  "Exp",
  "Log",
  "Relu",
  "Sign",
  "Not",
  "Add",
  "Sub",
  "Mul",
  "Div",
  "Pow",
  "Mod",
  "Max",
  "Min",
  "Sum",
  "Mean",
  "Equal",
  "Less",
  "Greater",
  "LessOrEqual",
  "GreaterOrEqual",
  "And",
  "Or",
  "Xor",
  "Where",
  "Gather",
  "Concat",
  "Unsqueeze",
  "Squeeze",
  "Reshape",
  "Flatten",
  "Transpose",
  "Slice",
  "Expand",
  "Tile",
  "Range",
  "ConstantOfShape",
  "ReduceProd",
  "ReduceSum",
  "ReduceMin",
  "ReduceMax",
  "ReduceMean",
  "Clip",
]);

const INTEGER = new Set<OnnxDataType>([
  "int8",
  "int16",
  "int32",
  "int64",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
]);

/** Values of a numeric tensor as plain numbers (booleans 0/1); `undefined` for strings. */
export function tensorNumbers(t: OnnxTensor): number[] | undefined {
  if (Array.isArray(t.data)) return undefined;
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

/** Values rounded to what `dataType` holds. */
function roundTo(dataType: OnnxDataType, v: number): number {
  switch (dataType) {
    case "float":
      return Math.fround(v);
    case "double":
      return v;
    case "bool":
      return v ? 1 : 0;
    case "int32":
      return Number.isFinite(v) ? Math.trunc(v) | 0 : 0;
    case "uint8":
      return Number.isFinite(v) ? Math.trunc(v) & 0xff : 0;
    case "int8":
      return Number.isFinite(v) ? (Math.trunc(v) << 24) >> 24 : 0;
    default:
      return INTEGER.has(dataType) ? (Number.isFinite(v) ? Math.trunc(v) : 0) : v;
  }
}

/**
 * A host tensor of `dataType` from plain numbers, rounded to the type, in the decoder's array type
 * (int64 and uint64 as `Float64Array`, as the decoder stores safe values).
 *
 * @example
 * ```ts
 * import { hostTensor } from "./host_eval.ts";
 * console.log(hostTensor("s", "int64", [2], [3, 4]).data); // Float64Array(2) [3, 4]
 * ```
 */
export function hostTensor(
  name: string,
  dataType: OnnxDataType,
  dims: readonly number[],
  values: ArrayLike<number>,
): OnnxTensor {
  // The array type of each element type is the decoder's (onnx/tensor.ts), as buildTensor keeps it.
  return buildTensor(name, dataType, dims, Array.from(values, (v) => roundTo(dataType, v)));
}

function intAttr(a: OnnxAttributes, name: string, fallback: number): number {
  const v = a[name];
  return v && v.type === "int" ? v.value : fallback;
}

function intsAttr(a: OnnxAttributes, name: string): readonly number[] | undefined {
  const v = a[name];
  return v && v.type === "ints" ? v.value : undefined;
}

function gatherIndex(
  values: readonly number[],
  dims: readonly number[],
  axis: number,
  indices: readonly number[],
) {
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const n = dims[axis]!;
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const raw of indices) {
      const i = raw < 0 ? raw + n : raw;
      if (i < 0 || i >= n) {
        throw new RangeError(`Gather index ${raw} is out of range for size ${n}`);
      }
      for (let k = 0; k < inner; k++) out.push(values[(o * n + i) * inner + k]!);
    }
  }
  return out;
}

function transposeValues(
  values: readonly number[],
  dims: readonly number[],
  perm: readonly number[],
) {
  const outDims = perm.map((p) => dims[p]!);
  const inStrides = stridesOf(dims);
  const size = values.length;
  const out = new Array<number>(size);
  const counter = new Array<number>(outDims.length).fill(0);
  for (let i = 0; i < size; i++) {
    let idx = 0;
    for (let d = 0; d < outDims.length; d++) idx += counter[d]! * inStrides[perm[d]!]!;
    out[i] = values[idx]!;
    for (let d = outDims.length - 1; d >= 0; d--) {
      if (++counter[d]! < outDims[d]!) break;
      counter[d] = 0;
    }
  }
  return { dims: outDims, values: out };
}

function binary(
  op: string,
  integer: boolean,
  fmod: boolean,
): ((a: number, b: number) => number) | undefined {
  switch (op) {
    case "Add":
    case "Sum":
      return (a, b) => a + b;
    case "Sub":
      return (a, b) => a - b;
    case "Mul":
      return (a, b) => a * b;
    case "Div":
      return integer ? (a, b) => Math.trunc(a / b) : (a, b) => a / b;
    case "Pow":
      return (a, b) => a ** b;
    case "Mod":
      return fmod || !integer ? (a, b) => a % b : (a, b) => {
        const r = a % b;
        return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
      };
    case "Max":
      return (a, b) => Math.max(a, b);
    case "Min":
      return (a, b) => Math.min(a, b);
    case "Equal":
      return (a, b) => (a === b ? 1 : 0);
    case "Less":
      return (a, b) => (a < b ? 1 : 0);
    case "Greater":
      return (a, b) => (a > b ? 1 : 0);
    case "LessOrEqual":
      return (a, b) => (a <= b ? 1 : 0);
    case "GreaterOrEqual":
      return (a, b) => (a >= b ? 1 : 0);
    case "And":
      return (a, b) => (a && b ? 1 : 0);
    case "Or":
      return (a, b) => (a || b ? 1 : 0);
    case "Xor":
      return (a, b) => (!a !== !b ? 1 : 0);
  }
  return undefined;
}

function unary(op: string): ((a: number) => number) | undefined {
  switch (op) {
    case "Neg":
      return (a) => -a;
    case "Abs":
      return Math.abs;
    case "Floor":
      return Math.floor;
    case "Ceil":
      return Math.ceil;
    case "Round":
      return (a) => {
        const r = Math.round(a);
        return Math.abs(a % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r; // half to even
      };
    case "Sqrt":
      return Math.sqrt;
    case "Reciprocal":
      return (a) => 1 / a;
    case "Exp":
      return Math.exp;
    case "Log":
      return Math.log;
    case "Relu":
      return (a) => Math.max(a, 0);
    case "Sign":
      return Math.sign;
    case "Not":
      return (a) => (a ? 0 : 1);
  }
  return undefined;
}

const COMPARISONS = new Set([
  "Equal",
  "Less",
  "Greater",
  "LessOrEqual",
  "GreaterOrEqual",
  "And",
  "Or",
  "Xor",
]);

/**
 * Computes one node on the host from its input tensors (`undefined` for omitted optional inputs).
 * Returns the output tensors, or `undefined` when the op or this form of it is not evaluated here
 * (string tensors, 64-bit values beyond 2^53, ops outside {@linkcode HOST_OPS}). Throws a
 * `RangeError` for invalid operands.
 *
 * @example Gather a dim from a shape and append constants
 * ```ts
 * import { evaluateOnHost } from "./host_eval.ts";
 * import { buildNode, buildTensor } from "../onnx/build.ts";
 * const shape = buildTensor("s", "int64", [3], [8, 128, 256]);
 * const [batch] = evaluateOnHost(buildNode("Gather", ["s", "i"], ["b"], { axis: 0 }), [
 *   shape, buildTensor("i", "int64", [1], [0]),
 * ])!;
 * console.log(batch!.dims, batch!.data); // [1] Float64Array(1) [8]
 * ```
 */
export function evaluateOnHost(
  node: Pick<NodeView, "opType" | "attributes" | "outputs">,
  inputs: readonly (OnnxTensor | undefined)[],
): OnnxTensor[] | undefined {
  const { opType: op, attributes: a } = node;
  const outName = node.outputs[0] ?? "";
  const x = inputs[0];
  if (!HOST_OPS.has(op) || !x) return undefined;
  const nums: (number[] | undefined)[] = inputs.map((t) => (t ? tensorNumbers(t) : undefined));
  if (inputs.some((t, i) => t && !nums[i])) return undefined;
  // 64-bit values beyond 2^53 are exact only as bigints; they are refused, except as Slice bounds,
  // where they are the INT64_MAX/INT64_MIN sentinels exporters write and only their sign matters.
  const wide = (t: OnnxTensor | undefined) =>
    t !== undefined && (t.data instanceof BigInt64Array || t.data instanceof BigUint64Array);
  if (inputs.some((t, i) => wide(t) && !(op === "Slice" && i > 0))) return undefined;
  const xv = nums[0]!;
  const xd = x.dims;
  const out = (dataType: OnnxDataType, dims: readonly number[], values: ArrayLike<number>) => [
    hostTensor(outName, dataType, dims, values),
  ];
  const ints = (i: number) => nums[i];
  switch (op) {
    case "Identity":
      return out(x.dataType, xd, xv);
    case "Cast":
      return out(dataTypeFromCode(intAttr(a, "to", 1)), xd, xv);
    case "CastLike":
      return inputs[1] ? out(inputs[1].dataType, xd, xv) : undefined;
    case "Shape": {
      const rank = xd.length;
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
      const start = clamp(intAttr(a, "start", 0));
      const end = clamp(intAttr(a, "end", rank));
      const dims = xd.slice(start, Math.max(start, end));
      return out("int64", [dims.length], dims);
    }
    case "Size":
      return out("int64", [], [xd.reduce((p, d) => p * d, 1)]);
    case "Clip": {
      const lo = nums[1]?.[0] ?? -Infinity;
      const hi = nums[2]?.[0] ?? Infinity;
      return out(x.dataType, xd, xv.map((v) => Math.min(Math.max(v, lo), hi)));
    }
    case "Where": {
      const [c, t, f] = [inputs[0]!, inputs[1], inputs[2]];
      if (!t || !f) return undefined;
      const dims = broadcastDims([c.dims, t.dims, f.dims]);
      if (!dims) {
        throw new RangeError(`Where: [${c.dims}], [${t.dims}], [${f.dims}] do not broadcast`);
      }
      const [ci, ti, fi] = [c.dims, t.dims, f.dims].map((d) => broadcastIndex(d, dims));
      const values = Array.from(ci!, (k, i) => (xv[k] ? nums[1]![ti![i]!]! : nums[2]![fi![i]!]!));
      return out(t.dataType, dims, values);
    }
    case "Gather": {
      const axis = normalizeAxis(intAttr(a, "axis", 0), xd.length);
      const idx = inputs[1];
      if (!idx) return undefined;
      return out(x.dataType, gatherDims(xd, idx.dims, axis), gatherIndex(xv, xd, axis, nums[1]!));
    }
    case "Concat": {
      const parts = inputs.filter((t): t is OnnxTensor => !!t);
      const axis = normalizeAxis(intAttr(a, "axis", 0), xd.length);
      const dims = concatDims(parts.map((t) => t.dims), axis);
      const outer = xd.slice(0, axis).reduce((p, d) => p * d, 1);
      const values: number[] = [];
      const partNums = parts.map((t) => tensorNumbers(t)!);
      for (let o = 0; o < outer; o++) {
        parts.forEach((t, k) => {
          const block = t.dims.slice(axis).reduce((p, d) => p * d, 1);
          values.push(...partNums[k]!.slice(o * block, (o + 1) * block));
        });
      }
      return out(x.dataType, dims, values);
    }
    case "Unsqueeze": {
      const axes = ints(1) ?? intsAttr(a, "axes");
      if (!axes) return undefined;
      return out(x.dataType, unsqueezeDims(xd, axes), xv);
    }
    case "Squeeze":
      return out(x.dataType, squeezeDims(xd, ints(1) ?? intsAttr(a, "axes")), xv);
    case "Reshape": {
      const shape = ints(1);
      if (!shape) return undefined;
      return out(x.dataType, reshapeDims(xd, shape, intAttr(a, "allowzero", 0) === 1), xv);
    }
    case "Flatten":
      return out(x.dataType, flattenDims(xd, intAttr(a, "axis", 1)), xv);
    case "Transpose": {
      const perm = transposePerm(xd.length, intsAttr(a, "perm"));
      const t = transposeValues(xv, xd, perm);
      return out(x.dataType, t.dims, t.values);
    }
    case "Slice": {
      const starts = ints(1), ends = ints(2);
      if (!starts || !ends) return undefined;
      const spec = sliceAxes(xd, starts, ends, ints(3), ints(4));
      const dims = spec.map((s) => s.length);
      const strides = stridesOf(xd);
      const size = dims.reduce((p, d) => p * d, 1);
      const values = new Array<number>(size);
      const counter = new Array<number>(dims.length).fill(0);
      for (let i = 0; i < size; i++) {
        let idx = 0;
        for (let d = 0; d < dims.length; d++) {
          idx += (spec[d]!.start + counter[d]! * spec[d]!.step) * strides[d]!;
        }
        values[i] = xv[idx]!;
        for (let d = dims.length - 1; d >= 0; d--) {
          if (++counter[d]! < dims[d]!) break;
          counter[d] = 0;
        }
      }
      return out(x.dataType, dims, values);
    }
    case "Expand": {
      const shape = ints(1);
      if (!shape) return undefined;
      const dims = broadcastDims([xd, shape]);
      if (!dims) throw new RangeError(`Expand: [${xd}] does not broadcast to [${shape}]`);
      return out(x.dataType, dims, Array.from(broadcastIndex(xd, dims), (k) => xv[k]!));
    }
    case "Tile": {
      const repeats = ints(1);
      if (!repeats || repeats.length !== xd.length) return undefined;
      const dims = xd.map((d, i) => d * repeats[i]!);
      const strides = stridesOf(xd);
      const size = dims.reduce((p, d) => p * d, 1);
      const values = new Array<number>(size);
      const counter = new Array<number>(dims.length).fill(0);
      for (let i = 0; i < size; i++) {
        let idx = 0;
        for (let d = 0; d < dims.length; d++) idx += (counter[d]! % xd[d]!) * strides[d]!;
        values[i] = xv[idx]!;
        for (let d = dims.length - 1; d >= 0; d--) {
          if (++counter[d]! < dims[d]!) break;
          counter[d] = 0;
        }
      }
      return out(x.dataType, dims, values);
    }
    case "Range": {
      const [start, limit, delta] = [xv[0]!, nums[1]?.[0], nums[2]?.[0]];
      if (limit === undefined || delta === undefined) return undefined;
      const n = rangeLength(start, limit, delta);
      return out(x.dataType, [n], Array.from({ length: n }, (_, i) => start + i * delta));
    }
    case "ConstantOfShape": {
      const v = a.value;
      const value = v && v.type === "tensor" ? v.value : undefined;
      const dataType = value?.dataType ?? "float";
      const fill = value ? (tensorNumbers(value)?.[0] ?? 0) : 0;
      const size = xv.reduce((p, d) => p * d, 1);
      return out(dataType, xv, new Array<number>(size).fill(fill));
    }
    case "ReduceProd":
    case "ReduceSum":
    case "ReduceMin":
    case "ReduceMax":
    case "ReduceMean": {
      const axesIn = ints(1) ?? intsAttr(a, "axes");
      const keep = intAttr(a, "keepdims", 1) === 1;
      if ((!axesIn || axesIn.length === 0) && intAttr(a, "noop_with_empty_axes", 0) === 1) {
        return out(x.dataType, xd, xv);
      }
      const axes = new Set(
        axesIn && axesIn.length > 0
          ? axesIn.map((ax) => normalizeAxis(ax, xd.length, "axes"))
          : xd.map((_, i) => i),
      );
      const keptDims = xd.map((d, i) => (axes.has(i) ? 1 : d));
      const size = keptDims.reduce((p, d) => p * d, 1);
      const init = op === "ReduceProd"
        ? 1
        : op === "ReduceMin"
        ? Infinity
        : op === "ReduceMax"
        ? -Infinity
        : 0;
      const acc = new Array<number>(size).fill(init);
      const outStrides = stridesOf(keptDims);
      const counter = new Array<number>(xd.length).fill(0);
      for (let i = 0; i < xv.length; i++) {
        let o = 0;
        for (let d = 0; d < xd.length; d++) if (!axes.has(d)) o += counter[d]! * outStrides[d]!;
        const v = xv[i]!;
        acc[o] = op === "ReduceProd"
          ? acc[o]! * v
          : op === "ReduceMin"
          ? Math.min(acc[o]!, v)
          : op === "ReduceMax"
          ? Math.max(acc[o]!, v)
          : acc[o]! + v;
        for (let d = xd.length - 1; d >= 0; d--) {
          if (++counter[d]! < xd[d]!) break;
          counter[d] = 0;
        }
      }
      const count = xd.reduce((p, d, i) => (axes.has(i) ? p * d : p), 1);
      const values = op === "ReduceMean" ? acc.map((v) => v / count) : acc;
      return out(x.dataType, keep ? keptDims : xd.filter((_, i) => !axes.has(i)), values);
    }
  }
  const f = unary(op);
  if (f) return out(x.dataType, xd, xv.map(f));
  const parts = inputs.filter((t): t is OnnxTensor => !!t);
  const g = binary(op, INTEGER.has(x.dataType), intAttr(a, "fmod", 0) === 1);
  if (!g) return undefined;
  const dims = broadcastDims(parts.map((t) => t.dims));
  if (!dims) throw new RangeError(`${op}: input shapes do not broadcast`);
  const indexes = parts.map((t) => broadcastIndex(t.dims, dims));
  const values = Array.from(indexes[0]!, (k) => xv[k]!);
  for (let p = 1; p < parts.length; p++) {
    const pv = tensorNumbers(parts[p]!)!;
    const idx = indexes[p]!;
    for (let i = 0; i < values.length; i++) values[i] = g(values[i]!, pv[idx[i]!]!);
  }
  const result = op === "Mean" ? values.map((v) => v / parts.length) : values;
  return out(COMPARISONS.has(op) ? "bool" : x.dataType, dims, result);
}
