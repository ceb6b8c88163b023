/**
 * A ResNet basic block built with the project's own writer: Conv 3×3 → BatchNormalization → Relu →
 * Conv 3×3 → BatchNormalization → Add (skip connection) → Relu, seeded random weights.
 *
 * @module
 */
import { buildModel, buildNode, buildTensor, float, valueInfo } from "../../onnx/build.ts";
import type { OnnxModel } from "../../onnx/model.ts";
import type { OnnxTensor } from "../../onnx/tensor.ts";
import { seededRandom } from "./ort.ts";

/** Options of {@linkcode resnetBlockModel}. */
export interface ResnetBlockOptions {
  /** Channels in and out. @default {64} */
  channels?: number;
  /** Height and width of the feature map. @default {28} */
  size?: number;
  /** Batch dim: a number, or a symbolic name. @default {"N"} */
  batch?: number | string;
  /** Seed of the weights. @default {1} */
  seed?: number;
  /** Default-domain opset. @default {17} */
  opset?: number;
}

/**
 * The block as a model with input `x` and output `y`, both `[batch, channels, size, size]`.
 *
 * @example
 * ```ts
 * import { resnetBlockModel } from "./resnet_block.ts";
 * const model = resnetBlockModel({ channels: 8, size: 8 });
 * console.log(model.graph.nodes.map((n) => n.opType).join(" "));
 * // "Conv BatchNormalization Relu Conv BatchNormalization Add Relu"
 * ```
 */
export function resnetBlockModel(options: ResnetBlockOptions = {}): OnnxModel {
  const { channels: c = 64, size = 28, batch = "N", seed = 1, opset = 17 } = options;
  const random = seededRandom(seed);
  const uniform = (name: string, dims: number[], lo: number, hi: number): OnnxTensor =>
    buildTensor(
      name,
      "float",
      dims,
      Float32Array.from(
        { length: dims.reduce((a, b) => a * b, 1) },
        () => lo + (hi - lo) * random(),
      ),
    );
  const bound = Math.sqrt(6 / (9 * c)); // He-uniform-like fan-in scale keeps activations O(1)
  const initializers: OnnxTensor[] = [];
  for (const i of [1, 2]) {
    initializers.push(
      uniform(`conv${i}.w`, [c, c, 3, 3], -bound, bound),
      uniform(`bn${i}.scale`, [c], 0.5, 1.5),
      uniform(`bn${i}.bias`, [c], -0.2, 0.2),
      uniform(`bn${i}.mean`, [c], -0.1, 0.1),
      uniform(`bn${i}.var`, [c], 0.5, 1.5),
    );
  }
  const conv = { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] };
  const bn = (i: number, x: string, y: string) =>
    buildNode(
      "BatchNormalization",
      [x, `bn${i}.scale`, `bn${i}.bias`, `bn${i}.mean`, `bn${i}.var`],
      [y],
      { epsilon: float(1e-5) },
      { name: `bn${i}` },
    );
  const dims = [batch, c, size, size];
  return buildModel({
    name: "resnet_basic_block",
    opset,
    nodes: [
      buildNode("Conv", ["x", "conv1.w"], ["c1"], conv, { name: "conv1" }),
      bn(1, "c1", "b1"),
      buildNode("Relu", ["b1"], ["r1"], {}, { name: "relu1" }),
      buildNode("Conv", ["r1", "conv2.w"], ["c2"], conv, { name: "conv2" }),
      bn(2, "c2", "b2"),
      buildNode("Add", ["b2", "x"], ["s"], {}, { name: "skip" }),
      buildNode("Relu", ["s"], ["y"], {}, { name: "relu2" }),
    ],
    inputs: [valueInfo("x", "float", dims)],
    outputs: [valueInfo("y", "float", dims)],
    initializers,
  });
}
