/**
 * A small model with LSTM and If nodes (ops that have no WebGPU kernel, so a runtime runs them
 * through its fallback), built with the project's own writer. The If branches read the LSTM's
 * final hidden state from the enclosing scope.
 *
 * @module
 */
import {
  buildGraph,
  buildModel,
  buildNode,
  buildTensor,
  graphAttr,
  valueInfo,
} from "../../onnx/build.ts";
import type { OnnxModel } from "../../onnx/model.ts";
import { seededRandom } from "./ort.ts";

/**
 * The model: `x` `[seq, batch, 3]` → LSTM (hidden 4) → `h` `[1, batch, 4]`; `If(ReduceSum(h) > 0)`
 * then `Relu(h)` else `Neg(h)`; `y = Add(that, bias)` and `seq_out = Y` of the LSTM.
 *
 * @example
 * ```ts
 * import { lstmIfModel } from "./lstm_if.ts";
 * console.log(lstmIfModel().graph.nodes.map((n) => n.opType).join(" ")); // "LSTM ReduceSum Greater If Add"
 * ```
 */
export function lstmIfModel(seed = 5): OnnxModel {
  const r = seededRandom(seed);
  const hidden = 4, input = 3;
  const weights = (name: string, dims: number[]) =>
    buildTensor(
      name,
      "float",
      dims,
      Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => r() - 0.5),
    );
  const branch = (op: string) =>
    graphAttr(buildGraph({
      name: `${op}_branch`,
      nodes: [buildNode(op, ["h"], [`${op}_out`])],
      inputs: [],
      outputs: [valueInfo(`${op}_out`, "float", undefined)],
    }));
  return buildModel({
    name: "lstm_if",
    opset: 17,
    nodes: [
      buildNode("LSTM", ["x", "W", "R", "B"], ["seq_out", "h"], { hidden_size: hidden }, {
        name: "lstm",
      }),
      buildNode("ReduceSum", ["h"], ["total"], { keepdims: 0 }, { name: "sum" }),
      buildNode("Greater", ["total", "zero"], ["positive"], {}, { name: "positive" }),
      buildNode("If", ["positive"], ["branch_out"], {
        then_branch: branch("Relu"),
        else_branch: branch("Neg"),
      }, {
        name: "if",
      }),
      buildNode("Add", ["branch_out", "bias"], ["y"], {}, { name: "add" }),
    ],
    inputs: [valueInfo("x", "float", ["seq", "batch", input])],
    outputs: [
      valueInfo("y", "float", [1, "batch", hidden]),
      valueInfo("seq_out", "float", ["seq", 1, "batch", hidden]),
    ],
    initializers: [
      weights("W", [1, 4 * hidden, input]),
      weights("R", [1, 4 * hidden, hidden]),
      weights("B", [1, 8 * hidden]),
      buildTensor("zero", "float", [], [0]),
      weights("bias", [hidden]),
    ],
  });
}
