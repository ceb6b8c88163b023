import assert from "node:assert/strict";
import { loadKernel } from "../ops/kernel_handle.ts";
import { bufferBytes } from "../core/dtype.ts";
import { decodeTensor, encodeTensor } from "../gpu/tensor_io.ts";
import { readBuffer } from "../gpu/program.ts";
import { GPU_AVAILABLE, testGpu } from "../tests/gpu_fixture.ts";
import type { OnnxAttributes } from "../onnx/graph.ts";
import { runOrtNode, type TestAttribute, type TestNode } from "./ops/testdata/ort_node.ts";
import { tunedNodePlan } from "./tuned_nodes.ts";

function seeded(seed: number, n: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 * 2 - 1;
  });
}

function attributes(list: readonly TestAttribute[] = []): OnnxAttributes {
  return Object.fromEntries(list.map((a) => [a.name, { ...a, docString: "" }])) as OnnxAttributes;
}

/** Runs `spec` through its tuned family (default config) and compares with onnxruntime's CPU. */
async function check(spec: TestNode) {
  const [expected] = await runOrtNode(spec);
  const node = {
    opType: spec.opType,
    attributes: attributes(spec.attributes),
    inputs: spec.inputs.map((i) => i && { dims: i.dims, dtype: "f32" as const }),
    outputs: [{ dims: expected!.dims, dtype: "f32" as const }],
    constants: spec.inputs.map((i) => (i?.initializer ? Array.from(i.data) : undefined)),
  };
  const plan = tunedNodePlan(node);
  assert.ok(plan, `${spec.opType} has a tuned plan`);
  const gpu = await testGpu();
  const kernel = await loadKernel(gpu, plan.op, plan.problem, { cacheDir: null });
  const buffers = kernel.program.bindings.map((binding) => {
    const source = plan.bindings[binding.name]!;
    const buffer = gpu.device.createBuffer({
      size: bufferBytes("f32", binding.elements),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    const data = source.kind === "constant"
      ? source.data
      : source.kind === "input"
      ? spec.inputs[source.index]!.data
      : undefined;
    if (data) gpu.device.queue.writeBuffer(buffer, 0, encodeTensor("f32", data));
    return buffer;
  });
  const encoder = gpu.device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  kernel.encode(pass, kernel.createBindGroup(buffers));
  pass.end();
  gpu.device.queue.submit([encoder.finish()]);
  const outIndex = kernel.program.bindings.findIndex((b) =>
    plan.bindings[b.name]!.kind === "output"
  );
  const elements = kernel.program.bindings[outIndex]!.elements;
  const got = decodeTensor(
    "f32",
    await readBuffer(gpu, buffers[outIndex]!, bufferBytes("f32", elements)),
    elements,
  );
  for (const b of buffers) b.destroy();
  assert.equal(got.length, expected!.data.length);
  const scale = Math.max(1, ...expected!.data.map(Math.abs));
  expected!.data.forEach((v, i) =>
    assert.ok(Math.abs(got[i]! - v) <= 1e-4 * scale, `${spec.opType}[${i}]: ${got[i]} vs ${v}`)
  );
}

const f = (dims: number[], seed: number, initializer = false) => ({
  type: "float" as const,
  dims,
  data: seeded(seed, dims.reduce((a, b) => a * b, 1)),
  initializer,
});

Deno.test({
  name:
    "tunedNodePlan() computes Conv nodes like onnxruntime (pads, strides, groups, auto_pad, 1-D)",
  ignore: !GPU_AVAILABLE,
  async fn() {
    await check({
      opType: "Conv",
      opset: 11,
      inputs: [f([1, 3, 7, 6], 1), f([4, 3, 3, 3], 2, true), f([4], 3, true)],
      attributes: [{ name: "pads", type: "ints", value: [1, 0, 2, 1] }, {
        name: "strides",
        type: "ints",
        value: [2, 1],
      }],
    });
    await check({
      opType: "Conv",
      opset: 11,
      inputs: [f([2, 4, 5, 5], 4), f([6, 2, 3, 3], 5, true)],
      attributes: [{ name: "group", type: "int", value: 2 }, {
        name: "dilations",
        type: "ints",
        value: [2, 1],
      }],
    });
    await check({
      opType: "Conv",
      opset: 11,
      inputs: [f([1, 2, 7, 7], 6), f([2, 2, 3, 3], 7, true)],
      attributes: [{ name: "auto_pad", type: "string", value: "SAME_UPPER" }, {
        name: "strides",
        type: "ints",
        value: [2, 2],
      }],
    });
    await check({
      opType: "Conv",
      opset: 11,
      inputs: [f([1, 3, 9], 8), f([2, 3, 4], 9, true), f([2], 10, true)],
      attributes: [{ name: "pads", type: "ints", value: [1, 2] }],
    });
  },
});

Deno.test({
  name: "tunedNodePlan() computes MatMul and Gemm nodes like onnxruntime",
  ignore: !GPU_AVAILABLE,
  async fn() {
    await check({ opType: "MatMul", opset: 13, inputs: [f([5, 7], 1), f([7, 3], 2)] });
    await check({ opType: "MatMul", opset: 13, inputs: [f([2, 3, 5, 7], 3), f([7, 4], 4, true)] });
    await check({ opType: "MatMul", opset: 13, inputs: [f([3, 5, 7], 5), f([3, 7, 2], 6)] });
    await check({ opType: "MatMul", opset: 13, inputs: [f([7], 7), f([7, 3], 8)] });
    await check({
      opType: "Gemm",
      opset: 13,
      inputs: [f([4, 6], 9), f([5, 6], 10, true), f([5], 11, true)],
      attributes: [{ name: "transB", type: "int", value: 1 }, {
        name: "alpha",
        type: "float",
        value: 0.5,
      }, { name: "beta", type: "float", value: 2 }],
    });
    await check({ opType: "Gemm", opset: 13, inputs: [f([3, 4], 12), f([4, 2], 13)] });
  },
});

Deno.test("tunedNodePlan() declines the forms no family computes", () => {
  const info = (dims: number[]) => ({ dims, dtype: "f32" as const });
  const none = {};
  assert.equal(
    tunedNodePlan({
      opType: "Gemm",
      attributes: { transA: { name: "transA", docString: "", type: "int", value: 1 } },
      inputs: [info([3, 2]), info([3, 4])],
      outputs: [info([2, 4])],
      constants: [],
    }),
    undefined,
  );
  assert.equal(
    tunedNodePlan({
      opType: "Gemm",
      attributes: none,
      inputs: [info([2, 3]), info([3, 4]), info([2, 4])],
      outputs: [info([2, 4])],
      constants: [undefined, undefined, Array(8).fill(1)],
    }),
    undefined,
    "a full C matrix",
  );
  assert.equal(
    tunedNodePlan({
      opType: "MatMul",
      attributes: none,
      inputs: [info([2, 3, 4]), info([1, 4, 5])],
      outputs: [info([2, 3, 5])],
      constants: [],
    })?.problem.m,
    6,
    "a batch of one B folds A's batch into rows",
  );
  assert.equal(
    tunedNodePlan({
      opType: "MatMul",
      attributes: none,
      inputs: [info([3, 4]), info([2, 4, 5])],
      outputs: [info([2, 3, 5])],
      constants: [],
    }),
    undefined,
    "a broadcast A",
  );
  assert.equal(
    tunedNodePlan({
      opType: "Conv",
      attributes: none,
      inputs: [info([1, 1, 2, 2, 2]), info([1, 1, 1, 1, 1])],
      outputs: [info([1, 1, 2, 2, 2])],
      constants: [],
    }),
    undefined,
    "3-D convolution",
  );
});
