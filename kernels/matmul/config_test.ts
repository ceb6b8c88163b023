import assert from "node:assert/strict";
import { DEFAULT_CAPS, type DeviceCaps } from "../types.ts";
import {
  type MatmulConfig,
  matmulConfigError,
  matmulDispatch,
  matmulProblemError,
  matmulWorkgroupBytes,
  matmulWorkgroupSize,
  parseMatmulConfig,
} from "./config.ts";
import { normalizeMatmulProblem } from "./problem.ts";

const BASE: MatmulConfig = {
  variant: "register",
  tileM: 32,
  tileN: 64,
  tileK: 8,
  threadM: 4,
  threadN: 8,
  vec: 4,
  unroll: 4,
};
const P512 = normalizeMatmulProblem({ m: 512, n: 512, k: 512 });

Deno.test("parseMatmulConfig() returns the typed config, when every parameter is present", () => {
  assert.deepEqual(parseMatmulConfig({ ...BASE }), BASE);
});

Deno.test("parseMatmulConfig() throws naming the parameter, when one is missing or malformed", () => {
  const { tileN: _, ...noTileN } = BASE;
  assert.throws(() => parseMatmulConfig(noTileN), (e: unknown) => {
    return e instanceof TypeError && /'tileN'.*undefined/.test(e.message);
  });
  assert.throws(() => parseMatmulConfig({ ...BASE, variant: "naive" }), /'variant'.*naive/);
  assert.throws(() => parseMatmulConfig({ ...BASE, threadM: 3 }), (e: unknown) => {
    return e instanceof RangeError && /'threadM'.*3/.test(e.message);
  });
  assert.throws(() => parseMatmulConfig({ ...BASE, vec: "4" }), TypeError);
});

Deno.test("matmulWorkgroupSize() and matmulDispatch() follow from tiles, when sizes are not multiples", () => {
  assert.deepEqual(matmulWorkgroupSize(BASE), [8, 8, 1]);
  const problem = normalizeMatmulProblem({ m: 129, n: 65, k: 3, batch: 5 });
  assert.deepEqual(matmulDispatch(problem, BASE), [2, 5, 5]);
});

Deno.test("matmulWorkgroupBytes() counts both staged tiles of the shared variant only", () => {
  assert.equal(matmulWorkgroupBytes(BASE), 0);
  assert.equal(matmulWorkgroupBytes({ ...BASE, variant: "shared", tileK: 16 }), (32 + 64) * 16 * 4);
});

Deno.test("matmulConfigError() names the broken rule, when a config cannot run", () => {
  const small: DeviceCaps = {
    ...DEFAULT_CAPS,
    maxInvocationsPerWorkgroup: 32,
    maxWorkgroupSizeX: 4,
    maxWorkgroupStorageBytes: 4096,
    maxWorkgroupsPerDimension: 16,
  };
  assert.equal(matmulConfigError(P512, BASE, DEFAULT_CAPS), undefined);
  const shared: MatmulConfig = { ...BASE, variant: "shared", tileK: 32 };
  assert.equal(matmulConfigError(P512, shared, DEFAULT_CAPS), undefined);
  const cases: Array<[MatmulConfig, DeviceCaps, RegExp]> = [
    [BASE, small, /64 invocations, more than the device's 32/],
    [{ ...BASE, tileM: 8 }, small, /workgroup size x 8 exceeds the device's 4/],
    [{ ...BASE, tileN: 16, threadN: 4 }, small, /dispatch x of 32 workgroups \(n\)/],
    [{ ...shared, tileN: 32, threadN: 8, threadM: 8 }, small, /workgroup memory 8192 bytes/],
    [{ ...BASE, threadM: 64 }, DEFAULT_CAPS, /'threadM' must be at most tileM/],
    [{ ...BASE, vec: 8 }, DEFAULT_CAPS, /'vec' must be 1, 2 or 4/],
    [{ ...BASE, threadN: 2, tileN: 16 }, DEFAULT_CAPS, /'vec' must divide threadN/],
    [{ ...shared, tileK: 8, unroll: 16 }, DEFAULT_CAPS, /'unroll' must be at most tileK/],
  ];
  for (const [config, caps, message] of cases) {
    assert.match(matmulConfigError(P512, config, caps) ?? "(legal)", message);
  }
  const odd = normalizeMatmulProblem({ m: 8, n: 6, k: 8 });
  assert.match(matmulConfigError(odd, BASE, DEFAULT_CAPS) ?? "", /'vec' must divide n \(6\)/);
  assert.equal(matmulConfigError(odd, { ...BASE, vec: 2 }, DEFAULT_CAPS), undefined);
});

Deno.test("matmulProblemError() rejects f16 without shader-f16, huge batches and huge buffers", () => {
  const f16 = normalizeMatmulProblem({ m: 4, n: 4, k: 4, dtype: "f16" });
  assert.match(matmulProblemError(f16, DEFAULT_CAPS) ?? "", /shader-f16/);
  assert.equal(matmulProblemError(f16, { ...DEFAULT_CAPS, shaderF16: true }), undefined);
  const batched = normalizeMatmulProblem({ m: 4, n: 4, k: 4, batch: 70000 });
  assert.match(matmulProblemError(batched, DEFAULT_CAPS) ?? "", /'batch'.*70000/);
  const huge = normalizeMatmulProblem({ m: 8192, n: 8, k: 8192 });
  assert.match(matmulProblemError(huge, DEFAULT_CAPS) ?? "", /buffer 'a'/);
  assert.match(matmulConfigError(f16, BASE, DEFAULT_CAPS) ?? "", /shader-f16/);
});
