import assert from "node:assert/strict";
import { enumerateValid } from "../../core/space.ts";
import { type Config, DEFAULT_CAPS, type DeviceCaps } from "../types.ts";
import { generateMatmul } from "./codegen.ts";
import {
  matmulConfigError,
  matmulWorkgroupBytes,
  matmulWorkgroupSize,
  parseMatmulConfig,
} from "./config.ts";
import { type MatmulProblem, normalizeMatmulProblem } from "./problem.ts";
import { defaultMatmulConfig, matmulSpace } from "./space.ts";

const F16_CAPS: DeviceCaps = { ...DEFAULT_CAPS, shaderF16: true };
const SMALL_CAPS: DeviceCaps = {
  ...DEFAULT_CAPS,
  maxInvocationsPerWorkgroup: 64,
  maxWorkgroupSizeX: 16,
  maxWorkgroupSizeY: 8,
  maxWorkgroupStorageBytes: 4096,
  shaderF16: true,
};
const TINY_CAPS: DeviceCaps = {
  ...SMALL_CAPS,
  maxInvocationsPerWorkgroup: 16,
  maxWorkgroupSizeX: 2,
};
const PROBLEMS: MatmulProblem[] = [
  { m: 1, n: 1, k: 1 },
  { m: 7, n: 13, k: 5 },
  { m: 129, n: 65, k: 257 },
  { m: 17, n: 33, k: 9, batch: 3 },
  { m: 1, n: 4096, k: 512 },
  { m: 4096, n: 1, k: 64 },
  { m: 2, n: 2, k: 1000, dtype: "f16", bias: true, activation: "relu" },
  { m: 512, n: 512, k: 512 },
  { m: 1024, n: 1024, k: 1024, dtype: "f16" },
].map(normalizeMatmulProblem);

const enumerated = new Map<string, Config[]>();

/** Every config of the space, memoized: enumerating the raw space takes a fraction of a second. */
function valid(problem: MatmulProblem, caps: DeviceCaps): Config[] {
  const key = JSON.stringify([problem, caps]);
  let configs = enumerated.get(key);
  if (!configs) enumerated.set(key, configs = [...enumerateValid(matmulSpace(problem, caps))]);
  return configs;
}

Deno.test("matmulSpace() is non-empty and every config in it is legal, for odd and large problems", () => {
  for (const caps of [F16_CAPS, SMALL_CAPS, TINY_CAPS]) {
    for (const problem of PROBLEMS) {
      const configs = valid(problem, caps);
      assert.ok(configs.length > 0, JSON.stringify(problem));
      for (const config of configs) {
        assert.equal(matmulConfigError(problem, parseMatmulConfig(config), caps), undefined);
      }
    }
  }
});

Deno.test("matmulSpace() holds hundreds of configs for 1024³ f32, so a grid search can finish", () => {
  const problem = normalizeMatmulProblem({ m: 1024, n: 1024, k: 1024 });
  const configs = valid(problem, DEFAULT_CAPS);
  assert.ok(configs.length >= 100 && configs.length <= 1000, `${configs.length} configs`);
  const variants = new Set(configs.map((c) => c.variant));
  assert.deepEqual([...variants].sort(), ["register", "shared"]);
  // The large register-blocked tiles that are fast on CPU-backed adapters are in the space.
  assert.ok(configs.some((c) => c.variant === "register" && c.threadM === 32 && c.threadN === 16));
});

Deno.test("matmulSpace() respects the device limits, when the caps are small", () => {
  for (const problem of PROBLEMS) {
    for (const config of valid(problem, SMALL_CAPS)) {
      const typed = parseMatmulConfig(config);
      const [x, y] = matmulWorkgroupSize(typed);
      assert.ok(x * y <= 64 && x <= 16 && y <= 8, JSON.stringify(config));
      assert.ok(matmulWorkgroupBytes(typed) <= 4096, JSON.stringify(config));
    }
  }
  // The default-limit space has configs that the small caps exclude.
  const big = normalizeMatmulProblem({ m: 512, n: 512, k: 512 });
  assert.ok(valid(big, DEFAULT_CAPS).length > valid(big, SMALL_CAPS).length);
});

Deno.test("matmulSpace() lists no duplicate kernels: distinct configs generate distinct code", () => {
  for (const problem of [PROBLEMS[1]!, PROBLEMS[3]!, PROBLEMS[7]!]) {
    const configs = valid(problem, F16_CAPS);
    const keys = new Set<string>();
    const codes = new Set<string>();
    for (const config of configs) {
      const program = generateMatmul(problem, parseMatmulConfig(config), F16_CAPS);
      keys.add(program.shaderKey);
      codes.add(program.code);
    }
    assert.equal(keys.size, configs.length);
    assert.equal(codes.size, configs.length);
  }
});

Deno.test("matmulSpace().isValid() rejects configs outside the value lists or malformed", () => {
  const problem = PROBLEMS[7]!;
  const space = matmulSpace(problem, DEFAULT_CAPS);
  const good = defaultMatmulConfig(problem, DEFAULT_CAPS);
  assert.ok(space.isValid(good));
  assert.equal(space.isValid({ ...good, tileM: 256 }), false);
  assert.equal(space.isValid({ ...good, tileM: 24 }), false);
  assert.equal(space.isValid({ ...good, variant: "naive" }), false);
  assert.equal(space.isValid({ ...good, vec: 1 }), false); // narrower than possible
  assert.equal(space.isValid({ ...good, tileK: 16 }), false); // register variant ignores tileK
  const { unroll: _, ...partial } = good;
  assert.equal(space.isValid(partial), false);
});

Deno.test("matmulSpace() and defaultMatmulConfig() throw a RangeError, when f16 lacks shader-f16", () => {
  const problem = normalizeMatmulProblem({ m: 8, n: 8, k: 8, dtype: "f16" });
  assert.throws(() => matmulSpace(problem, DEFAULT_CAPS), (e: unknown) => {
    return e instanceof RangeError && e.message.includes("shader-f16");
  });
  assert.throws(() => defaultMatmulConfig(problem, DEFAULT_CAPS), RangeError);
});

Deno.test("defaultMatmulConfig() is in the space, for every test problem and caps", () => {
  for (const caps of [DEFAULT_CAPS, F16_CAPS, SMALL_CAPS, TINY_CAPS]) {
    for (const problem of PROBLEMS) {
      if (problem.dtype === "f16" && !caps.shaderF16) continue;
      const config = defaultMatmulConfig(problem, caps);
      assert.ok(matmulSpace(problem, caps).isValid(config), JSON.stringify({ problem, config }));
    }
  }
});

Deno.test("defaultMatmulConfig() is the 4×4-per-thread, 8×8-workgroup vec4 kernel for big problems", () => {
  const config = defaultMatmulConfig(PROBLEMS[7]!, DEFAULT_CAPS);
  assert.deepEqual(config, {
    variant: "register",
    tileM: 32,
    tileN: 32,
    tileK: 8,
    threadM: 4,
    threadN: 4,
    vec: 4,
    unroll: 4,
  });
  // A single row gets a wider per-thread tile along n instead of idle threads along m.
  const row = defaultMatmulConfig(PROBLEMS[4]!, DEFAULT_CAPS);
  assert.equal(row.tileM, 1);
  assert.equal(row.threadM * row.threadN, 16);
});
