import assert from "node:assert/strict";
import { getStrategy, STRATEGIES } from "./registry.ts";

Deno.test("getStrategy() returns every registered strategy by its own name", () => {
  for (const [name, strategy] of Object.entries(STRATEGIES)) {
    assert.equal(getStrategy(name), strategy);
  }
});

Deno.test("getStrategy() throws a RangeError, when the name is an Object.prototype member", () => {
  const inherited = ["hasOwnProperty", "toString", "constructor", "valueOf", "__proto__"];
  for (const name of inherited) {
    assert.throws(
      () => getStrategy(name),
      (e: unknown) =>
        e instanceof RangeError &&
        e.message.startsWith(`unknown strategy '${name}': expected one of`),
      name,
    );
  }
});

Deno.test("getStrategy() throws a TypeError naming 'strategy', when it is not a string", () => {
  for (const name of [undefined, null, 1, {}]) {
    assert.throws(
      () => getStrategy(name as unknown as string),
      (e: unknown) => e instanceof TypeError && /^'strategy' must be a string/.test(e.message),
      String(name),
    );
  }
});
