import assert from "node:assert/strict";
import { createEncoder } from "./encoding.ts";

Deno.test("createEncoder() puts powers of two on a normalized log2 scale, when all values are powers of two", () => {
  const encoder = createEncoder([{ name: "tile", values: [64, 8, 16, 32, 128] }]);
  assert.deepEqual(encoder.kinds, ["log2"]);
  assert.deepEqual([8, 16, 32, 64, 128].map((tile) => encoder.encode({ tile })[0]), [
    0,
    0.25,
    0.5,
    0.75,
    1,
  ]);
});

Deno.test("createEncoder() treats fractional powers of two as log2, when values include 0.5", () => {
  const encoder = createEncoder([{ name: "scale", values: [0.5, 1, 2] }]);
  assert.deepEqual(encoder.kinds, ["log2"]);
  assert.equal(encoder.encode({ scale: 1 })[0], 0.5);
});

Deno.test("createEncoder() min-max normalizes, when a numeric parameter is not all powers of two", () => {
  const encoder = createEncoder([{ name: "unroll", values: [1, 3, 2, 6] }]);
  assert.deepEqual(encoder.kinds, ["linear"]);
  assert.equal(encoder.encode({ unroll: 1 })[0], 0);
  assert.equal(encoder.encode({ unroll: 6 })[0], 1);
  assert.ok(Math.abs(encoder.encode({ unroll: 3 })[0]! - 0.4) < 1e-12);
});

Deno.test("createEncoder() one-hot encodes at unit distance, when a parameter is categorical", () => {
  const encoder = createEncoder([{ name: "variant", values: ["naive", "shared", "register"] }]);
  assert.deepEqual(encoder.kinds, ["one-hot"]);
  assert.equal(encoder.dimensions, 3);
  assert.deepEqual([...encoder.groups], [0, 0, 0]);
  const a = encoder.encode({ variant: "naive" });
  const b = encoder.encode({ variant: "register" });
  assert.equal(a.filter((v) => v !== 0).length, 1);
  const distance = Math.hypot(...a.map((v, i) => v - b[i]!));
  assert.ok(Math.abs(distance - 1) < 1e-12);
});

Deno.test("createEncoder() uses one 0/1 column, when a parameter is boolean", () => {
  const encoder = createEncoder([{ name: "unroll", values: [true, false] }]);
  assert.deepEqual(encoder.kinds, ["boolean"]);
  assert.deepEqual([...encoder.encode({ unroll: true })], [1]);
  assert.deepEqual([...encoder.encode({ unroll: false })], [0]);
});

Deno.test("createEncoder() treats a mixed-type parameter as categorical, when values mix numbers and strings", () => {
  const encoder = createEncoder([{ name: "vec", values: [1, "auto", 4] }]);
  assert.deepEqual(encoder.kinds, ["one-hot"]);
  assert.equal(encoder.dimensions, 3);
});

Deno.test("createEncoder() drops a parameter, when it has a single value", () => {
  const encoder = createEncoder([
    { name: "fixed", values: [4] },
    { name: "tile", values: [8, 16] },
    { name: "mode", values: ["a", "b"] },
  ]);
  assert.deepEqual(encoder.groupNames, ["tile", "mode"]);
  assert.deepEqual([...encoder.groups], [0, 1, 1]);
  assert.deepEqual([...encoder.encode({ fixed: 4, tile: 16, mode: "b" })], [1, 0, Math.SQRT1_2]);
});

Deno.test("Encoder.unit() gives each parameter's value rank, when parameters mix kinds", () => {
  const encoder = createEncoder([
    { name: "tile", values: [32, 8, 16, 64] },
    { name: "unroll", values: [1, 2, 7] },
    { name: "mode", values: ["a", "b"] },
    { name: "flag", values: [true, false] },
  ]);
  assert.deepEqual([...encoder.unit({ tile: 16, unroll: 7, mode: "b", flag: true })], [
    0.375,
    5 / 6,
    0.75,
    0.75,
  ]);
  assert.deepEqual([...encoder.unit({ tile: 64, unroll: 1, mode: "a", flag: false })], [
    0.875,
    1 / 6,
    0.25,
    0.25,
  ]);
});

Deno.test("Encoder.encode() throws a RangeError naming the parameter, when a value is not listed", () => {
  const encoder = createEncoder([{ name: "tile", values: [8, 16] }]);
  assert.throws(() => encoder.encode({ tile: 12 }), RangeError);
  assert.throws(() => encoder.encode({ tile: 12 }), /tile=12/);
  assert.throws(() => encoder.encode({}), /tile=undefined/);
});

Deno.test("createEncoder() throws a TypeError, when a name repeats or a value list is empty or repeats", () => {
  assert.throws(
    () => createEncoder([{ name: "x", values: [1] }, { name: "x", values: [2] }]),
    /names 'x' twice/,
  );
  assert.throws(() => createEncoder([{ name: "x", values: [] }]), /'x' has no values/);
  assert.throws(() => createEncoder([{ name: "x", values: [1, 1] }]), /repeats a value/);
});
