import assert from "node:assert/strict";
import { parseJsonc } from "./jsonc.ts";

Deno.test("parseJsonc() drops comments and trailing commas outside strings", () => {
  const text = `// header
  [
    { "a": "x // not a comment", "b": "/* nor this */", }, /* block
    comment */ [1, 2, // two
    ],
  ]`;
  assert.deepEqual(parseJsonc(text), [{ a: "x // not a comment", b: "/* nor this */" }, [1, 2]]);
});

Deno.test("parseJsonc() keeps escaped quotes inside strings", () => {
  assert.deepEqual(parseJsonc(`{ "q": "say \\"hi\\", // x" }`), { q: 'say "hi", // x' });
});

Deno.test("parseJsonc() rejects malformed input with a SyntaxError", () => {
  assert.throws(() => parseJsonc("[1, 2"), SyntaxError);
  assert.throws(() => parseJsonc("[1 /* open"), SyntaxError);
});
