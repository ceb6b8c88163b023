import assert from "node:assert/strict";
import { compileProgram } from "../../gpu/program.ts";
import { enumerateValid, restrictSpace } from "../../core/space.ts";
import { seededRandom, shuffle } from "../../core/random.ts";
import { GPU_AVAILABLE, testGpu } from "../../tests/gpu_fixture.ts";
import { type Config, DEFAULT_CAPS, type DeviceCaps } from "../types.ts";
import { parseConv2dConfig } from "./config.ts";
import { DEPTHWISE_MAX_FMAS, depthwiseBlock } from "./depthwise_geometry.ts";
import { conv2dConfigError } from "./legality.ts";
import { conv2dDims } from "./problem.ts";
import { conv2dFamily, type Conv2dProblem } from "./family.ts";
import { parseConv2dShape } from "./parse_shape.ts";
import { checkConfigs } from "./testdata/check_configs.ts";

const HAS_F16 = GPU_AVAILABLE && (await testGpu()).caps.shaderF16;
const F16_CAPS: DeviceCaps = { ...DEFAULT_CAPS, shaderF16: true };

/** The depthwise configs of the space. */
function depthwiseConfigs(problem: Conv2dProblem, caps: DeviceCaps): Config[] {
  return [
    ...enumerateValid(
      restrictSpace(conv2dFamily.space(problem, caps), { algorithm: ["depthwise"] }),
    ),
  ];
}

/** Multiply-adds of a config's unrolled body (what lavapipe's compile time grows with). */
function bodyFmas(problem: Conv2dProblem, config: Config): number {
  return (config.threadM as number) * (config.threadN as number) * problem.kernelH *
    problem.kernelW;
}

/**
 * The default plus `count` depthwise configs drawn from the space with a seeded generator,
 * excluding big unrolled bodies (lavapipe's compile time grows with them; the benchmarks time
 * the big ones).
 */
function configsFor(problem: Conv2dProblem, caps: DeviceCaps, count: number, seed: number) {
  const small = depthwiseConfigs(problem, caps).filter((c) => bodyFmas(problem, c) <= 300);
  return [
    conv2dFamily.defaultConfig(problem, caps),
    ...shuffle(small, seededRandom(seed)).slice(0, count),
  ];
}

/** Checks depthwise configs (and a `"rows"` default) only against the reference. */
async function checkDepthwise(problem: Conv2dProblem, configs: readonly Config[]): Promise<void> {
  for (const config of configs) {
    assert.ok(["depthwise", "rows"].includes(config.algorithm as string), JSON.stringify(config));
  }
  await checkConfigs(problem, configs, 5);
}

Deno.test("conv2dSpace() offers a few dozen depthwise configs, only when each group has one input channel", () => {
  const offered = [
    "N1,C64,H56,W56,K64,R3,S3,stride1,pad1,dw",
    "N1,C64,H56,W56,K64,R3,S3,stride1,pad1,dw,nhwc",
    "C32,H14,K64,R3,pad1,g32",
    "C16,H9,K16,R7,stride2,pad3,dw,nhwc",
    "C1,H1,K1,R1",
  ];
  for (const shape of offered) {
    for (const dtype of ["f32", "f16"]) {
      const problem = parseConv2dShape(shape, dtype);
      const count = depthwiseConfigs(problem, F16_CAPS).length;
      assert.ok(count >= 1 && count <= 48, `${shape} ${dtype}: ${count} depthwise configs`);
    }
  }
  for (const shape of ["N8,C64,H56,W56,K64,R3,pad1", "C8,H8,K8,R3,g4", "C3,H9,K5,R3,nhwc"]) {
    assert.equal(depthwiseConfigs(parseConv2dShape(shape), DEFAULT_CAPS).length, 0, shape);
  }
});

Deno.test("conv2dDefaultConfig() picks rows or depthwise, for depthwise problems only", () => {
  for (
    const [shape, algorithm] of [
      ["N1,C64,H56,W56,K64,R3,S3,stride1,pad1,dw", "rows"],
      ["N1,C64,H56,W56,K64,R3,S3,stride1,pad1,dw,nhwc", "depthwise"], // rows reads NCHW only
      ["C512,H7,K512,R3,pad1,dw", "depthwise"], // 7 rows: one band is the whole image
      ["C32,H14,K64,R3,pad1,g32", "rows"],
      ["N2,C5,H9,W7,K5,R7,stride2,pad3,dw,bias,relu6", "depthwise"], // stride 2 along the height
      ["N1,C32,H56,W56,K32,R5,pad2,dw", "depthwise"], // 5 · 56 accumulators are too many
    ]
  ) {
    const problem = parseConv2dShape(shape!);
    const config = conv2dFamily.defaultConfig(problem, DEFAULT_CAPS);
    assert.equal(config.algorithm, algorithm, shape);
    assert.ok(conv2dFamily.space(problem, DEFAULT_CAPS).isValid(config), shape);
  }
  assert.deepEqual(
    conv2dFamily.defaultConfig(parseConv2dShape("N1,C64,H56,W56,K64,R3,pad1,dw"), DEFAULT_CAPS),
    { algorithm: "rows", tileM: 32, tileN: 8, tileK: 1, threadM: 32, threadN: 1, vec: 4 },
  );
  assert.deepEqual(
    conv2dFamily.defaultConfig(
      parseConv2dShape("N1,C64,H56,W56,K64,R3,pad1,dw,nhwc"),
      DEFAULT_CAPS,
    ),
    { algorithm: "depthwise", tileM: 128, tileN: 32, tileK: 1, threadM: 64, threadN: 4, vec: 4 },
  );
  for (const shape of ["N1,C64,H56,W56,K64,R3,pad1", "C16,H14,K16,R3,pad1,g8"]) {
    const config = conv2dFamily.defaultConfig(parseConv2dShape(shape), DEFAULT_CAPS);
    assert.equal(config.algorithm, "direct", shape);
  }
});

/** Blocks of at most 256 pixels in vectors of 4, 2 × 8 threads. */
const BLOCKS_256: Config = {
  algorithm: "depthwise",
  tileM: 512,
  tileN: 8,
  tileK: 1,
  threadM: 256,
  threadN: 1,
  vec: 4,
};

Deno.test("depthwiseBlock() splits threadM into the block with the fewest accesses per pixel, at most as wide as the output", () => {
  const resnet = parseConv2dShape("N1,C64,H56,W56,K64,R3,S3,stride1,pad1,dw");
  const block = (problem: Conv2dProblem, config: Config) =>
    depthwiseBlock(problem, parseConv2dConfig(config));
  // 4 rows of the whole width: 6 rows × 14 vectors loaded (vectors 0 and 15 are padding) and
  // 56 stored per 224 pixels (0.625 per pixel) beat 8 × 32 (0.73 per pixel inside the image).
  const config = BLOCKS_256;
  const wide = block(resnet, config);
  assert.deepEqual(
    [wide.threadRows, wide.threadCols, wide.blocksW, wide.blocksH, wide.rowOffsets.length],
    [4, 56, 1, 14, 6],
  );
  assert.deepEqual([wide.lead, wide.readVectors.length, wide.paddingVectors], [3, 16, [0, 15]]);
  // Narrower than the output: the padding columns depend on the block, so none is skipped.
  const narrow = block(parseConv2dShape("N1,C8,H64,W64,K8,R3,pad1,dw"), { ...config, threadM: 16 });
  assert.ok(narrow.blocksW > 1, JSON.stringify(narrow));
  assert.deepEqual(narrow.paddingVectors, []);
  for (
    const shape of [
      "N1,C64,H56,W56,K64,R3,S3,stride1,pad1,dw",
      "N1,C64,H56,W56,K64,R3,S3,stride1,pad1,dw,nhwc",
      "N1,C4,H9,W16,K4,R5,S3,stride2,pad2x1,dil1x2,dw",
      "N2,C6,H7,W8,K6,R3,pad1x0x2x1,dw,nhwc,bias,relu6",
      "C512,H7,K512,R3,pad1,dw",
    ]
  ) {
    const problem = parseConv2dShape(shape);
    const { outH, outW } = conv2dDims(problem);
    for (const c of depthwiseConfigs(problem, DEFAULT_CAPS)) {
      const b = block(problem, c);
      const where = `${shape} ${JSON.stringify(c)}`;
      assert.ok(b.threadRows * b.threadCols <= (c.threadM as number), where);
      assert.equal(b.threadCols % b.readWidth, 0, where);
      assert.ok(b.threadCols <= Math.ceil(outW / b.readWidth) * b.readWidth, where);
      assert.equal(b.blocksW, Math.ceil(outW / b.threadCols), where);
      assert.equal(b.blocksH, Math.ceil(outH / b.threadRows), where);
      if (b.blocksW > 1) assert.deepEqual(b.paddingVectors, [], where);
      for (const t of b.paddingVectors) assert.ok(b.readVectors.includes(t), where);
    }
  }
});

Deno.test("generateDepthwise() reads constant columns and skips padding vectors, only when a block spans the output's width", () => {
  const problem = parseConv2dShape("N1,C64,H56,W56,K64,R3,S3,stride1,pad1,dw");
  const config = BLOCKS_256;
  const b = depthwiseBlock(problem, parseConv2dConfig(config));
  assert.equal(b.blocksW, 1);
  const { code } = conv2dFamily.generate(problem, config, DEFAULT_CAPS);
  assert.doesNotMatch(code, /\bcok\d/);
  const loads = b.rowOffsets.length * (b.readVectors.length - b.paddingVectors.length);
  assert.equal(code.match(/input\[/g)?.length, loads);
  assert.equal(loads, 6 * 14);
  const narrowProblem = parseConv2dShape("N1,C8,H64,W64,K8,R3,pad1,dw");
  const narrow = { ...config, tileM: 64, threadM: 16 };
  assert.ok(depthwiseBlock(narrowProblem, parseConv2dConfig(narrow)).blocksW > 1);
  assert.match(conv2dFamily.generate(narrowProblem, narrow, DEFAULT_CAPS).code, /\bcok\d/);
});

Deno.test("generateDepthwise() emits no workgroup memory, barrier, private array or loop, for every config of small problems", () => {
  for (
    const shape of [
      "N2,C6,H7,W8,K6,R3,pad1x0x2x1,dw,nhwc,bias,relu6",
      "N1,C4,H9,W16,K4,R5,S3,stride2,pad2x1,dil1x2,dw",
      "C3,H8,K6,R3,pad1,g3,bias",
    ]
  ) {
    const problem = parseConv2dShape(shape, "f16");
    const configs = depthwiseConfigs(problem, F16_CAPS);
    assert.ok(configs.length > 0, shape);
    for (const config of configs) {
      const { code } = conv2dFamily.generate(problem, config, F16_CAPS);
      const where = `${shape} ${JSON.stringify(config)}`;
      assert.doesNotMatch(code, /var<workgroup>|workgroupBarrier|\bfor \(|\bloop\b/, where);
      // The only arrays are the storage bindings.
      assert.equal(code.match(/array</g)?.length, problem.bias ? 4 : 3, where);
      assert.match(code, /select\(/, where);
    }
  }
});

Deno.test("conv2dFamily.generate() rejects depthwise configs with errors naming the parameter", () => {
  const nchw = parseConv2dShape("C8,H8,W10,K8,R3,pad1,dw");
  const good = {
    algorithm: "depthwise",
    tileM: 64,
    tileN: 8,
    tileK: 1,
    threadM: 8,
    threadN: 1,
    vec: 2,
  };
  conv2dFamily.generate(nchw, good, DEFAULT_CAPS);
  const error = (problem: Conv2dProblem, config: Config) =>
    conv2dConfigError(problem, parseConv2dConfig(config), DEFAULT_CAPS);
  assert.match(
    error(parseConv2dShape("C8,H8,K8,R3,g4"), good)!,
    /needs one input channel per group \(inChannels \/ groups = 1\): this problem has 2/,
  );
  assert.match(error(nchw, { ...good, tileK: 4 })!, /'tileK' must be 1 .*: current value is 4/);
  assert.match(error(nchw, { ...good, threadN: 2 })!, /'threadN' must be 1 .* NCHW/);
  assert.match(error(nchw, { ...good, vec: 4 })!, /'vec' must divide the input width \(10\)/);
  const nhwc = parseConv2dShape("C8,H8,K8,R3,pad1,dw,nhwc");
  assert.match(error(nhwc, good)!, /'threadN' must equal vec \(2\) .* NHWC/);
  assert.match(
    error(parseConv2dShape("C4,H8,K8,R3,pad1,g4,nhwc"), { ...good, threadN: 2 })!,
    /'vec' must be 1 .* channel multiplier \(outChannels \/ groups = 2\)/,
  );
  assert.match(
    error(parseConv2dShape("C8,H64,K8,R7,pad3,dw"), { ...good, tileM: 512, threadM: 64 })!,
    new RegExp(`must be at most ${DEPTHWISE_MAX_FMAS} .* 64 · 1 · 7 · 7 = 3136`),
  );
  assert.throws(
    () => conv2dFamily.generate(nchw, { ...good, tileK: 2 }, DEFAULT_CAPS),
    (e: Error) => e instanceof RangeError && /is not legal: 'tileK' must be 1/.test(e.message),
  );
});

Deno.test({
  name: "generateDepthwise() compiles on the device, for 8 configs sampled from the space",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const problem = conv2dFamily.parseShape("N2,C12,H13,W16,K12,R3,pad1,dw,bias,relu");
    const configs = depthwiseConfigs(problem, gpu.caps).filter((c) => bodyFmas(problem, c) <= 600);
    for (const config of shuffle(configs, seededRandom(11)).slice(0, 8)) {
      await compileProgram(gpu, conv2dFamily.generate(problem, config, gpu.caps));
    }
  },
});

const F32_CASES = [
  "N1,C5,H9,W7,K5,R3,pad1,dw", // odd channels, odd H and W
  "N1,C4,H9,W12,K4,R3,stride2,pad0x1x1x0,dw", // stride 2, asymmetric pads
  "N1,C3,H9,W11,K3,R3,pad2,dil2,dw", // dilation 2
  "N2,C6,H7,W8,K6,R3,pad1,dw,nhwc,bias,relu6", // NHWC, bias + ReLU6, batch 2
  "N1,C8,H6,W16,K8,R1,dw", // 1×1 kernel, rows in vectors of 4
  "N1,C4,H11,W16,K4,R5,pad2,dw,bias,relu", // 5×5 kernel
  "N1,C3,H9,W9,K3,R7,stride2,pad3,dw,nhwc", // 7×7 kernel, stride 2
  "N2,C3,H6,W8,K6,R3,pad1x0x1x2,g3,bias", // channel multiplier 2
];

Deno.test({
  name: "generateDepthwise() matches the float64 reference, for odd f32 shapes",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    for (const [i, shape] of F32_CASES.entries()) {
      const problem = conv2dFamily.parseShape(shape);
      await checkDepthwise(problem, configsFor(problem, gpu.caps, 2, 60 + i));
    }
  },
});

Deno.test({
  name:
    "generateDepthwise() matches the float64 reference, with blocks as wide as the output and narrower",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    for (
      const shape of [
        "N2,C3,H5,W40,K3,R3,pad1,dw,bias",
        "N1,C4,H5,W36,K4,R3,pad0x2x1x1,dw,nhwc", // asymmetric pads, 37 output columns
        "N1,C2,H4,W72,K2,R3,S5,stride2,pad1x3,dil1x2,dw",
      ]
    ) {
      const problem = conv2dFamily.parseShape(shape);
      const small = depthwiseConfigs(problem, gpu.caps)
        .filter((c) => bodyFmas(problem, c) <= 1200)
        .sort((a, b) => bodyFmas(problem, a) - bodyFmas(problem, b));
      const spans = (c: Config) => depthwiseBlock(problem, parseConv2dConfig(c)).blocksW === 1;
      const wide = small.find(spans);
      const narrow = small.find((c) => !spans(c));
      assert.ok(wide && narrow, `${shape}: ${JSON.stringify([wide, narrow])}`);
      await checkDepthwise(problem, [wide, narrow]);
    }
  },
});

Deno.test({
  name: "generateDepthwise() matches the float64 reference, for f16 storage with f32 accumulation",
  ignore: !HAS_F16,
  async fn() {
    const gpu = await testGpu();
    const cases = [
      "N1,C8,H7,W8,K8,R3,pad1,dw,nhwc,bias,relu6",
      "N1,C5,H6,W8,K5,R3,stride2,pad1,dw",
    ];
    for (const [i, shape] of cases.entries()) {
      const problem = conv2dFamily.parseShape(shape, "f16");
      await checkDepthwise(problem, configsFor(problem, gpu.caps, 2, 80 + i));
    }
  },
});
