import assert from "node:assert/strict";
import { enumerateValid, restrictSpace } from "../../core/space.ts";
import { type Config, DEFAULT_CAPS, type DeviceCaps } from "../types.ts";
import { parseConv2dConfig } from "./config.ts";
import { conv2dGrid, conv2dWorkgroupBytes } from "./dispatch.ts";
import { conv2dFamily } from "./family.ts";
import { parseConv2dShape } from "./parse_shape.ts";
import type { Conv2dProblem } from "./problem.ts";
import { conv2dDefaultConfig, conv2dSpace } from "./space.ts";

const F16_CAPS: DeviceCaps = { ...DEFAULT_CAPS, shaderF16: true };
/** Limits as small as a real device could plausibly report. */
const TINY_CAPS: DeviceCaps = {
  ...DEFAULT_CAPS,
  maxInvocationsPerWorkgroup: 64,
  maxWorkgroupSizeX: 64,
  maxWorkgroupSizeY: 16,
  maxWorkgroupStorageBytes: 4096,
  maxWorkgroupsPerDimension: 256,
};

const SHAPES = [
  "N8,C64,H56,W56,K64,R3,S3,stride1,pad1",
  "C3,H224,K64,R7,stride2,pad3",
  "C64,H56,K64,R3,pad1,dw",
  "N2,C5,H7,W9,K3,R1",
  "N1,C3,H9,W7,K5,R3,S5,stride2,pad0x2x1x1,dil2x1",
  "N2,C8,H10,K6,R3,g2,nhwc,bias,relu",
  "C512,H7,K512,R3,pad1,relu6",
  "C1,H1,K1,R1",
];

function problems(): Conv2dProblem[] {
  return SHAPES.flatMap((s) => [parseConv2dShape(s), parseConv2dShape(s, "f16")]);
}

/** Checks the program of one config against the problem, the config and the device limits. */
function assertConsistent(problem: Conv2dProblem, config: Config, caps: DeviceCaps): string {
  const program = conv2dFamily.generate(problem, config, caps);
  const parsed = parseConv2dConfig(config);
  const where = `${conv2dFamily.problemKey(problem)} ${JSON.stringify(config)}`;
  const names = program.bindings.map((b) => b.name);
  assert.deepEqual(
    names,
    problem.bias ? ["input", "weight", "bias", "output"] : ["input", "weight", "output"],
    where,
  );
  assert.deepEqual(
    program.bindings.map((b) => b.access),
    names.map((n) => n === "output" ? "read_write" : "read"),
    where,
  );
  assert.ok(program.bindings.every((b) => b.dtype === problem.dtype), where);
  for (const [i, binding] of program.bindings.entries()) {
    const declared = new RegExp(
      `@binding\\(${i}\\) var<storage, ${binding.access}> ${binding.name}:`,
    );
    assert.match(program.code, declared, where);
  }
  assert.equal(program.code.match(/@binding\(/g)?.length, program.bindings.length, where);
  assert.equal(program.code.includes("enable f16;"), problem.dtype === "f16", where);
  const [x, y, z] = program.workgroupSize;
  assert.ok(program.code.includes(`@workgroup_size(${x}, ${y}, ${z})`), where);
  assert.ok(x * y * z <= caps.maxInvocationsPerWorkgroup, where);
  assert.ok(x <= caps.maxWorkgroupSizeX && y <= caps.maxWorkgroupSizeY, where);
  assert.ok(program.dispatch.every((d) => d >= 1 && d <= caps.maxWorkgroupsPerDimension), where);
  const grid = conv2dGrid(problem, parsed, caps);
  assert.ok(program.dispatch[0] * program.dispatch[1] >= grid.pixelTiles, where);
  let shared = 0;
  for (
    const [, vec, count] of program.code.matchAll(
      /var<workgroup> \w+: array<(?:vec(\d)<f32>|f32), (\d+)>/g,
    )
  ) {
    shared += 4 * Number(vec ?? 1) * Number(count);
  }
  assert.equal(shared, conv2dWorkgroupBytes(problem, parsed), where);
  assert.ok(shared <= caps.maxWorkgroupStorageBytes, where);
  assert.ok(program.shaderKey.startsWith(`conv2d_v${conv2dFamily.version}_`), where);
  return program.shaderKey;
}

Deno.test("conv2dSpace() is non-empty and holds the default config, for varied problems and devices", () => {
  for (const caps of [F16_CAPS, TINY_CAPS]) {
    for (const problem of problems()) {
      if (problem.dtype === "f16" && !caps.shaderF16) continue;
      const space = conv2dSpace(problem, caps);
      const config = conv2dDefaultConfig(problem, caps);
      assert.ok(space.isValid(config), `${conv2dFamily.problemKey(problem)} default`);
      assertConsistent(problem, config, caps);
      const depthwise = problem.inChannels === problem.groups ? ["depthwise"] : [];
      for (const algorithm of ["direct", "gemm", ...depthwise]) {
        const first = enumerateValid(restrictSpace(space, { algorithm: [algorithm] })).next();
        assert.ok(!first.done, `${conv2dFamily.problemKey(problem)} has no ${algorithm} config`);
        assertConsistent(problem, first.value, caps);
      }
    }
  }
});

Deno.test("conv2dFamily.generate() gives consistent programs, for every valid config of small problems", () => {
  const small = [
    parseConv2dShape("N2,C4,H6,W5,K8,R3,pad1,nhwc,bias,relu6", "f16"),
    parseConv2dShape("N1,C6,H7,W6,K4,R3,S2,stride2,pad1x0,dil1x2,g2"),
    parseConv2dShape("C8,H5,K8,R3,pad1,dw,bias"),
  ];
  for (const problem of small) {
    const keys = new Set<string>();
    let count = 0;
    for (const config of enumerateValid(conv2dSpace(problem, F16_CAPS))) {
      keys.add(assertConsistent(problem, config, F16_CAPS));
      count++;
    }
    assert.ok(count > 20, `${count} configs`);
    assert.equal(keys.size, count, "one shader key per config");
  }
});

Deno.test("conv2dSpace() keeps dispatches within the device limit by folding, when the output is large", () => {
  const problem = parseConv2dShape("N8,C4,H64,K4,R3,pad1");
  let folded = 0;
  for (const config of enumerateValid(conv2dSpace(problem, TINY_CAPS))) {
    const program = conv2dFamily.generate(problem, config, TINY_CAPS);
    assert.ok(program.dispatch.every((d) => d <= TINY_CAPS.maxWorkgroupsPerDimension));
    if (program.dispatch[1] > 1) folded++;
  }
  assert.ok(folded > 0);
});

Deno.test("conv2dSpace() throws a RangeError naming the feature, when f16 lacks shader-f16", () => {
  const problem = parseConv2dShape("C4,H8,K4,R3", "f16");
  assert.throws(() => conv2dSpace(problem, DEFAULT_CAPS), /'dtype' f16 needs .*shader-f16/);
  assert.throws(() => conv2dDefaultConfig(problem, DEFAULT_CAPS), RangeError);
});

Deno.test("conv2dFamily.generate() throws errors naming the parameter, when the config is bad", () => {
  const problem = parseConv2dShape("C5,H8,K5,R3");
  const good = { algorithm: "gemm", tileM: 32, tileN: 8, tileK: 8, threadM: 4, threadN: 4, vec: 1 };
  conv2dFamily.generate(problem, good, DEFAULT_CAPS);
  assert.throws(
    () => conv2dFamily.generate(problem, { ...good, vec: 4 }, DEFAULT_CAPS),
    /'vec' must divide the output channels per group \(5\): current value is 4/,
  );
  assert.throws(
    () => conv2dFamily.generate(problem, { ...good, threadN: 16 }, DEFAULT_CAPS),
    /'threadN' must be at most tileN/,
  );
  assert.throws(
    () => conv2dFamily.generate(problem, { ...good, tileM: 1024, threadM: 1 }, DEFAULT_CAPS),
    /workgroup 1024x2 has 2048 invocations/,
  );
  assert.throws(
    () => conv2dFamily.generate(problem, { ...good, tileK: 3 }, DEFAULT_CAPS),
    (e: Error) => e instanceof RangeError && /'tileK' must be a power of two: .* 3/.test(e.message),
  );
  assert.throws(
    () => conv2dFamily.generate(problem, { ...good, algorithm: "winograd" }, DEFAULT_CAPS),
    (e: Error) => e instanceof RangeError && /'algorithm' .* winograd/.test(e.message),
  );
  const { tileK: _, ...missing } = good;
  assert.throws(() => conv2dFamily.generate(problem, missing, DEFAULT_CAPS), TypeError);
  const grouped = parseConv2dShape("C8,H8,K8,R3,g4");
  assert.throws(
    () => conv2dFamily.generate(grouped, { ...good, algorithm: "direct", tileN: 4 }, DEFAULT_CAPS),
    /'tileN' must divide the output channels per group \(2\) when groups > 1/,
  );
  const big = parseConv2dShape("C64,H56,K64,R7");
  assert.throws(
    () =>
      conv2dFamily.generate(big, {
        algorithm: "direct",
        tileM: 256,
        tileN: 64,
        tileK: 32,
        threadM: 16,
        threadN: 16,
        vec: 4,
      }, DEFAULT_CAPS),
    /workgroup memory \d+ bytes exceeds the device's 16384/,
  );
});

Deno.test("conv2dFamily metadata follows the contract, for the ResNet layer", () => {
  const problem = conv2dFamily.parseShape("N8,C64,H56,W56,K64,R3,S3,stride1,pad1");
  assert.equal(conv2dFamily.name, "conv2d");
  assert.equal(conv2dFamily.flops(problem), 2 * 8 * 64 * 56 * 56 * 64 * 9);
  assert.deepEqual(conv2dFamily.normalizeProblem({ ...problem }), problem);
  const inputs = conv2dFamily.makeInputs(problem, 1);
  const program = conv2dFamily.generate(
    problem,
    conv2dFamily.defaultConfig(problem, DEFAULT_CAPS),
    DEFAULT_CAPS,
  );
  assert.deepEqual(
    inputs.map((t) => [t.name, t.data.length]),
    program.bindings.filter((b) => b.access === "read").map((b) => [b.name, b.elements]),
  );
});
