/**
 * Shape and type inference from concrete input shapes: the element type and dims of every value
 * of a (normalized) graph. Symbolic input dims are bound by name; small computations whose inputs
 * are all known on the host (Shape → Gather → Concat and the like) are evaluated on the host so
 * that Reshape targets, Slice bounds and Resize sizes become constants. Values produced by ops this
 * module does not know (or from unknown inputs) are left out of `types`, and their nodes are listed
 * in `unknownNodes`: a runtime runs those through a fallback and learns their shapes when it runs.
 *
 * @module
 */
import type { OnnxAttributes } from "../onnx/graph.ts";
import { dataTypeFromCode, type OnnxDataType } from "../onnx/data_type.ts";
import type { OnnxTensor } from "../onnx/tensor.ts";
import { broadcastDims } from "./broadcast.ts";
import { evaluateOnHost, HOST_OPS, tensorNumbers } from "./host_eval.ts";
import type { Graph, GraphNode, NodeView } from "./ir.ts";
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

/** The element type and concrete dims of a tensor value. */
export interface TensorType {
  /** Element type. */
  readonly dataType: OnnxDataType;
  /** Dims; `[]` is a scalar. */
  readonly dims: readonly number[];
}

/** The result of {@linkcode inferShapes}. */
export interface ShapeInference {
  /** Type and dims of every value inference knows (inputs, initializers, node outputs). */
  readonly types: Map<string, TensorType>;
  /** Values known on the host: initializers and host-evaluated node outputs. */
  readonly values: Map<string, OnnxTensor>;
  /** Nodes whose outputs could not be inferred (unknown op, or inputs of unknown shape). */
  readonly unknownNodes: GraphNode[];
  /** Nodes that were evaluated on the host (their outputs are in `values`). */
  readonly hostNodes: GraphNode[];
  /** The value of every symbolic dim. */
  readonly symbols: Readonly<Record<string, number>>;
  /** With `onError: "unknown"`: the message of every node inference refused, by node. */
  readonly errors: Map<GraphNode, string>;
}

/** Options of {@linkcode inferShapes}. */
export interface InferShapesOptions {
  /** Concrete dims of graph inputs by name; inputs not listed use their declared dims. @default {{}} */
  inputShapes?: Readonly<Record<string, readonly number[]>>;
  /** Values of symbolic dims (`dim_param`) by name. @default {{}} */
  symbols?: Readonly<Record<string, number>>;
  /** Largest number of elements of an output computed on the host. @default {65536} */
  hostElements?: number;
  /**
   * What a node whose inputs contradict its op does: `"throw"` a `RangeError` naming it, or
   * `"unknown"`, leaving its outputs unknown (listed in `unknownNodes` and `errors`) so that a
   * runtime can hand it to a fallback that reports its own error or copes.
   * @default {"throw"}
   */
  onError?: "throw" | "unknown";
}

/**
 * The concrete type of every graph input: `inputShapes` first (checked against the declared rank
 * and fixed dims, binding symbolic dims), then declared dims with symbols bound by `symbols` or by
 * other inputs. Throws a `RangeError` naming the input when a shape is missing or contradicts the
 * declaration.
 *
 * @example Bind a batch symbol from one input
 * ```ts
 * import { bindInputs } from "./shape_inference.ts";
 * const inputs = [
 *   { name: "x", dataType: "float" as const, dims: ["N", 3] },
 *   { name: "m", dataType: "bool" as const, dims: ["N"] },
 * ];
 * const { types, symbols } = bindInputs(inputs, { x: [8, 3] });
 * console.log(types.get("m"), symbols); // { dataType: "bool", dims: [8] } { N: 8 }
 * ```
 */
export function bindInputs(
  inputs: Graph["inputs"],
  inputShapes: Readonly<Record<string, readonly number[]>> = {},
  symbols: Readonly<Record<string, number>> = {},
): { types: Map<string, TensorType>; symbols: Record<string, number> } {
  const bound: Record<string, number> = { ...symbols };
  const types = new Map<string, TensorType>();
  for (const name of Object.keys(inputShapes)) {
    if (!inputs.some((v) => v.name === name)) {
      throw new RangeError(`'inputShapes' names '${name}', which is not a graph input`);
    }
  }
  const ordered = [
    ...inputs.filter((v) => Object.hasOwn(inputShapes, v.name)),
    ...inputs.filter((v) => !Object.hasOwn(inputShapes, v.name)),
  ];
  for (const v of ordered) {
    if (v.dataType === undefined) {
      throw new RangeError(`graph input '${v.name}' must be a tensor of known element type`);
    }
    const given = Object.hasOwn(inputShapes, v.name) ? inputShapes[v.name] : undefined;
    const declared = v.dims;
    const shown = `[${(declared ?? []).map((d) => d ?? "?").join(", ")}]`;
    if (given) {
      if (given.some((d) => !Number.isInteger(d) || d < 0)) {
        throw new RangeError(`'inputShapes.${v.name}' must hold non-negative integers: [${given}]`);
      }
      if (declared && declared.length !== given.length) {
        throw new RangeError(
          `'inputShapes.${v.name}' must have rank ${declared.length} (declared ${shown}): [${given}]`,
        );
      }
      declared?.forEach((d, i) => {
        const g = given[i]!;
        if (typeof d === "number" && d !== g) {
          throw new RangeError(`'inputShapes.${v.name}' must match declared ${shown}: [${given}]`);
        }
        if (typeof d === "string") {
          if (Object.hasOwn(bound, d) && bound[d] !== g) {
            throw new RangeError(
              `'inputShapes.${v.name}' gives ${d} = ${g}, but ${d} is already ${bound[d]}`,
            );
          }
          bound[d] = g;
        }
      });
      types.set(v.name, { dataType: v.dataType, dims: [...given] });
      continue;
    }
    if (!declared) {
      throw new RangeError(`'inputShapes' must give the dims of input '${v.name}' (rank unknown)`);
    }
    const dims = declared.map((d) => {
      if (typeof d === "number") return d;
      if (typeof d === "string" && Object.hasOwn(bound, d)) return bound[d]!;
      throw new RangeError(
        `'inputShapes' must give the dims of input '${v.name}' (declared ${shown})`,
      );
    });
    types.set(v.name, { dataType: v.dataType, dims });
  }
  return { types, symbols: bound };
}

function int(a: OnnxAttributes, name: string, fallback: number): number {
  const v = a[name];
  return v && v.type === "int" ? v.value : fallback;
}

function ints(a: OnnxAttributes, name: string): readonly number[] | undefined {
  const v = a[name];
  return v && v.type === "ints" ? v.value : undefined;
}

function str(a: OnnxAttributes, name: string, fallback: string): string {
  const v = a[name];
  return v && v.type === "string" ? v.value : fallback;
}

const SAME_TYPE = new Set([
  "Identity",
  "Relu",
  "LeakyRelu",
  "PRelu",
  "Sigmoid",
  "HardSigmoid",
  "HardSwish",
  "Tanh",
  "Erf",
  "Gelu",
  "Sqrt",
  "Exp",
  "Log",
  "Neg",
  "Abs",
  "Clip",
  "Elu",
  "Selu",
  "Celu",
  "Softplus",
  "Softsign",
  "Floor",
  "Ceil",
  "Round",
  "Reciprocal",
  "Sin",
  "Cos",
  "Tan",
  "Asin",
  "Acos",
  "Atan",
  "Sinh",
  "Cosh",
  "Asinh",
  "Acosh",
  "Atanh",
  "Sign",
  "Mish",
  "ThresholdedRelu",
  "Shrink",
  "Softmax",
  "LogSoftmax",
  "Hardmax",
  "LpNormalization",
  "InstanceNormalization",
  "GroupNormalization",
  "MeanVarianceNormalization",
  "LRN",
  "CumSum",
  "Trilu",
  "ReverseSequence",
  "ScatterElements",
  "ScatterND",
  "Scatter",
  "BitwiseNot",
  "Swish",
]);

const BROADCAST = new Set([
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
  "BitShift",
  "BitwiseAnd",
  "BitwiseOr",
  "BitwiseXor",
]);

const COMPARE = new Set([
  "Equal",
  "Less",
  "Greater",
  "LessOrEqual",
  "GreaterOrEqual",
  "And",
  "Or",
  "Xor",
]);

const REDUCE = new Set([
  "ReduceMean",
  "ReduceSum",
  "ReduceMax",
  "ReduceMin",
  "ReduceProd",
  "ReduceL1",
  "ReduceL2",
  "ReduceLogSum",
  "ReduceLogSumExp",
  "ReduceSumSquare",
]);

/** Output size of a conv or pool window along one axis, without auto_pad. */
function windowOut(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  padBegin: number,
  padEnd: number,
  ceil: boolean,
): number {
  const span = size + padBegin + padEnd - dilation * (kernel - 1) - 1;
  if (!ceil) return Math.floor(span / stride) + 1;
  let out = Math.ceil(span / stride) + 1;
  // The last window must start inside the input or the begin padding.
  if ((out - 1) * stride >= size + padBegin) out--;
  return out;
}

/** Spatial output dims of Conv and the pooling ops. */
function windowDims(
  a: OnnxAttributes,
  spatial: readonly number[],
  kernel: readonly number[],
  pool: boolean,
): number[] {
  const n = spatial.length;
  const strides = ints(a, "strides") ?? new Array<number>(n).fill(1);
  const dilations = ints(a, "dilations") ?? new Array<number>(n).fill(1);
  const pads = ints(a, "pads") ?? new Array<number>(2 * n).fill(0);
  const autoPad = str(a, "auto_pad", "NOTSET");
  const ceil = pool && int(a, "ceil_mode", 0) === 1;
  return spatial.map((size, i) => {
    const s = strides[i] ?? 1;
    const d = dilations[i] ?? 1;
    const k = kernel[i]!;
    if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
      if (!pool) return Math.ceil(size / s);
      // onnxruntime's pools pad for an undilated kernel, then apply the dilated one.
      const padNeeded = (Math.ceil(size / s) - 1) * s + k - size;
      return Math.floor((size + padNeeded - d * (k - 1) - 1) / s) + 1;
    }
    if (autoPad === "VALID") return windowOut(size, k, s, d, 0, 0, ceil);
    return windowOut(size, k, s, d, pads[i] ?? 0, pads[i + n] ?? 0, ceil);
  });
}

function matmulDims(a: readonly number[], b: readonly number[]): number[] | undefined {
  const a2 = a.length === 1 ? [1, a[0]!] : a;
  const b2 = b.length === 1 ? [b[0]!, 1] : b;
  if (a2.length < 2 || b2.length < 2) return undefined;
  const k1 = a2[a2.length - 1]!, k2 = b2[b2.length - 2]!;
  if (k1 !== k2) throw new RangeError(`MatMul inner dims differ: [${a}] x [${b}]`);
  const batch = broadcastDims([a2.slice(0, -2), b2.slice(0, -2)]);
  if (!batch) throw new RangeError(`MatMul batch dims do not broadcast: [${a}] x [${b}]`);
  const out = [...batch];
  if (a.length !== 1) out.push(a2[a2.length - 2]!);
  if (b.length !== 1) out.push(b2[b2.length - 1]!);
  return out;
}

/**
 * Output types of one node from its input types and the host values of its constant inputs;
 * `undefined` when the op is unknown or a needed value (a Reshape target, say) is not known.
 * Throws a `RangeError` when the inputs contradict the op.
 *
 * @example A Conv with padding and stride 2
 * ```ts
 * import { inferNode } from "./shape_inference.ts";
 * import { buildNode } from "../onnx/build.ts";
 * const node = buildNode("Conv", ["x", "w"], ["y"], { pads: [1, 1, 1, 1], strides: [2, 2] });
 * const out = inferNode(node, [
 *   { dataType: "float", dims: [1, 3, 224, 224] },
 *   { dataType: "float", dims: [32, 3, 3, 3] },
 * ], []);
 * console.log(out?.[0]?.dims); // [1, 32, 112, 112]
 * ```
 */
export function inferNode(
  node: Omit<NodeView, "name">,
  inputs: readonly (TensorType | undefined)[],
  values: readonly (OnnxTensor | undefined)[],
): TensorType[] | undefined {
  if (node.domain !== "" && node.domain !== "ai.onnx") return undefined;
  const { opType: op, attributes: a } = node;
  const x = inputs[0];
  const nOut = node.outputs.length;
  const num = (i: number) => {
    const t = values[i];
    return t ? tensorNumbers(t) : undefined;
  };
  const same = (dims: readonly number[], dataType = x!.dataType): TensorType[] =>
    Array.from({ length: nOut }, () => ({ dataType, dims: [...dims] }));
  const one = (
    dims: readonly number[],
    dataType = x!.dataType,
  ): TensorType[] => [{ dataType, dims: [...dims] }];
  if (SAME_TYPE.has(op)) return x && same(x.dims);
  if (BROADCAST.has(op) || COMPARE.has(op)) {
    const shapes = inputs.filter((t): t is TensorType => !!t);
    if (shapes.length === 0) return undefined;
    const dims = broadcastDims(shapes.map((t) => t.dims));
    if (!dims) throw new RangeError(`${op}: input shapes do not broadcast`);
    return one(dims, COMPARE.has(op) ? "bool" : shapes[0]!.dataType);
  }
  if (!x && op !== "Range" && op !== "RandomNormal" && op !== "RandomUniform") return undefined;
  const xd = x?.dims ?? [];
  switch (op) {
    case "Not":
      return one(xd, "bool");
    case "IsNaN":
    case "IsInf":
      return one(xd, "bool");
    case "Where": {
      const [c, t, f] = inputs;
      if (!c || !t || !f) return undefined;
      const dims = broadcastDims([c.dims, t.dims, f.dims]);
      if (!dims) throw new RangeError(`Where: input shapes do not broadcast`);
      return one(dims, t.dataType);
    }
    case "Cast":
      return one(xd, dataTypeFromCode(int(a, "to", 1)));
    case "CastLike":
      return inputs[1] && one(xd, inputs[1].dataType);
    case "Dropout":
      return [{ dataType: x!.dataType, dims: [...xd] }, {
        dataType: "bool" as OnnxDataType,
        dims: [...xd],
      }].slice(
        0,
        nOut,
      );
    case "Shape": {
      const rank = xd.length;
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
      const start = clamp(int(a, "start", 0));
      const end = clamp(int(a, "end", rank));
      return one([Math.max(end - start, 0)], "int64");
    }
    case "Size":
      return one([], "int64");
    case "Reshape": {
      const shape = num(1);
      return shape && one(reshapeDims(xd, shape, int(a, "allowzero", 0) === 1));
    }
    case "Flatten":
      return one(flattenDims(xd, int(a, "axis", 1)));
    case "Squeeze": {
      const axes = values[1] ? num(1) : ints(a, "axes");
      if (node.inputs[1] && !values[1]) return undefined;
      return one(squeezeDims(xd, axes));
    }
    case "Unsqueeze": {
      const axes = node.inputs[1] ? num(1) : ints(a, "axes");
      return axes && one(unsqueezeDims(xd, axes));
    }
    case "Transpose": {
      const perm = transposePerm(xd.length, ints(a, "perm"));
      return one(perm.map((p) => xd[p]!));
    }
    case "Concat": {
      const shapes = inputs.filter((t): t is TensorType => !!t);
      if (shapes.length !== node.inputs.filter((n) => n).length) return undefined;
      return one(concatDims(shapes.map((t) => t.dims), int(a, "axis", 0)));
    }
    case "Split": {
      const axis = normalizeAxis(int(a, "axis", 0), xd.length);
      const d = xd[axis]!;
      let sizes: number[] | undefined;
      if (node.inputs[1]) sizes = num(1);
      else if (ints(a, "split")) sizes = [...ints(a, "split")!];
      else {
        const n = int(a, "num_outputs", nOut);
        const chunk = Math.ceil(d / n);
        sizes = Array.from({ length: n }, (_, i) => Math.max(0, Math.min(chunk, d - i * chunk)));
      }
      if (!sizes) return undefined;
      if (sizes.reduce((p, s) => p + s, 0) !== d) {
        throw new RangeError(`Split sizes [${sizes}] do not sum to ${d}`);
      }
      return sizes.slice(0, nOut).map((s) => ({
        dataType: x!.dataType,
        dims: xd.map((v, i) => (i === axis ? s : v)),
      }));
    }
    case "Slice": {
      const starts = num(1), ends = num(2);
      if (!starts || !ends) return undefined;
      if ((node.inputs[3] && !values[3]) || (node.inputs[4] && !values[4])) return undefined;
      return one(sliceAxes(xd, starts, ends, num(3), num(4)).map((s) => s.length));
    }
    case "Gather": {
      const idx = inputs[1];
      return idx && one(gatherDims(xd, idx.dims, int(a, "axis", 0)));
    }
    case "GatherElements":
      return inputs[1] && one(inputs[1].dims);
    case "GatherND": {
      const idx = inputs[1];
      if (!idx) return undefined;
      const b = int(a, "batch_dims", 0);
      const last = idx.dims[idx.dims.length - 1]!;
      return one([...xd.slice(0, b), ...idx.dims.slice(b, -1), ...xd.slice(b + last)]);
    }
    case "MatMul":
    case "MatMulInteger": {
      const b = inputs[1];
      if (!b) return undefined;
      const dims = matmulDims(xd, b.dims);
      return dims && one(dims, op === "MatMulInteger" ? "int32" : x!.dataType);
    }
    case "QLinearMatMul": {
      const b = inputs[3];
      const dims = b && matmulDims(xd, b.dims);
      return dims && inputs[7] && one(dims, inputs[7].dataType);
    }
    case "Gemm": {
      const b = inputs[1];
      if (!b) return undefined;
      const m = int(a, "transA", 0) ? xd[1]! : xd[0]!;
      const n = int(a, "transB", 0) ? b.dims[0]! : b.dims[1]!;
      return one([m, n]);
    }
    case "Conv":
    case "ConvInteger":
    case "QLinearConv": {
      const w = inputs[op === "QLinearConv" ? 3 : 1];
      if (!w) return undefined;
      const kernel = ints(a, "kernel_shape") ?? w.dims.slice(2);
      const dims = [xd[0]!, w.dims[0]!, ...windowDims(a, xd.slice(2), kernel, false)];
      const dataType = op === "ConvInteger"
        ? "int32"
        : op === "QLinearConv"
        ? inputs[7]?.dataType
        : x!.dataType;
      return dataType && one(dims, dataType);
    }
    case "ConvTranspose": {
      const w = inputs[1];
      if (!w) return undefined;
      const spatial = xd.slice(2);
      const n = spatial.length;
      const kernel = ints(a, "kernel_shape") ?? w.dims.slice(2);
      const channels = w.dims[1]! * int(a, "group", 1);
      const outputShape = ints(a, "output_shape");
      if (outputShape) return one([xd[0]!, channels, ...outputShape.slice(-n)]);
      const strides = ints(a, "strides") ?? new Array<number>(n).fill(1);
      const dilations = ints(a, "dilations") ?? new Array<number>(n).fill(1);
      const outPad = ints(a, "output_padding") ?? new Array<number>(n).fill(0);
      const pads = ints(a, "pads") ?? new Array<number>(2 * n).fill(0);
      const autoPad = str(a, "auto_pad", "NOTSET");
      const dims = spatial.map((size, i) => {
        const s = strides[i]!;
        if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") return size * s;
        const full = s * (size - 1) + outPad[i]! + (kernel[i]! - 1) * dilations[i]! + 1;
        return autoPad === "VALID" ? full : full - pads[i]! - pads[i + n]!;
      });
      return one([xd[0]!, channels, ...dims]);
    }
    case "MaxPool":
    case "AveragePool":
    case "LpPool": {
      const kernel = ints(a, "kernel_shape");
      if (!kernel) return undefined;
      const dims = [xd[0]!, xd[1]!, ...windowDims(a, xd.slice(2), kernel, true)];
      return [{ dataType: x!.dataType, dims }, { dataType: "int64" as OnnxDataType, dims }].slice(
        0,
        nOut,
      );
    }
    case "GlobalAveragePool":
    case "GlobalMaxPool":
    case "GlobalLpPool":
      return one([xd[0]!, xd[1]!, ...xd.slice(2).map(() => 1)]);
    case "BatchNormalization": {
      const c = inputs[1]?.dims ?? [xd[1]!];
      return [
        one(xd)[0]!,
        ...Array.from({ length: nOut - 1 }, () => ({ dataType: x!.dataType, dims: [...c] })),
      ];
    }
    case "LayerNormalization": {
      const axis = normalizeAxis(int(a, "axis", -1), xd.length);
      const stats = xd.map((d, i) => (i < axis ? d : 1));
      const stash = dataTypeFromCode(int(a, "stash_type", 1));
      return [{ dataType: x!.dataType, dims: [...xd] }, { dataType: stash, dims: stats }, {
        dataType: stash,
        dims: stats,
      }]
        .slice(0, nOut);
    }
    case "ArgMax":
    case "ArgMin": {
      const axis = normalizeAxis(int(a, "axis", 0), xd.length);
      const keep = int(a, "keepdims", 1) === 1;
      return one(
        keep ? xd.map((d, i) => (i === axis ? 1 : d)) : xd.filter((_, i) => i !== axis),
        "int64",
      );
    }
    case "TopK": {
      const k = num(1)?.[0];
      if (k === undefined) return undefined;
      const axis = normalizeAxis(int(a, "axis", -1), xd.length);
      const dims = xd.map((d, i) => (i === axis ? k : d));
      return [{ dataType: x!.dataType, dims }, { dataType: "int64" as OnnxDataType, dims }].slice(
        0,
        nOut,
      );
    }
    case "Resize": {
      const axesAttr = ints(a, "axes");
      const axes = axesAttr
        ? axesAttr.map((v) => normalizeAxis(v, xd.length, "axes"))
        : xd.map((_, i) => i);
      const sizes = node.inputs[3] ? num(3) : undefined;
      if (node.inputs[3] && !sizes) return undefined;
      if (sizes && sizes.length > 0) {
        const policy = str(a, "keep_aspect_ratio_policy", "stretch");
        const out = [...xd];
        if (policy === "stretch") {
          axes.forEach((ax, i) => (out[ax] = sizes[i]!));
        } else {
          const ratios = axes.map((ax, i) => sizes[i]! / xd[ax]!);
          const r = policy === "not_larger" ? Math.min(...ratios) : Math.max(...ratios);
          axes.forEach((ax) => (out[ax] = Math.round(r * xd[ax]!)));
        }
        return one(out);
      }
      const scales = node.inputs[2] ? num(2) : undefined;
      if (!scales) return undefined;
      const out = [...xd];
      axes.forEach((
        ax,
        i,
      ) => (out[ax] = Math.floor(Math.fround(Math.fround(scales[i]!) * xd[ax]!))));
      return one(out);
    }
    case "Pad": {
      const pads = num(1);
      if (!pads) return undefined;
      if (node.inputs[3] && !values[3]) return undefined;
      const axes = (node.inputs[3] ? num(3)! : xd.map((_, i) => i)).map((v) =>
        normalizeAxis(v, xd.length, "axes")
      );
      const out = [...xd];
      axes.forEach((ax, i) => (out[ax] = out[ax]! + pads[i]! + pads[i + axes.length]!));
      return one(out);
    }
    case "Expand": {
      const shape = num(1);
      if (!shape) return undefined;
      const dims = broadcastDims([xd, shape]);
      if (!dims) throw new RangeError(`Expand: [${xd}] does not broadcast to [${shape}]`);
      return one(dims);
    }
    case "Tile": {
      const repeats = num(1);
      return repeats && one(xd.map((d, i) => d * repeats[i]!));
    }
    case "Range": {
      const [s, l, d] = [num(0)?.[0], num(1)?.[0], num(2)?.[0]];
      if (s === undefined || l === undefined || d === undefined || !x) return undefined;
      return one([rangeLength(s, l, d)]);
    }
    case "ConstantOfShape": {
      const shape = num(0);
      const v = a.value;
      return shape && one(shape, v && v.type === "tensor" ? v.value.dataType : "float");
    }
    case "EyeLike": {
      const dt = a.dtype;
      return one(xd, dt && dt.type === "int" ? dataTypeFromCode(dt.value) : x!.dataType);
    }
    case "OneHot": {
      const depth = num(1)?.[0];
      if (depth === undefined || !inputs[2]) return undefined;
      const rank = xd.length + 1;
      const axis = normalizeAxis(int(a, "axis", -1), rank);
      const out = [...xd];
      out.splice(axis, 0, depth);
      return one(out, inputs[2].dataType);
    }
    case "DepthToSpace": {
      const b = int(a, "blocksize", 1);
      return one([xd[0]!, xd[1]! / (b * b), xd[2]! * b, xd[3]! * b]);
    }
    case "SpaceToDepth": {
      const b = int(a, "blocksize", 1);
      return one([xd[0]!, xd[1]! * b * b, xd[2]! / b, xd[3]! / b]);
    }
    case "QuantizeLinear": {
      const outType = int(a, "output_dtype", 0);
      const dataType = outType ? dataTypeFromCode(outType) : inputs[2]?.dataType ?? "uint8";
      return one(xd, dataType);
    }
    case "DequantizeLinear": {
      const outType = int(a, "output_dtype", 0);
      const dataType = outType ? dataTypeFromCode(outType) : inputs[1]?.dataType ?? "float";
      return one(xd, dataType);
    }
    case "DynamicQuantizeLinear":
      return [
        { dataType: "uint8" as OnnxDataType, dims: [...xd] },
        { dataType: "float" as OnnxDataType, dims: [] },
        { dataType: "uint8" as OnnxDataType, dims: [] },
      ].slice(0, nOut);
    case "Attention":
      return attentionTypes(a, inputs, nOut);
    case "Einsum": {
      const shapes = inputs.filter((t): t is TensorType => !!t);
      const dims = einsumDims(str(a, "equation", ""), shapes.map((t) => t.dims));
      return dims && one(dims);
    }
    case "GridSample": {
      const grid = inputs[1];
      return grid && one([xd[0]!, xd[1]!, ...grid.dims.slice(1, -1)]);
    }
    case "RoiAlign": {
      const rois = inputs[1];
      return rois &&
        one([rois.dims[0]!, xd[1]!, int(a, "output_height", 1), int(a, "output_width", 1)]);
    }
    case "Det":
      return one(xd.slice(0, -2));
    case "LSTM":
    case "GRU":
    case "RNN": {
      const hidden = int(a, "hidden_size", 0);
      const dirs = str(a, "direction", "forward") === "bidirectional" ? 2 : 1;
      const layout = int(a, "layout", 0);
      const [seq, batch] = layout === 0 ? [xd[0]!, xd[1]!] : [xd[1]!, xd[0]!];
      const y = layout === 0 ? [seq, dirs, batch, hidden] : [batch, seq, dirs, hidden];
      const h = layout === 0 ? [dirs, batch, hidden] : [batch, dirs, hidden];
      return [y, h, h].slice(0, nOut).map((dims) => ({ dataType: x!.dataType, dims }));
    }
  }
  if (REDUCE.has(op)) {
    const keep = int(a, "keepdims", 1) === 1;
    let axes: readonly number[] | undefined;
    if (node.inputs[1]) {
      axes = num(1);
      if (!axes) return undefined;
    } else axes = ints(a, "axes");
    if ((!axes || axes.length === 0) && int(a, "noop_with_empty_axes", 0) === 1) return one(xd);
    const set = new Set(
      axes && axes.length > 0
        ? axes.map((v) => normalizeAxis(v, xd.length, "axes"))
        : xd.map((_, i) => i),
    );
    return one(keep ? xd.map((d, i) => (set.has(i) ? 1 : d)) : xd.filter((_, i) => !set.has(i)));
  }
  return undefined;
}

/**
 * Einsum's output dims from its equation (explicit `->` form or implicit: the labels that appear
 * once, sorted; `...` broadcast dims first); `undefined` when the equation cannot be read.
 */
function einsumDims(
  equation: string,
  shapes: readonly (readonly number[])[],
): number[] | undefined {
  const eq = equation.replace(/\s/g, "");
  const [lhs, rhs] = eq.split("->") as [string, string | undefined];
  const terms = lhs.split(",");
  if (terms.length !== shapes.length) return undefined;
  const sizes = new Map<string, number>();
  const counts = new Map<string, number>();
  let ellipsis: number[] = [];
  for (const [k, term] of terms.entries()) {
    const dims = shapes[k]!;
    const [before, after] = term.includes("...")
      ? term.split("...") as [string, string]
      : [term, undefined];
    const labels = [...before, ...(after ?? [])];
    const extra = dims.length - labels.length;
    if (after === undefined ? extra !== 0 : extra < 0) return undefined;
    const ell = after === undefined ? [] : dims.slice(before.length, before.length + extra);
    const b = broadcastDims([ellipsis, ell]);
    if (!b) return undefined;
    ellipsis = b;
    labels.forEach((label, i) => {
      const d = dims[i < before.length ? i : i + extra]!;
      const prev = sizes.get(label);
      if (prev === undefined || prev === 1) sizes.set(label, d);
      counts.set(label, (counts.get(label) ?? 0) + 1);
    });
  }
  const outLabels = rhs !== undefined
    ? rhs.replace("...", "")
    : [...counts].filter(([, c]) => c === 1).map(([l]) => l).sort().join("");
  const withEllipsis = rhs === undefined || rhs.includes("...");
  const at = rhs?.indexOf("...") ?? 0;
  const labelDims = [...outLabels].map((l) => sizes.get(l));
  if (labelDims.some((d) => d === undefined)) return undefined;
  const out = labelDims as number[];
  return withEllipsis ? [...out.slice(0, at), ...ellipsis, ...out.slice(at)] : out;
}

/** Attention (opset 23): Y, present_key, present_value, qk_matmul_output. */
function attentionTypes(
  a: OnnxAttributes,
  inputs: readonly (TensorType | undefined)[],
  nOut: number,
): TensorType[] | undefined {
  const [q, k, v] = inputs;
  if (!q || !k || !v) return undefined;
  const pastKey = inputs[4];
  const dataType = q.dataType;
  let batch: number,
    qHeads: number,
    qSeq: number,
    kvHeads: number,
    kvSeq: number,
    headV: number,
    headK: number;
  if (q.dims.length === 4) {
    [batch, qHeads, qSeq] = [q.dims[0]!, q.dims[1]!, q.dims[2]!];
    headK = q.dims[3]!;
  } else {
    qHeads = int(a, "q_num_heads", 0);
    [batch, qSeq] = [q.dims[0]!, q.dims[1]!];
    headK = q.dims[2]! / qHeads;
  }
  if (v.dims.length === 4) {
    [kvHeads, kvSeq, headV] = [v.dims[1]!, v.dims[2]!, v.dims[3]!];
  } else {
    kvHeads = int(a, "kv_num_heads", 0);
    kvSeq = v.dims[1]!;
    headV = v.dims[2]! / kvHeads;
  }
  const total = kvSeq + (pastKey?.dims[2] ?? 0);
  const y = q.dims.length === 4 ? [batch, qHeads, qSeq, headV] : [batch, qSeq, qHeads * headV];
  return [
    { dataType, dims: y },
    { dataType, dims: [batch, kvHeads, total, headK] },
    { dataType, dims: [batch, kvHeads, total, headV] },
    { dataType, dims: [batch, qHeads, qSeq, total] },
  ].slice(0, nOut);
}

/**
 * Infers the type and dims of every value of `graph` (normalized with `normalizeOpsets`) from
 * concrete input shapes, evaluating small host-known computations. Throws a `RangeError` for
 * missing or contradicting input shapes and for nodes whose inputs contradict the op.
 *
 * @example A Reshape whose target is computed from the input's shape
 * ```ts
 * import { inferShapes } from "./shape_inference.ts";
 * import { graphFromModel } from "./from_model.ts";
 * import { buildModel, buildNode, buildTensor, valueInfo } from "../onnx/build.ts";
 * const graph = graphFromModel(buildModel({
 *   nodes: [
 *     buildNode("Shape", ["x"], ["s"], { end: 1 }),
 *     buildNode("Concat", ["s", "rest"], ["target"], { axis: 0 }),
 *     buildNode("Reshape", ["x", "target"], ["y"]),
 *   ],
 *   inputs: [valueInfo("x", "float", ["N", 4, 6])],
 *   outputs: [valueInfo("y", "float", undefined)],
 *   initializers: [buildTensor("rest", "int64", [2], [-1, 3])],
 * }));
 * const result = inferShapes(graph, { inputShapes: { x: [2, 4, 6] } });
 * console.log(result.types.get("y"), result.symbols); // { dataType: "float", dims: [2, 8, 3] } { N: 2 }
 * ```
 */
export function inferShapes(graph: Graph, options: InferShapesOptions = {}): ShapeInference {
  const { inputShapes = {}, symbols = {}, hostElements = 65536, onError = "throw" } = options;
  const errors = new Map<GraphNode, string>();
  const bound = bindInputs(graph.inputs, inputShapes, symbols);
  const types = bound.types;
  const values = new Map<string, OnnxTensor>();
  for (const [name, t] of graph.initializers) {
    types.set(name, { dataType: t.dataType, dims: t.dims });
    values.set(name, t);
  }
  const unknownNodes: GraphNode[] = [];
  const hostNodes: GraphNode[] = [];
  for (const node of graph.nodes) {
    const ins = node.inputs.map((n) => (n ? types.get(n) : undefined));
    const known = node.inputs.every((n, i) => !n || ins[i]);
    const vals = node.inputs.map((n) => (n ? values.get(n) : undefined));
    let outs: TensorType[] | undefined;
    try {
      outs = known ? inferNode(node, ins, vals) : undefined;
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      const message = `node '${node.name}' (${node.opType}): ${e.message}`;
      if (onError === "throw") throw new RangeError(message);
      errors.set(node, message);
      outs = undefined;
    }
    if (!outs) {
      unknownNodes.push(node);
      continue;
    }
    node.outputs.forEach((name, i) => {
      if (name && outs[i]) types.set(name, outs[i]);
    });
    // Host evaluation: Shape and Size need only dims; the others need every input value.
    const small = outs.every((t) => t.dims.reduce((p, d) => p * d, 1) <= hostElements);
    const isDomain = node.domain === "" || node.domain === "ai.onnx";
    if (!isDomain || !small || !HOST_OPS.has(node.opType)) continue;
    let computed: OnnxTensor[] | undefined;
    try {
      computed = hostEvaluate(node, ins, vals);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      const message = `node '${node.name}' (${node.opType}): ${e.message}`;
      if (onError === "throw") throw new RangeError(message);
      errors.set(node, message);
    }
    if (!computed) continue;
    hostNodes.push(node);
    node.outputs.forEach((name, i) => {
      const t = computed[i];
      if (name && t) values.set(name, { ...t, name });
    });
  }
  return { types, values, unknownNodes, hostNodes, symbols: bound.symbols, errors };
}

/** Evaluates a node on the host: Shape and Size from dims, the others from every input value. */
function hostEvaluate(
  node: GraphNode,
  ins: readonly (TensorType | undefined)[],
  vals: readonly (OnnxTensor | undefined)[],
): OnnxTensor[] | undefined {
  if (node.opType === "Shape" || node.opType === "Size") {
    const x = ins[0]!;
    const dimsOnly: OnnxTensor = {
      name: "",
      dataType: x.dataType,
      dims: x.dims,
      data: new Float32Array(0),
      docString: "",
    };
    return evaluateOnHost(node, [dimsOnly]);
  }
  return node.inputs.every((n, i) => !n || vals[i]) ? evaluateOnHost(node, vals) : undefined;
}
