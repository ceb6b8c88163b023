import { parseAttentionShape } from "./parse_shape.ts";
import assert from "node:assert/strict";
import { configKey, enumerateValid } from "../../core/space.ts";
import { DEFAULT_CAPS, type DeviceCaps } from "../types.ts";
import { generateAttention } from "./codegen.ts";
import { attentionQueryTile, parseAttentionConfig } from "./config.ts";
import { normalizeAttentionProblem } from "./problem.ts";
import { attentionSpace, defaultAttentionConfig } from "./space.ts";

const F16_CAPS: DeviceCaps = { ...DEFAULT_CAPS, shaderF16: true };
const SMALL_CAPS: DeviceCaps = {
  ...DEFAULT_CAPS,
  maxInvocationsPerWorkgroup: 64,
  maxWorkgroupSizeX: 64,
  maxWorkgroupStorageBytes: 4096,
};

const SHAPES = [
  "B1,H8,S512,D64",
  "B1,H8,S1024,D64",
  "B1,H8,KV2,Sq128,Skv512,D64,causal",
  "B1,H8,Sq1,Skv512,D64",
  "B1,H2,Sq7,Skv13,D8",
  "B2,H4,KV1,S33,D6,mask4d",
  "B1,H1,Sq1,Skv1,D1",
  "B1,H1,S64,D1024",
  "B1,H3,S5,D3,Dv7,causal-2,mask1x3x1x5",
];

Deno.test("attentionSpace() is non-empty and holds the default, for varied problems and devices", () => {
  for (const shape of SHAPES) {
    for (
      const [dtype, caps] of [["f32", DEFAULT_CAPS], ["f32", SMALL_CAPS], [
        "f16",
        F16_CAPS,
      ]] as const
    ) {
      const problem = parseAttentionShape(shape, dtype);
      const space = attentionSpace(problem, caps);
      assert.ok(!enumerateValid(space).next().done, `${shape} has configs`);
      const config = defaultAttentionConfig(problem, caps);
      assert.ok(
        space.isValid(config),
        `${shape} ${dtype}: default ${configKey(config)} is in the space`,
      );
    }
  }
});

Deno.test("defaultAttentionConfig() gives long sequences many rows per thread and short ones a key split", () => {
  const long = defaultAttentionConfig(parseAttentionShape("B1,H8,S512,D64"), DEFAULT_CAPS);
  assert.ok((long.rowsPerThread as number) >= 16, configKey(long));
  assert.equal(long.vec, 4);
  const decode = defaultAttentionConfig(parseAttentionShape("B1,H8,Sq1,Skv512,D64"), DEFAULT_CAPS);
  assert.equal(decode.rowThreads, 1);
  assert.ok((decode.threadsPerRow as number) > 1, configKey(decode));
});

Deno.test("attentionSpace() throws a RangeError, when no config can run the problem on the device", () => {
  const f16 = parseAttentionShape("H2,S8,D8", "f16");
  assert.throws(
    () => attentionSpace(f16, DEFAULT_CAPS),
    (e: unknown) => e instanceof RangeError && /shader-f16/.test(e.message),
  );
  const tooLong = normalizeAttentionProblem({
    batch: 1,
    heads: 1,
    seqQ: 2 ** 17,
    seqKV: 1,
    headDim: 4,
  });
  const fewGroups = { ...DEFAULT_CAPS, maxWorkgroupsPerDimension: 4 };
  assert.throws(() => attentionSpace(tooLong, fewGroups), /no config fits/);
});

Deno.test("attentionSpace() isValid() returns false instead of throwing, when a config is malformed", () => {
  const space = attentionSpace(parseAttentionShape("H2,S8,D8"), DEFAULT_CAPS);
  assert.equal(space.isValid({ rowThreads: 3 }), false);
  assert.equal(space.isValid({}), false);
});

Deno.test("generateAttention() gives consistent WGSL for every valid config of small problems", () => {
  for (const shape of ["B2,H4,KV2,Sq7,Skv13,D8,Dv4,causal,mask2x1x7x13", "B1,H2,S9,D4"]) {
    const problem = parseAttentionShape(shape);
    const space = attentionSpace(problem, DEFAULT_CAPS);
    const keys = new Set<string>();
    let count = 0;
    for (const config of enumerateValid(space)) {
      const program = generateAttention(problem, config, DEFAULT_CAPS);
      const typed = parseAttentionConfig(config);
      const threads = typed.rowThreads * typed.threadsPerRow;
      assert.deepEqual(program.workgroupSize, [threads, 1, 1]);
      assert.ok(program.code.includes(`@workgroup_size(${threads})`), configKey(config));
      assert.ok(program.dispatch[0] * attentionQueryTile(typed) >= problem.seqQ);
      assert.deepEqual(program.dispatch.slice(1), [problem.heads, problem.batch]);
      const names = program.bindings.map((b) => b.name);
      assert.deepEqual(
        names,
        problem.maskShape ? ["q", "k", "v", "mask", "output"] : ["q", "k", "v", "output"],
      );
      assert.equal(program.bindings.at(-1)!.access, "read_write");
      for (const [i, binding] of program.bindings.entries()) {
        assert.ok(
          program.code.includes(`@binding(${i}) var<storage, ${binding.access}> ${binding.name}:`),
        );
      }
      assert.equal(
        program.code.includes("workgroupBarrier"),
        typed.kvTile > 0 || typed.threadsPerRow > 1,
      );
      assert.ok(!/NaN|undefined|Infinity/.test(program.code), configKey(config));
      keys.add(program.shaderKey);
      count++;
    }
    assert.ok(count > 50, `${shape}: ${count} configs`);
    assert.equal(keys.size, count, "shader keys are distinct");
  }
});

Deno.test("generateAttention() throws a RangeError naming the problem, when a config is illegal", () => {
  const problem = parseAttentionShape("H2,S8,D6");
  assert.throws(
    () =>
      generateAttention(problem, {
        rowThreads: 8,
        rowsPerThread: 1,
        threadsPerRow: 1,
        keyBlock: 2,
        vec: 4,
        kvTile: 0,
      }, DEFAULT_CAPS),
    (e: unknown) => e instanceof RangeError && /'vec' must divide headDim \(6\)/.test(e.message),
  );
});

Deno.test("generateAttention() bakes dtype, mask strides, scale and causal limits into the code", () => {
  const config = {
    rowThreads: 4,
    rowsPerThread: 2,
    threadsPerRow: 1,
    keyBlock: 2,
    vec: 2,
    kvTile: 0,
  };
  const f16 = generateAttention(parseAttentionShape("H2,S8,D8", "f16"), config, F16_CAPS);
  assert.ok(f16.code.startsWith("enable f16;"));
  assert.ok(f16.code.includes("array<vec2<f16>>"));
  assert.ok(f16.bindings.every((b) => b.dtype === "f16"));
  const masked = generateAttention(
    parseAttentionShape("B2,H3,Sq5,Skv7,D8,mask2x1x1x7,scale0.5"),
    config,
    DEFAULT_CAPS,
  );
  // Broadcast strides: batch 7, heads 0, rows 0.
  assert.ok(masked.code.includes("batch * 7u + head * 0u + min(row0, 4u) * 0u"), masked.code);
  assert.ok(masked.code.includes("const SCALE: f32 = 0.500000000f;"));
  const causal = generateAttention(
    parseAttentionShape("H1,Sq4,Skv6,D8,causal+2"),
    config,
    DEFAULT_CAPS,
  );
  assert.ok(causal.code.includes("clamp(i32(row0) + 3, 0, 6)"));
  const scales = new Set(
    [0.5, 0.25].map((s) =>
      generateAttention(
        normalizeAttentionProblem({ batch: 1, heads: 1, seqQ: 4, seqKV: 4, headDim: 8, scale: s }),
        config,
        DEFAULT_CAPS,
      ).shaderKey
    ),
  );
  assert.equal(scales.size, 2, "the scale is part of the shader key");
});
