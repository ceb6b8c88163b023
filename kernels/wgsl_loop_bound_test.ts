import assert from "node:assert/strict";
import { wgslLoopBound } from "./wgsl_loop_bound.ts";

Deno.test("wgslLoopBound() multiplies nested loops out and adds sequential ones, with constants and steps", () => {
  const code = `const N: u32 = 10u;
const TK: u32 = 4u;
fn main() {
  for (var c0 = 0u; c0 < N * 3u; c0 += TK) {
    for (var cb = 0u; cb < TK; cb++) { let x = 1; }
  }
  { for (var e = li; e < 100u; e += 8u) { } }
}`;
  // ⌈30 / 4⌉ = 8 passes of (1 + 5), then ⌈100 / 8⌉ = 13 passes from a thread index taken as 0.
  assert.equal(wgslLoopBound(code), 8 * 6 + 1 + 14);
});

Deno.test("wgslLoopBound() takes the tightest bound of a conjunction and the given maxima of runtime ends", () => {
  const code = `fn main() {
  for (var t0 = 0u; t0 < kvEnd; t0 += 16u) {
    for (var jb = part * 2u; jb < 16u && t0 + jb < kvEnd; jb += 4u) { }
  }
}`;
  assert.equal(wgslLoopBound(code, new Map([["kvEnd", 100]])), 7 * (1 + 5) + 1);
  assert.throws(() => wgslLoopBound(code), /unknown identifier 'kvEnd'/);
});

Deno.test("wgslLoopBound() refuses loops it cannot bound, when the code has loop, while or other increments", () => {
  assert.throws(() => wgslLoopBound("fn f() { loop { break; } }"), /'loop' or 'while'/);
  assert.throws(() => wgslLoopBound("fn f() { while (true) { } }"), /'loop' or 'while'/);
  assert.throws(
    () => wgslLoopBound("fn f() { for (var i = 0u; i < 8u; i *= 2u) { } }"),
    /increment/,
  );
  assert.throws(() => wgslLoopBound("fn f() { for (var i = 0u; 8u > i; i++) { } }"), /no bound/);
});
