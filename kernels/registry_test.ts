import assert from "node:assert/strict";
import { getKernel, KERNELS, listKernels, registerKernel } from "./registry.ts";

Deno.test("getKernel() returns every registered family by its own name", () => {
  for (const [name, family] of Object.entries(KERNELS)) assert.equal(getKernel(name), family);
});

Deno.test("getKernel() throws a RangeError, when the name is an Object.prototype member", () => {
  const inherited = [
    "toString",
    "constructor",
    "hasOwnProperty",
    "valueOf",
    "__proto__",
    "isPrototypeOf",
    "__defineGetter__",
  ];
  for (const name of inherited) {
    assert.throws(
      () => getKernel(name),
      (e: unknown) =>
        e instanceof RangeError && e.message.startsWith(`unknown op '${name}': expected one of`),
      name,
    );
  }
});

Deno.test("getKernel() throws a TypeError naming 'op', when it is not a string", () => {
  for (const op of [undefined, null, 3, {}, ["matmul"]]) {
    assert.throws(
      () => getKernel(op as unknown as string),
      (e: unknown) => e instanceof TypeError && /^'op' must be a string/.test(e.message),
      String(op),
    );
  }
});

Deno.test("registerKernel() adds a family under its own name and returns its removal, when the name is new", () => {
  const matmul = getKernel("matmul");
  for (const name of ["my_matmul", "toString", "__proto__", "constructor"]) {
    const family = { ...matmul, name };
    const unregister = registerKernel(family);
    assert.equal(getKernel(name), family, name);
    assert.ok(listKernels().includes(family), name);
    unregister();
    assert.throws(() => getKernel(name), RangeError, name);
  }
});

Deno.test("registerKernel() throws a RangeError naming 'family.name', when the name is taken or empty", () => {
  const matmul = getKernel("matmul");
  for (const name of ["matmul", "conv2d", ""]) {
    assert.throws(
      () => registerKernel({ ...matmul, name }),
      (e: unknown) => e instanceof RangeError && e.message.startsWith("'family.name'"),
      name,
    );
  }
  const unregister = registerKernel({ ...matmul, name: "twice" });
  assert.throws(() => registerKernel({ ...matmul, name: "twice" }), RangeError);
  unregister();
});

Deno.test("registerKernel() throws a TypeError naming the member, when the family lacks one", () => {
  const { generate: _generate, ...partial } = getKernel("matmul");
  assert.throws(
    () => registerKernel({ ...partial, name: "partial" } as never),
    (e: unknown) => e instanceof TypeError && e.message.startsWith("'family.generate'"),
  );
  assert.throws(
    () => registerKernel({ ...getKernel("matmul"), name: "no_shapes", testShapes: [] }),
    (e: unknown) => e instanceof TypeError && e.message.startsWith("'family.testShapes'"),
  );
});
