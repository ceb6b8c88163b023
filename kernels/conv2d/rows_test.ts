import assert from "node:assert/strict";
import { enumerateValid, restrictSpace } from "../../core/space.ts";
import { seededRandom, shuffle } from "../../core/random.ts";
import { GPU_AVAILABLE, testGpu } from "../../tests/gpu_fixture.ts";
import { type Config, DEFAULT_CAPS, type DeviceCaps } from "../types.ts";
import { parseConv2dConfig } from "./config.ts";
import { depthwiseBlock } from "./depthwise_geometry.ts";
import { conv2dConfigError, ROWS_MAX_ACCUMULATORS } from "./legality.ts";
import { conv2dFamily, type Conv2dProblem } from "./family.ts";
import { parseConv2dShape } from "./parse_shape.ts";
import { checkConfigs } from "./testdata/check_configs.ts";

const HAS_F16 = GPU_AVAILABLE && (await testGpu()).caps.shaderF16;

/** The `"rows"` configs of the space. */
function rowsConfigs(problem: Conv2dProblem, caps: DeviceCaps): Config[] {
  return [
    ...enumerateValid(restrictSpace(conv2dFamily.space(problem, caps), { algorithm: ["rows"] })),
  ];
}

const BAND: Config = {
  algorithm: "rows",
  tileM: 16,
  tileN: 8,
  tileK: 1,
  threadM: 16,
  threadN: 1,
  vec: 1,
};

Deno.test("conv2dSpace() offers rows configs, only for NCHW depthwise problems with stride and dilation 1 along the height", () => {
  for (
    const shape of [
      "N1,C64,H56,W56,K64,R3,S3,stride1,pad1,dw",
      "N2,C3,H9,W16,K6,R3,pad1,g3,bias",
      "N1,C4,H20,W12,K4,R5,S3,pad2x1,dil1x2,dw",
      "N1,C2,H17,W24,K2,R3,S5,stride1x2,pad0x3,dw",
    ]
  ) {
    const count = rowsConfigs(parseConv2dShape(shape), DEFAULT_CAPS).length;
    assert.ok(count >= 1 && count <= 24, `${shape}: ${count} rows configs`);
  }
  for (
    const shape of [
      "N1,C64,H56,W56,K64,R3,pad1,dw,nhwc",
      "N1,C8,H16,W16,K8,R3,stride2,pad1,dw",
      "N1,C8,H16,W16,K8,R3,dil2,pad2,dw",
      "N1,C8,H16,W16,K8,R3,pad1,g4",
      "N1,C8,H56,W56,K8,R5,pad2,dw",
    ]
  ) {
    assert.equal(rowsConfigs(parseConv2dShape(shape), DEFAULT_CAPS).length, 0, shape);
  }
});

Deno.test("conv2dFamily.generate() rejects rows configs with errors naming the rule", () => {
  const error = (shape: string, config: Config) =>
    conv2dConfigError(parseConv2dShape(shape), parseConv2dConfig(config), DEFAULT_CAPS);
  assert.equal(error("C8,H16,K8,R3,pad1,dw", BAND), undefined);
  assert.match(error("C8,H16,K8,R3,pad1,g4", BAND)!, /rows algorithm needs one input channel/);
  assert.match(error("C8,H16,K8,R3,pad1,dw,nhwc", BAND)!, /rows algorithm reads NCHW only/);
  assert.match(
    error("C8,H16,K8,R3,stride2,pad1,dw", BAND)!,
    /needs strideH and dilationH 1 .*: this problem has 2 and 1/,
  );
  assert.match(error("C8,H16,K8,R3,pad1,dw", { ...BAND, tileK: 2 })!, /'tileK' must be 1/);
  assert.match(error("C8,H16,K8,R3,pad1,dw", { ...BAND, threadN: 2, tileN: 16 })!, /'threadN'/);
  assert.match(error("C8,H16,W10,K8,R3,pad1,dw", { ...BAND, vec: 4 })!, /'vec' must divide/);
  assert.match(
    error("C8,H16,W100,K8,R3,pad1,dw", BAND)!,
    new RegExp(`3 · 100 = 300\\) accumulators, more than ${ROWS_MAX_ACCUMULATORS}`),
  );
  assert.match(error("C8,H16,W80,K8,R3,S11,pad1x5,dw", BAND)!, /unrolls .* \(2640\) multiply-adds/);
});

Deno.test("generateRows() streams rows in one loop, holding kernelH rows of accumulators", () => {
  for (
    const shape of [
      "N1,C64,H56,W56,K64,R3,S3,stride1,pad1,dw",
      "N1,C4,H20,W12,K4,R5,S3,pad2x1,dil1x2,dw,bias",
      "N1,C8,H18,W16,K8,R1,dw",
    ]
  ) {
    const problem = parseConv2dShape(shape);
    for (const config of rowsConfigs(problem, DEFAULT_CAPS)) {
      const where = `${shape} ${JSON.stringify(config)}`;
      const { code } = conv2dFamily.generate(problem, config, DEFAULT_CAPS);
      const b = depthwiseBlock(problem, parseConv2dConfig(config));
      assert.equal(b.blocksW, 1, where);
      assert.doesNotMatch(code, /var<workgroup>|workgroupBarrier|\bcok\d/, where);
      assert.equal(code.match(/\bfor \(/g)?.length, 1, where);
      const loads = b.readVectors.length - b.paddingVectors.length;
      assert.equal(code.match(/input\[/g)?.length, loads, where);
      const accumulators = problem.kernelH * b.threadCols;
      assert.equal(code.match(/\bvar a\d+_\d+ = init;/g)?.length, accumulators, where);
    }
  }
});

const F32_CASES = [
  "N1,C5,H19,W7,K5,R3,pad1,dw", // odd sizes, a last band of 3 rows
  "N2,C3,H9,W16,K6,R3,pad0x1x2x1,g3,bias,relu6", // channel multiplier 2, pads 0 top / 2 bottom
  "N1,C4,H20,W12,K4,R5,S3,pad2x1,dil1x2,dw,bias", // 5 kernel rows, column dilation 2
  "N1,C2,H17,W24,K2,R3,S5,stride1x2,pad0x3,dw,relu", // column stride 2, no top or bottom pad
  "N1,C8,H18,W16,K8,R1,dw", // 1×1 kernel: one row of accumulators
];

Deno.test({
  name: "generateRows() streams rows that match the float64 reference, for odd f32 shapes",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    for (const [i, shape] of F32_CASES.entries()) {
      const problem = conv2dFamily.parseShape(shape);
      const configs = shuffle(rowsConfigs(problem, gpu.caps), seededRandom(90 + i)).slice(0, 3);
      assert.ok(configs.length > 0, shape);
      await checkConfigs(problem, configs, 7);
    }
  },
});

Deno.test({
  name: "generateRows() streams rows that match the float64 reference, for f16 storage",
  ignore: !HAS_F16,
  async fn() {
    const gpu = await testGpu();
    const problem = conv2dFamily.parseShape("N1,C4,H18,W8,K4,R3,pad1,dw,bias,relu6", "f16");
    await checkConfigs(problem, rowsConfigs(problem, gpu.caps).slice(0, 2), 8);
  },
});
