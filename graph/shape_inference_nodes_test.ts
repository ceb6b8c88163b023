import assert from "node:assert/strict";
import {
  type AttributeInput,
  buildModel,
  buildNode,
  buildTensor,
  valueInfo,
} from "../onnx/build.ts";
import type { OnnxDataType } from "../onnx/data_type.ts";
import type { OnnxTensor } from "../onnx/tensor.ts";
import { graphFromModel } from "./from_model.ts";
import { checkInference } from "./testdata/infer_check.ts";
import { seededRandom } from "./testdata/ort.ts";

/** One input of a random single-node case: fed at run time, or a constant (initializer). */
interface In {
  readonly dims: readonly number[];
  readonly type?: OnnxDataType;
  readonly data?: readonly number[];
  readonly constant?: boolean;
}

interface NodeCase {
  readonly op: string;
  readonly attrs?: Record<string, AttributeInput>;
  readonly inputs: readonly (In | undefined)[];
  readonly outputs?: number;
  readonly opset?: number;
}

const r = seededRandom(12);
const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const x = (...dims: number[]): In => ({ dims });
const c64 = (data: number[], dims = [data.length]): In => ({
  dims,
  type: "int64",
  data,
  constant: true,
});
const cf = (data: number[], dims = [data.length]): In => ({
  dims,
  type: "float",
  data,
  constant: true,
});
const shuffle = <T>(xs: T[]) =>
  xs.map((v) => [r(), v] as const).sort((a, b) => a[0] - b[0]).map((p) => p[1]);

function convCases(): NodeCase[] {
  const out: NodeCase[] = [];
  for (let i = 0; i < 30; i++) {
    const rank = pick([1, 2, 2, 3]);
    const c = pick([1, 2, 4]);
    const group = pick([1, c]);
    const k = Array.from({ length: rank }, () => int(1, 3));
    const d = Array.from({ length: rank }, () => int(1, 2));
    const spatial = k.map((kk, j) => int((kk - 1) * d[j]! + 1, 9));
    const attrs: Record<string, AttributeInput> = {
      strides: spatial.map(() => int(1, 3)),
      dilations: d,
      group,
    };
    const autoPad = pick(["NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"]);
    attrs.auto_pad = autoPad;
    if (autoPad === "NOTSET") attrs.pads = [...k, ...k].map((kk) => int(0, kk - 1));
    // onnxruntime refuses dilations with SAME padding in Conv.
    if (autoPad.startsWith("SAME")) attrs.dilations = d.map(() => 1);
    out.push({
      op: "Conv",
      attrs,
      inputs: [
        x(int(1, 2), c, ...spatial),
        cf(new Array(2 * c / group * k.reduce((a, b) => a * b, 1) * group).fill(0.5), [
          2 * group,
          c / group,
          ...k,
        ]),
      ],
    });
  }
  return out;
}

function poolCases(): NodeCase[] {
  const out: NodeCase[] = [];
  for (let i = 0; i < 40; i++) {
    const op = pick(["MaxPool", "AveragePool"]);
    const rank = pick([1, 2, 2, 3]);
    const k = Array.from({ length: rank }, () => int(1, 3));
    const d = op === "MaxPool" ? k.map(() => int(1, 2)) : k.map(() => 1);
    const spatial = k.map((kk, j) => int((kk - 1) * d[j]! + 1, 9));
    const attrs: Record<string, AttributeInput> = {
      kernel_shape: k,
      strides: k.map(() => int(1, 3)),
      ceil_mode: int(0, 1),
    };
    if (op === "MaxPool") attrs.dilations = d;
    else attrs.count_include_pad = int(0, 1);
    const autoPad = pick(["NOTSET", "NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"]);
    attrs.auto_pad = autoPad;
    if (autoPad === "NOTSET") attrs.pads = [...k, ...k].map((kk) => int(0, kk - 1));
    if (autoPad !== "NOTSET") attrs.ceil_mode = 0;
    out.push({
      op,
      attrs,
      inputs: [x(1, 2, ...spatial)],
      outputs: op === "MaxPool" ? int(1, 2) : 1,
    });
  }
  return out;
}

function convTransposeCases(): NodeCase[] {
  const out: NodeCase[] = [];
  for (let i = 0; i < 20; i++) {
    const rank = pick([1, 2]);
    const k = Array.from({ length: rank }, () => int(1, 3));
    const s = k.map(() => int(1, 3));
    const d = k.map(() => int(1, 2));
    const attrs: Record<string, AttributeInput> = { strides: s, dilations: d };
    const mode = pick(["pads", "pads", "same", "valid", "output_shape"]);
    const spatial = k.map(() => int(2, 6));
    if (mode === "pads") {
      attrs.pads = [...k, ...k].map((kk) => int(0, kk - 1));
      attrs.output_padding = s.map((ss, j) => int(0, Math.min(ss, d[j]!) - 1));
    } else if (mode === "same") attrs.auto_pad = "SAME_UPPER";
    else if (mode === "valid") attrs.auto_pad = "VALID";
    else {attrs.output_shape = spatial.map((v, j) =>
        s[j]! * (v - 1) + (k[j]! - 1) * d[j]! + 1 - int(0, 1) * 0
      );}
    out.push({
      op: "ConvTranspose",
      attrs,
      inputs: [
        x(1, 2, ...spatial),
        cf(new Array(2 * 3 * k.reduce((a, b) => a * b, 1)).fill(0.25), [2, 3, ...k]),
      ],
    });
  }
  return out;
}

function sliceCases(): NodeCase[] {
  const out: NodeCase[] = [];
  for (let i = 0; i < 30; i++) {
    const rank = int(1, 3);
    const dims = Array.from({ length: rank }, () => int(1, 6));
    const axes = shuffle(dims.map((_, j) => j)).slice(0, int(1, rank));
    const starts = axes.map(() => pick([int(-8, 8), -1000, 1000, 0]));
    const ends = axes.map(() => pick([int(-8, 8), -1000, 1000]));
    const steps = axes.map(() => pick([1, 1, 2, 3, -1, -2]));
    const negAxes = axes.map((a) => (r() < 0.3 ? a - rank : a));
    const host = r() < 0.3;
    const n = dims.reduce((a, b) => a * b, 1);
    const data = host ? c64(Array.from({ length: n }, (_, j) => j), dims) : x(...dims);
    out.push({ op: "Slice", inputs: [data, c64(starts), c64(ends), c64(negAxes), c64(steps)] });
  }
  return out;
}

function resizeCases(): NodeCase[] {
  const out: NodeCase[] = [];
  for (let i = 0; i < 20; i++) {
    const dims = [1, 2, int(2, 7), int(2, 7)];
    const mode = pick(["nearest", "linear"]);
    const attrs: Record<string, AttributeInput> = { mode };
    if (r() < 0.5) {
      const scales = [1, 1, pick([0.5, 0.6, 1.5, 2, 2.5, 3, 1 / 3]), pick([0.5, 0.75, 1.7, 2, 3])];
      out.push({ op: "Resize", attrs, inputs: [x(...dims), undefined, cf(scales)] });
    } else {
      const policy = pick(["stretch", "not_larger", "not_smaller"]);
      attrs.keep_aspect_ratio_policy = policy;
      if (r() < 0.5) {
        attrs.axes = [2, 3];
        out.push({
          op: "Resize",
          attrs,
          inputs: [x(...dims), undefined, undefined, c64([int(1, 9), int(1, 9)])],
        });
      } else {
        out.push({
          op: "Resize",
          attrs,
          inputs: [x(...dims), undefined, undefined, c64([1, 2, int(1, 9), int(1, 9)])],
        });
      }
    }
  }
  return out;
}

function matmulCases(): NodeCase[] {
  const out: NodeCase[] = [];
  for (let i = 0; i < 20; i++) {
    const [m, k, n] = [int(1, 4), int(1, 4), int(1, 4)];
    const batch = Array.from({ length: int(0, 2) }, () => int(1, 3));
    const bBatch = batch.map((b) => (r() < 0.3 ? 1 : b)).slice(int(0, batch.length));
    const a = r() < 0.15 ? [k] : [...batch, m, k];
    const b = r() < 0.15 ? [k] : [...bBatch, k, n];
    out.push({ op: "MatMul", inputs: [x(...a), x(...b)] });
  }
  for (let i = 0; i < 6; i++) {
    const [m, k, n] = [int(1, 4), int(1, 4), int(1, 4)];
    const [ta, tb] = [int(0, 1), int(0, 1)];
    out.push({
      op: "Gemm",
      attrs: { transA: ta, transB: tb },
      inputs: [
        x(...(ta ? [k, m] : [m, k])),
        x(...(tb ? [n, k] : [k, n])),
        pick([x(n), x(1, n), x(m, n), undefined]),
      ],
    });
  }
  return out;
}

function dataMovementCases(): NodeCase[] {
  const out: NodeCase[] = [];
  const iota = (dims: number[]) =>
    c64(Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, j) => j), dims);
  out.push(
    { op: "Reshape", inputs: [x(2, 3, 4), c64([0, -1])] },
    { op: "Reshape", inputs: [x(2, 3, 4), c64([-1, 0, 2])] },
    { op: "Reshape", inputs: [x(2, 0, 4), c64([0, 4, -1])] },
    { op: "Reshape", attrs: { allowzero: 1 }, inputs: [x(2, 0, 4), c64([0, 8])] },
    { op: "Reshape", inputs: [iota([2, 3]), c64([3, 2])] },
    { op: "Flatten", attrs: { axis: 0 }, inputs: [x(2, 3, 4)] },
    { op: "Flatten", attrs: { axis: -1 }, inputs: [x(2, 3, 4)] },
    { op: "Flatten", attrs: { axis: 3 }, inputs: [x(2, 3, 4)] },
    { op: "Squeeze", inputs: [x(1, 3, 1, 2)] },
    { op: "Squeeze", inputs: [x(1, 3, 1, 2), c64([-2])] },
    { op: "Unsqueeze", inputs: [x(3, 2), c64([-1, 0])] },
    { op: "Unsqueeze", inputs: [iota([3]), c64([1])] },
    { op: "Transpose", inputs: [x(2, 3, 4)] },
    { op: "Transpose", attrs: { perm: [1, 3, 0, 2] }, inputs: [x(2, 3, 4, 5)] },
    { op: "Transpose", attrs: { perm: [1, 0] }, inputs: [iota([2, 3])] },
    { op: "Concat", attrs: { axis: -1 }, inputs: [x(2, 3), x(2, 1), x(2, 0)] },
    { op: "Concat", attrs: { axis: 0 }, inputs: [iota([2]), c64([7]), c64([8, 9])] },
    { op: "Split", attrs: { axis: 1 }, inputs: [x(2, 7), c64([2, 5])], outputs: 2 },
    { op: "Split", attrs: { axis: 1, num_outputs: 3 }, inputs: [x(2, 7)], outputs: 3 },
    { op: "Split", attrs: { axis: -1, num_outputs: 2 }, inputs: [x(3, 4)], outputs: 2 },
    { op: "Gather", attrs: { axis: 1 }, inputs: [x(3, 4, 2), c64([-1, 0, 2], [3])] },
    { op: "Gather", attrs: { axis: 0 }, inputs: [x(3, 4), c64([1], [])] },
    { op: "Gather", attrs: { axis: -1 }, inputs: [x(3, 4), c64([1, 2, 0, 3], [2, 2])] },
    { op: "Gather", attrs: { axis: 0 }, inputs: [iota([4]), c64([3, -4])] },
    { op: "GatherElements", attrs: { axis: 1 }, inputs: [x(2, 3), c64([0, 2, 1, 1], [2, 2])] },
    { op: "GatherND", inputs: [x(2, 3, 4), c64([0, 1, 1, 2], [2, 2])] },
    { op: "GatherND", attrs: { batch_dims: 1 }, inputs: [x(2, 3, 4), c64([1, 2], [2, 1])] },
    { op: "Pad", inputs: [x(2, 3), c64([1, 0, 2, 1])] },
    {
      op: "Pad",
      attrs: { mode: "reflect" },
      inputs: [x(1, 2, 4, 5), c64([1, 2, 0, 1]), undefined, c64([2, -1])],
    },
    { op: "Pad", attrs: { mode: "edge" }, inputs: [iota([2, 2]), c64([0, 1, 1, 0]), c64([5], [])] },
    { op: "Expand", inputs: [x(3, 1), c64([2, 1, 4])] },
    { op: "Expand", inputs: [iota([1, 2]), c64([3, 1])] },
    { op: "Tile", inputs: [x(2, 3), c64([2, 1])] },
    { op: "Tile", inputs: [iota([2]), c64([3])] },
    { op: "DepthToSpace", attrs: { blocksize: 2 }, inputs: [x(1, 8, 2, 3)] },
    { op: "SpaceToDepth", attrs: { blocksize: 2 }, inputs: [x(1, 2, 4, 6)] },
    { op: "Shape", inputs: [x(2, 3, 4, 5)] },
    { op: "Shape", attrs: { start: 1, end: -1 }, inputs: [x(2, 3, 4, 5)] },
    { op: "Shape", attrs: { start: -2 }, inputs: [x(2, 3, 4, 5)] },
    { op: "Size", inputs: [x(2, 3, 4)] },
    { op: "Range", inputs: [c64([2], []), c64([11], []), c64([3], [])] },
    { op: "Range", inputs: [cf([1], []), cf([-2], []), cf([-0.5], [])] },
    { op: "ConstantOfShape", inputs: [c64([2, 3])] },
    {
      op: "ConstantOfShape",
      attrs: { value: buildTensor("", "int64", [1], [7]) },
      inputs: [c64([3])],
    },
    {
      op: "Where",
      inputs: [{ dims: [2, 1], type: "bool", data: [1, 0], constant: true }, x(1, 3), x(2, 3)],
    },
    {
      op: "Where",
      inputs: [
        { dims: [3], type: "bool", data: [1, 0, 1], constant: true },
        c64([1, 2, 3]),
        c64([-1], []),
      ],
    },
    { op: "Cast", attrs: { to: 7 }, inputs: [cf([1.7, -2.5, 3])] },
    { op: "Cast", attrs: { to: 1 }, inputs: [iota([2, 2])] },
    { op: "Cast", attrs: { to: 9 }, inputs: [x(2)] },
    { op: "OneHot", inputs: [c64([0, 2, 1], [3]), c64([4], []), cf([0, 1])] },
    { op: "TopK", attrs: { axis: 1 }, inputs: [x(2, 5), c64([3])], outputs: 2 },
    { op: "ArgMax", attrs: { axis: -1, keepdims: 0 }, inputs: [x(2, 5)] },
    { op: "ArgMin", attrs: { axis: 0 }, inputs: [x(2, 5)] },
    // ceil_mode windows that would start in the end padding are dropped.
    {
      op: "MaxPool",
      attrs: { kernel_shape: [2], strides: [3], pads: [0, 1], ceil_mode: 1 },
      inputs: [x(1, 1, 2)],
    },
    {
      op: "AveragePool",
      attrs: { kernel_shape: [2, 2], strides: [3, 3], pads: [0, 0, 1, 1], ceil_mode: 1 },
      inputs: [x(1, 1, 5, 2)],
    },
    { op: "GlobalAveragePool", inputs: [x(2, 3, 4, 5)] },
    { op: "Einsum", attrs: { equation: "bij,bjk->bik" }, inputs: [x(2, 3, 4), x(2, 4, 5)] },
    { op: "Einsum", attrs: { equation: "ij,jk" }, inputs: [x(3, 4), x(4, 5)] },
    {
      op: "Einsum",
      attrs: { equation: "...ij,...jk->...ik" },
      inputs: [x(2, 1, 3, 4), x(1, 5, 4, 2)],
    },
    { op: "Einsum", attrs: { equation: "i,i" }, inputs: [x(3), x(3)] },
    { op: "Einsum", attrs: { equation: "ii->i" }, inputs: [x(3, 3)] },
    {
      op: "Einsum",
      attrs: { equation: "bhqd, bhkd -> bhqk" },
      inputs: [x(1, 2, 3, 4), x(1, 2, 5, 4)],
    },
    { op: "GridSample", inputs: [x(1, 2, 4, 5), x(1, 3, 6, 2)] },
    {
      op: "RoiAlign",
      attrs: { output_height: 3, output_width: 2 },
      inputs: [x(1, 2, 6, 6), cf([0, 0, 3, 3, 1, 1, 4, 5], [2, 4]), c64([0, 0])],
    },
    { op: "Det", inputs: [x(2, 3, 3)] },
    {
      op: "LSTM",
      attrs: { hidden_size: 4 },
      inputs: [x(5, 2, 3), x(1, 16, 3), x(1, 16, 4)],
      outputs: 3,
    },
    {
      op: "LSTM",
      attrs: { hidden_size: 2, direction: "bidirectional" },
      inputs: [x(5, 2, 3), x(2, 8, 3), x(2, 8, 2)],
      outputs: 3,
    },
    {
      op: "GRU",
      attrs: { hidden_size: 3, direction: "reverse" },
      inputs: [x(4, 1, 2), x(1, 9, 2), x(1, 9, 3)],
      outputs: 2,
    },
    {
      op: "RNN",
      attrs: { hidden_size: 3 },
      inputs: [x(4, 2, 2), x(1, 3, 2), x(1, 3, 3)],
      outputs: 2,
    },
    { op: "GlobalMaxPool", inputs: [x(2, 3, 4)] },
    {
      op: "LayerNormalization",
      attrs: { axis: 1 },
      inputs: [x(2, 3, 4), x(3, 4), x(3, 4)],
      outputs: 3,
    },
    { op: "LayerNormalization", inputs: [x(2, 3, 4), x(4)], outputs: 3 },
    { op: "Softmax", attrs: { axis: 1 }, inputs: [x(2, 3, 4)] },
    { op: "BatchNormalization", inputs: [x(2, 3, 2), x(3), x(3), x(3), cf([1, 2, 3])] },
    { op: "Equal", inputs: [iota([3]), c64([1], [])] },
    { op: "Less", inputs: [x(2, 1), x(3)] },
    { op: "Not", inputs: [{ dims: [2], type: "bool", data: [1, 0], constant: true }] },
    { op: "Add", inputs: [iota([2, 3]), c64([10, 20, 30])] },
    { op: "Div", inputs: [c64([7, -7, 9]), c64([2], [])] },
    { op: "Mul", inputs: [x(4, 1, 3), x(2, 1)] },
    { op: "Max", inputs: [x(2, 1), x(3), x(1)] },
    { op: "Mod", inputs: [c64([7, -7, 9, -9]), c64([3, 3, -4, -4])] },
    { op: "Mod", attrs: { fmod: 1 }, inputs: [c64([7, -7, 9, -9]), c64([3, 3, -4, -4])] },
    { op: "Sub", inputs: [cf([1.5, 2.5]), cf([0.25], [])] },
    { op: "Pow", inputs: [x(2, 3), cf([2], [])] },
    { op: "Relu", inputs: [x(2, 3)] },
    { op: "Gelu", inputs: [x(2, 3)], opset: 20 },
    { op: "Clip", inputs: [x(5), cf([0], []), cf([6], [])] },
    {
      op: "QuantizeLinear",
      inputs: [x(2, 3), cf([0.1], []), { dims: [], type: "int8", data: [1], constant: true }],
    },
    { op: "QuantizeLinear", attrs: { axis: 1 }, inputs: [x(2, 3), cf([0.1, 0.2, 0.3])] },
    {
      op: "DequantizeLinear",
      inputs: [
        { dims: [2, 3], type: "uint8", data: [1, 2, 3, 4, 5, 6], constant: true },
        cf([0.1], []),
      ],
    },
  );
  for (
    const op of [
      "ReduceMean",
      "ReduceSum",
      "ReduceMax",
      "ReduceMin",
      "ReduceProd",
      "ReduceL2",
      "ReduceSumSquare",
    ]
  ) {
    const rank = int(1, 4);
    const dims = Array.from({ length: rank }, () => int(1, 4));
    const axes = shuffle(dims.map((_, j) => j)).slice(0, int(0, rank)).map((
      a,
    ) => (r() < 0.3 ? a - rank : a));
    const attrs: Record<string, AttributeInput> = { keepdims: int(0, 1) };
    if (axes.length === 0) attrs.noop_with_empty_axes = int(0, 1);
    const host = op === "ReduceSum" || op === "ReduceProd" || op === "ReduceMax";
    const data = host ? iota(dims) : x(...dims);
    out.push({ op, attrs, inputs: axes.length ? [data, c64(axes)] : [data] });
  }
  return out;
}

const CASES: readonly NodeCase[] = [
  ...convCases(),
  ...poolCases(),
  ...convTransposeCases(),
  ...sliceCases(),
  ...resizeCases(),
  ...matmulCases(),
  ...dataMovementCases(),
];

function tensor(name: string, input: In, seed: number): OnnxTensor {
  const rr = seededRandom(seed);
  const n = input.dims.reduce((a, b) => a * b, 1);
  const data = input.data ?? Array.from({ length: n }, () => 2 * rr() - 1);
  return buildTensor(name, input.type ?? "float", input.dims, [...data]);
}

Deno.test(`inferShapes() agrees with onnxruntime on ${CASES.length} random single-node cases`, async () => {
  const failures: string[] = [];
  let compared = 0, host = 0;
  for (const [k, c] of CASES.entries()) {
    const names = c.inputs.map((inp, i) => (inp ? `x${i}` : ""));
    const outputs = Array.from({ length: c.outputs ?? 1 }, (_, i) => `y${i}`);
    const feeds: Record<string, OnnxTensor> = {};
    const initializers: OnnxTensor[] = [];
    c.inputs.forEach((inp, i) => {
      if (!inp) return;
      const t = tensor(`x${i}`, inp, k * 10 + i);
      if (inp.constant) initializers.push(t);
      else feeds[t.name] = t;
    });
    const model = buildModel({
      opset: c.opset ?? 21,
      nodes: [buildNode(c.op, names, outputs, c.attrs ?? {}, { name: "n" })],
      inputs: Object.values(feeds).map((t) => valueInfo(t.name, t.dataType, t.dims)),
      outputs: outputs.map((o) => ({ ...valueInfo(o, "float", undefined), type: undefined })),
      initializers,
    });
    const what = `${c.op} ${JSON.stringify(c.attrs ?? {})} ${
      JSON.stringify(c.inputs.map((i) => i?.dims))
    }`;
    try {
      const check = await checkInference(graphFromModel(model), feeds);
      compared += check.compared;
      host += check.hostCompared;
      if (check.compared !== outputs.length) {
        failures.push(`${what}: ${check.compared} outputs inferred`);
      }
      for (const m of check.mismatches) failures.push(`${what}: ${m}`);
    } catch (e) {
      failures.push(`${what}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(host >= 20, `${host} host values compared`);
  console.log(`${CASES.length} cases, ${compared} outputs, ${host} host-evaluated`);
});
