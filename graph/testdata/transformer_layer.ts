/**
 * A transformer encoder layer built with the project's own writer (post-norm, as in BERT):
 * multi-head self-attention from MatMuls with Softmax, a residual Add and LayerNormalization, then
 * a feed-forward block MatMul → GELU → MatMul, a residual Add and LayerNormalization. The first
 * head split reshapes to a target computed by a Shape → Gather → Concat subgraph (so that shape
 * inference has host work to do); the other reshapes use constant targets with `0` and `-1`.
 *
 * @module
 */
import { buildModel, buildNode, buildTensor, float, valueInfo } from "../../onnx/build.ts";
import type { OnnxNode } from "../../onnx/graph.ts";
import type { OnnxModel } from "../../onnx/model.ts";
import type { OnnxTensor } from "../../onnx/tensor.ts";
import { seededRandom } from "./ort.ts";

/** Options of {@linkcode transformerLayerModel}. */
export interface TransformerLayerOptions {
  /** Sequence length. @default {128} */
  sequence?: number;
  /** Hidden size. @default {256} */
  hidden?: number;
  /** Attention heads (must divide `hidden`). @default {4} */
  heads?: number;
  /** Feed-forward inner size. @default {4 * hidden} */
  ffn?: number;
  /** Batch dim: a number, or a symbolic name. @default {"batch"} */
  batch?: number | string;
  /** Seed of the weights. @default {2} */
  seed?: number;
}

/**
 * The layer as an opset-20 model (GELU is an ONNX op from opset 20) with input `x` and output
 * `y`, both `[batch, sequence, hidden]`.
 *
 * @example
 * ```ts
 * import { transformerLayerModel } from "./transformer_layer.ts";
 * const model = transformerLayerModel({ sequence: 8, hidden: 16, heads: 2 });
 * console.log(model.graph.nodes.filter((n) => n.opType === "Softmax").length); // 1
 * ```
 */
export function transformerLayerModel(options: TransformerLayerOptions = {}): OnnxModel {
  const { sequence: s = 128, hidden: h = 256, heads = 4, batch = "batch", seed = 2 } = options;
  const ffn = options.ffn ?? 4 * h;
  if (h % heads !== 0) {
    throw new RangeError(`'heads' must divide hidden size ${h}: current value is ${heads}`);
  }
  const d = h / heads;
  const random = seededRandom(seed);
  const initializers: OnnxTensor[] = [];
  const weight = (name: string, dims: number[], scale: number) => {
    const n = dims.reduce((a, b) => a * b, 1);
    initializers.push(
      buildTensor(
        name,
        "float",
        dims,
        Float32Array.from({ length: n }, () => (2 * random() - 1) * scale),
      ),
    );
    return name;
  };
  const gamma = (name: string) => {
    initializers.push(
      buildTensor(
        name,
        "float",
        [h],
        Float32Array.from({ length: h }, () => 1 + 0.1 * (random() - 0.5)),
      ),
    );
    return name;
  };
  const constant = (name: string, dataType: "int64" | "float", dims: number[], data: number[]) => {
    initializers.push(buildTensor(name, dataType, dims, data));
    return name;
  };
  const nodes: OnnxNode[] = [];
  const node = (
    op: string,
    inputs: string[],
    output: string,
    attrs: Parameters<typeof buildNode>[3] = {},
  ) => {
    nodes.push(buildNode(op, inputs, [output], attrs, { name: output }));
    return output;
  };
  const w = 1 / Math.sqrt(h);
  const linear = (x: string, name: string, k: number, n: number, scale: number) =>
    node("Add", [
      node("MatMul", [x, weight(`${name}.w`, [k, n], scale)], `${name}.mm`),
      weight(`${name}.b`, [n], 0.02),
    ], name);

  // Head split target [batch, seq, heads, d] from the input's shape.
  const shape = node("Shape", ["x"], "x.shape");
  const bs = node("Gather", [shape, constant("idx01", "int64", [2], [0, 1])], "x.batch_seq", {
    axis: 0,
  });
  const splitShape = node(
    "Concat",
    [bs, constant("heads_d", "int64", [2], [heads, d])],
    "split.shape",
    { axis: 0 },
  );
  const headsShape = constant("split.shape.const", "int64", [4], [0, 0, heads, d]);
  const mergeShape = constant("merge.shape", "int64", [3], [0, -1, h]);

  const q = node(
    "Transpose",
    [node("Reshape", [linear("x", "q", h, h, w), splitShape], "q.split")],
    "q.heads",
    { perm: [0, 2, 1, 3] },
  );
  const k = node(
    "Transpose",
    [node("Reshape", [linear("x", "k", h, h, w), headsShape], "k.split")],
    "k.headsT",
    { perm: [0, 2, 3, 1] },
  );
  const v = node(
    "Transpose",
    [node("Reshape", [linear("x", "v", h, h, w), headsShape], "v.split")],
    "v.heads",
    { perm: [0, 2, 1, 3] },
  );
  const scores = node("Div", [
    node("MatMul", [q, k], "scores.raw"),
    constant("sqrt_d", "float", [], [Math.sqrt(d)]),
  ], "scores");
  const probs = node("Softmax", [scores], "probs", { axis: -1 });
  const context = node("Transpose", [node("MatMul", [probs, v], "context.heads")], "context.t", {
    perm: [0, 2, 1, 3],
  });
  const merged = node("Reshape", [context, mergeShape], "context");
  const attn = linear(merged, "o", h, h, w);
  const ln = (x: string, name: string) =>
    node(
      "LayerNormalization",
      [x, gamma(`${name}.gamma`), weight(`${name}.beta`, [h], 0)],
      name,
      {
        axis: -1,
        epsilon: float(1e-5),
      },
    );
  const h1 = ln(node("Add", ["x", attn], "res1"), "ln1");
  const up = linear(h1, "ffn1", h, ffn, w);
  const act = node("Gelu", [up], "gelu", { approximate: "none" });
  const down = linear(act, "ffn2", ffn, h, 1 / Math.sqrt(ffn));
  const y = ln(node("Add", [h1, down], "res2"), "y");
  const dims = [batch, s, h];
  return buildModel({
    name: "transformer_encoder_layer",
    opset: 20,
    nodes,
    inputs: [valueInfo("x", "float", dims)],
    outputs: [valueInfo(y, "float", dims)],
    initializers,
  });
}
