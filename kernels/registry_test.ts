import assert from "node:assert/strict";
import { getKernel, KERNELS } from "./registry.ts";

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
