import assert from "node:assert/strict";
import { parseConformanceArgs } from "./main.ts";

Deno.test("parseConformanceArgs() reads --filter, --json, --plan and --reference", () => {
  assert.deepEqual(parseConformanceArgs([]), {
    filter: undefined,
    json: false,
    plan: false,
    reference: false,
  });
  assert.deepEqual(parseConformanceArgs(["--filter", "gemm", "--json", "--reference"]), {
    filter: "gemm",
    json: true,
    plan: false,
    reference: true,
  });
  assert.equal(parseConformanceArgs(["--filter=conv3d", "--plan"]).filter, "conv3d");
});

Deno.test("parseConformanceArgs() rejects unknown arguments and a --filter without value", () => {
  assert.throws(() => parseConformanceArgs(["--fast"]), RangeError);
  assert.throws(() => parseConformanceArgs(["--filter"]), RangeError);
});
