import assert from "node:assert/strict";
import { buildNode, buildTensor } from "../onnx/build.ts";
import type { OnnxTensor } from "../onnx/tensor.ts";
import { evaluateOnHost } from "./host_eval.ts";

const i64 = (data: number[], dims = [data.length]) => buildTensor("", "int64", dims, data);
const f32 = (data: number[], dims = [data.length]) => buildTensor("", "float", dims, data);

function run(
  op: string,
  inputs: (OnnxTensor | undefined)[],
  attrs: Parameters<typeof buildNode>[3] = {},
): OnnxTensor {
  const out = evaluateOnHost(buildNode(op, [], ["y"], attrs), inputs);
  assert.ok(out, `${op} evaluated`);
  return out[0]!;
}

const values = (t: OnnxTensor) => Array.from(t.data as ArrayLike<number>);

Deno.test("evaluateOnHost() rounds half to even, truncates integer Div and follows Mod's sign rules", () => {
  assert.deepEqual(values(run("Round", [f32([0.5, 1.5, 2.5, -0.5, -1.5, 2.4])])), [
    0,
    2,
    2,
    -0,
    -2,
    2,
  ]);
  assert.deepEqual(values(run("Div", [i64([7, -7]), i64([2], [])])), [3, -3]);
  assert.deepEqual(values(run("Mod", [i64([7, -7, 7]), i64([3, 3, -3])])), [1, 2, -2]);
  assert.deepEqual(values(run("Mod", [i64([7, -7, 7]), i64([3, 3, -3])], { fmod: 1 })), [1, -1, 1]);
  assert.deepEqual(values(run("Cast", [f32([1.9, -1.9])], { to: 6 })), [1, -1]);
  assert.equal(run("Cast", [f32([1.9])], { to: 6 }).dataType, "int32");
});

Deno.test("evaluateOnHost() slices with negative steps and clamps out-of-range bounds", () => {
  const x = i64([0, 1, 2, 3, 4, 5], [2, 3]);
  const y = run("Slice", [x, i64([-1, 100]), i64([-100, 0]), i64([0, 1]), i64([-1, -2])]);
  assert.deepEqual(y.dims, [2, 1]);
  assert.deepEqual(values(y), [5, 2]);
});

Deno.test("evaluateOnHost() slices to INT64_MAX, the end exporters write for 'to the end'", () => {
  const shape = i64([8, 128, 256]);
  const max = buildTensor("", "int64", [1], BigInt64Array.of(2n ** 63n - 1n));
  const y = run("Slice", [shape, i64([1]), max]);
  assert.deepEqual(values(y), [128, 256]);
  assert.equal(evaluateOnHost(buildNode("Add", [], ["y"]), [max, max]), undefined);
});

Deno.test("evaluateOnHost() gathers, concatenates and reduces shape values", () => {
  const shape = i64([8, 128, 256]);
  assert.deepEqual(values(run("Gather", [shape, i64([-1], [])], { axis: 0 })), [256]);
  assert.deepEqual(run("Gather", [shape, i64([-1], [])], { axis: 0 }).dims, []);
  const cat = run("Concat", [i64([1, 2], [1, 2]), i64([3, 4, 5, 6], [2, 2])], { axis: 0 });
  assert.deepEqual([cat.dims, values(cat)], [[3, 2], [1, 2, 3, 4, 5, 6]]);
  const prod = run("ReduceProd", [shape, i64([0])], { keepdims: 0 });
  assert.deepEqual([prod.dims, values(prod)], [[], [8 * 128 * 256]]);
  const noop = run("ReduceSum", [shape], { noop_with_empty_axes: 1 });
  assert.deepEqual(values(noop), [8, 128, 256]);
});

Deno.test("evaluateOnHost() declines ops it does not know and string tensors", () => {
  assert.equal(evaluateOnHost(buildNode("Conv", [], ["y"]), [f32([1])]), undefined);
  const s = buildTensor("", "string", [1], ["a"]);
  assert.equal(evaluateOnHost(buildNode("Identity", [], ["y"]), [s]), undefined);
  assert.throws(() => run("Gather", [i64([1, 2]), i64([5])], { axis: 0 }), RangeError);
});
