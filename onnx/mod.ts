/**
 * ONNX loading and writing: models (`ModelProto`) and tensors (`TensorProto`) decoded with protobufjs into
 * plain, typed data: graphs, nodes with decoded attributes, initializers, value infos with shapes,
 * opset imports, and tensor values as typed arrays.
 *
 * @example Load a model and one of its test inputs
 * ```ts
 * import { buildModel, buildNode, buildTensor, encodeModel, valueInfo } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * const model = buildModel({
 *   nodes: [buildNode("Gemm", ["a", "b"], ["y"], { alpha: 0.25 })],
 *   inputs: [valueInfo("a", "float", [4, 3]), valueInfo("b", "float", [3, 2])],
 *   outputs: [valueInfo("y", "float", [4, 2])],
 * });
 * await Deno.writeFile(`${dir}/model.onnx`, encodeModel(model));
 * import { encodeTensor, readModelFile, readTensorFile } from "./mod.ts";
 * const a = buildTensor("a", "float", [4, 3], Array.from({ length: 12 }, (_, i) => i));
 * await Deno.writeFile(`${dir}/input_0.pb`, encodeTensor(a));
 * const read = await readModelFile(`${dir}/model.onnx`);
 * const node = read.graph.nodes[0]!;
 * console.log(node.opType, node.attributes.alpha); // "Gemm" { name: "alpha", type: "float", value: 0.25, ... }
 * const input = await readTensorFile(`${dir}/input_0.pb`);
 * console.log(input.dims, input.data.length); // [4, 3] 12
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export * from "./attribute.ts";
export * from "./build.ts";
export * from "./data_type.ts";
export * from "./float_formats.ts";
export * from "./graph.ts";
export * from "./model.ts";
export * from "./model_write.ts";
export * from "./schema.ts";
export * from "./sparse_tensor.ts";
export * from "./tensor.ts";
export * from "./tensor_write.ts";
export * from "./value_type.ts";
