/**
 * ONNX loading and writing: models (`ModelProto`) and tensors (`TensorProto`) decoded with protobufjs into
 * plain, typed data: graphs, nodes with decoded attributes, initializers, value infos with shapes,
 * opset imports, and tensor values as typed arrays.
 *
 * @example Load a model and one of its test inputs
 * ```ts ignore
 * import { readModelFile, readTensorFile } from "./mod.ts";
 * const model = await readModelFile("test_gemm_all_attributes/model.onnx");
 * const node = model.graph.nodes[0]!;
 * console.log(node.opType, node.attributes.alpha); // "Gemm" { name: "alpha", type: "float", value: 0.25, ... }
 * const a = await readTensorFile("test_gemm_all_attributes/test_data_set_0/input_0.pb");
 * console.log(a.dims, a.data.length); // [4, 3] 12
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
