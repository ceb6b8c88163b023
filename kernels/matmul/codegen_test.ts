import assert from "node:assert/strict";
import { enumerateValid } from "../../core/space.ts";
import { DEFAULT_CAPS, type DeviceCaps } from "../types.ts";
import { generateMatmul, matmulShaderKey } from "./codegen.ts";
import { type MatmulConfig, parseMatmulConfig } from "./config.ts";
import { type MatmulProblem, normalizeMatmulProblem } from "./problem.ts";
import { matmulSpace } from "./space.ts";

const CAPS: DeviceCaps = { ...DEFAULT_CAPS, shaderF16: true };
const REGISTER: MatmulConfig = {
  variant: "register",
  tileM: 32,
  tileN: 64,
  tileK: 8,
  threadM: 4,
  threadN: 8,
  vec: 4,
  unroll: 4,
};
const SHARED: MatmulConfig = { ...REGISTER, variant: "shared", tileK: 16 };

/** The `@workgroup_size(x, y, z)` attribute of a WGSL source. */
function declaredWorkgroupSize(code: string): number[] {
  const match = /@workgroup_size\((\d+), (\d+), (\d+)\)/.exec(code);
  assert.ok(match, "no @workgroup_size in the code");
  return match.slice(1).map(Number);
}

Deno.test("generateMatmul() agrees with itself on workgroup size, dispatch and bindings, for every config of the space", () => {
  const problems = [
    { m: 7, n: 13, k: 5 },
    { m: 129, n: 64, k: 33, batch: 2, bias: true, activation: "relu" },
    { m: 40, n: 24, k: 16, dtype: "f16" },
  ].map(normalizeMatmulProblem);
  let checked = 0;
  for (const problem of problems) {
    for (const plain of enumerateValid(matmulSpace(problem, CAPS))) {
      const config = parseMatmulConfig(plain);
      const program = generateMatmul(problem, config, CAPS);
      const [x, y, z] = program.workgroupSize;
      assert.deepEqual(declaredWorkgroupSize(program.code), [x, y, z]);
      assert.equal(x * config.threadN, config.tileN);
      assert.equal(y * config.threadM, config.tileM);
      assert.ok(x * y * z <= CAPS.maxInvocationsPerWorkgroup);
      const [dx, dy, dz] = program.dispatch;
      // Every element of C is covered by exactly the workgroups dispatched.
      assert.ok(dx * config.tileN >= problem.n && (dx - 1) * config.tileN < problem.n);
      assert.ok(dy * config.tileM >= problem.m && (dy - 1) * config.tileM < problem.m);
      assert.equal(dz, problem.batch);
      const shared = config.variant === "shared";
      assert.equal(program.code.includes("var<workgroup>"), shared);
      assert.equal(program.code.includes("workgroupBarrier()"), shared);
      assert.equal(program.code.startsWith("enable f16;"), problem.dtype === "f16");
      assert.equal(program.entryPoint, "main");
      assert.match(program.code, /fn main\(/);
      checked++;
    }
  }
  assert.ok(checked > 100, `${checked} configs checked`);
});

Deno.test("generateMatmul() binds a, b, bias, then c with batch-sized element counts", () => {
  const problem = normalizeMatmulProblem({ m: 5, n: 8, k: 3, batch: 2, bias: true, dtype: "f16" });
  const program = generateMatmul(problem, { ...REGISTER, tileM: 8, threadM: 1 }, CAPS);
  assert.deepEqual(program.bindings, [
    { name: "a", dtype: "f16", elements: 30, access: "read" },
    { name: "b", dtype: "f16", elements: 48, access: "read" },
    { name: "bias", dtype: "f16", elements: 8, access: "read" },
    { name: "c", dtype: "f16", elements: 80, access: "read_write" },
  ]);
  for (let i = 0; i < 4; i++) assert.match(program.code, new RegExp(`@binding\\(${i}\\)`));
  const plain = generateMatmul(
    { ...problem, bias: false },
    { ...REGISTER, tileM: 8, threadM: 1 },
    CAPS,
  );
  assert.deepEqual(plain.bindings.map((b) => b.name), ["a", "b", "c"]);
  assert.ok(!plain.code.includes("bias"));
});

Deno.test("generateMatmul() throws a RangeError with the reason, when the config or device cannot run it", () => {
  const problem = normalizeMatmulProblem({ m: 8, n: 6, k: 8 });
  assert.throws(() => generateMatmul(problem, REGISTER, CAPS), (e: unknown) => {
    return e instanceof RangeError && /'vec' must divide n \(6\)/.test(e.message);
  });
  const f16 = normalizeMatmulProblem({ m: 8, n: 8, k: 8, dtype: "f16" });
  assert.throws(() => generateMatmul(f16, REGISTER, DEFAULT_CAPS), /shader-f16/);
  const tight = { ...CAPS, maxWorkgroupStorageBytes: 1024 };
  assert.throws(
    () => generateMatmul(normalizeMatmulProblem({ m: 64, n: 64, k: 64 }), SHARED, tight),
    {
      name: "RangeError",
      message: /workgroup memory 6144 bytes/,
    },
  );
});

Deno.test("matmulShaderKey() changes with every parameter that changes the code, and only those", () => {
  const problem = normalizeMatmulProblem({ m: 64, n: 64, k: 64 });
  const base = generateMatmul(problem, REGISTER, CAPS);
  const variations: Array<[MatmulProblem, MatmulConfig]> = [
    [{ ...problem, m: 65 }, REGISTER],
    [{ ...problem, n: 68 }, REGISTER],
    [{ ...problem, k: 63 }, REGISTER],
    [{ ...problem, dtype: "f16" }, REGISTER],
    [{ ...problem, bias: true }, REGISTER],
    [{ ...problem, activation: "relu" }, REGISTER],
    [problem, SHARED],
    [problem, { ...SHARED, tileK: 32 }],
    [problem, { ...REGISTER, tileM: 64 }],
    [problem, { ...REGISTER, tileN: 32 }],
    [problem, { ...REGISTER, threadM: 8 }],
    [problem, { ...REGISTER, threadN: 4 }],
    [problem, { ...REGISTER, vec: 2 }],
    [problem, { ...REGISTER, unroll: 8 }],
  ];
  const keys = new Set([base.shaderKey]);
  const codes = new Set([base.code]);
  for (const [p, c] of variations) {
    const program = generateMatmul(p, c, CAPS);
    assert.equal(program.shaderKey, matmulShaderKey(p, c));
    keys.add(program.shaderKey);
    codes.add(program.code);
  }
  assert.equal(keys.size, variations.length + 1);
  assert.equal(codes.size, variations.length + 1);
  // Neither the batch (only the dispatch) nor tileK (unused by the register variant) changes the
  // code, so neither is part of the key.
  const batched = generateMatmul({ ...problem, batch: 3 }, REGISTER, CAPS);
  assert.equal(batched.shaderKey, base.shaderKey);
  assert.equal(batched.code, base.code);
  assert.deepEqual(batched.dispatch, [1, 2, 3]);
  const otherTileK = generateMatmul(problem, { ...REGISTER, tileK: 32 }, CAPS);
  assert.equal(otherTileK.shaderKey, base.shaderKey);
  assert.equal(otherTileK.code, base.code);
});

Deno.test("generateMatmul() handles k shorter than the unroll and not a multiple of it", () => {
  const problem = normalizeMatmulProblem({ m: 4, n: 4, k: 3 });
  const config = { ...REGISTER, tileM: 4, tileN: 4, threadM: 1, threadN: 1, vec: 1 };
  const program = generateMatmul(problem, config, CAPS);
  // No main loop, only the three-step remainder block.
  assert.ok(!program.code.includes("for (var kk"));
  assert.equal(program.code.match(/acc_0_0 = fma/g)?.length, 3);
  const longer = generateMatmul({ ...problem, k: 11 }, config, CAPS);
  assert.match(longer.code, /for \(var kk = 0u; kk < 8u; kk \+= 4u\)/);
  assert.equal(longer.code.match(/acc_0_0 = fma/g)?.length, 4 + 3);
});
