import assert from "node:assert/strict";
import { compileProgram } from "../../gpu/program.ts";
import { conv2d } from "../../ops/conv2d.ts";
import { enumerateValid } from "../../core/space.ts";
import { seededRandom, shuffle } from "../../core/random.ts";
import { GPU_AVAILABLE, testGpu } from "../../tests/gpu_fixture.ts";
import { compareToReference } from "../../core/compare.ts";
import type { Config, DeviceCaps } from "../types.ts";
import { conv2dFamily, type Conv2dProblem } from "./family.ts";
import { checkConfigs } from "./testdata/check_configs.ts";

const HAS_F16 = GPU_AVAILABLE && (await testGpu()).caps.shaderF16;

/**
 * `count` configs of one algorithm drawn from the space with a seeded generator, excluding big
 * register blocks: lavapipe's LLVM compile time grows fast with them (the pure tests generate
 * every config; the benchmarks run the big ones).
 */
function sample(
  problem: Conv2dProblem,
  caps: DeviceCaps,
  algorithm: string,
  count: number,
  seed: number,
): Config[] {
  const configs = [...enumerateValid(conv2dFamily.space(problem, caps))].filter((c) =>
    c.algorithm === algorithm && (c.threadM as number) * (c.threadN as number) <= 32
  );
  return shuffle(configs, seededRandom(seed)).slice(0, count);
}

/** The default plus one sampled config of each algorithm. */
function configsFor(problem: Conv2dProblem, caps: DeviceCaps, seed: number): Config[] {
  return [
    conv2dFamily.defaultConfig(problem, caps),
    ...sample(problem, caps, "direct", 1, seed),
    ...sample(problem, caps, "gemm", 1, seed),
  ];
}

Deno.test({
  name: "conv2dFamily.generate() compiles on the device, for 10 configs sampled from the space",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const problem = conv2dFamily.parseShape("N2,C16,H12,W10,K24,R3,pad1,bias,relu");
    const all = [...enumerateValid(conv2dFamily.space(problem, gpu.caps))].filter((c) =>
      (c.threadM as number) * (c.threadN as number) <= 64
    );
    for (const config of shuffle(all, seededRandom(7)).slice(0, 10)) {
      await compileProgram(gpu, conv2dFamily.generate(problem, config, gpu.caps));
    }
  },
});

const F32_CASES = [
  "N1,C3,H9,W7,K5,R3,pad1", // odd channels
  "N2,C5,H6,W7,K3,R1", // 1×1 kernel, odd channels
  "N1,C3,H13,W11,K4,R7,stride2,pad3", // 7×7 stride 2
  "N1,C4,H9,W10,K4,R3,stride2,pad0x1x1x0", // stride 2, asymmetric pads
  "N1,C4,H9,W11,K4,R3,pad2,dil2", // dilation 2
  "N2,C6,H7,K4,R3,pad1,g2", // grouped
  "N1,C8,H7,K8,R3,pad1,dw", // depthwise
  "N2,C4,H6,W5,K8,R3,S2,pad1x0,nhwc,bias,relu6", // NHWC, bias, ReLU6
  "N1,C8,H6,K8,R3,pad1,dw,nhwc,bias", // depthwise NHWC
  "N1,C6,H5,K8,R3,pad1,bias,relu", // bias + ReLU
];

Deno.test({
  name: "conv2dFamily kernels match the float64 reference, for odd f32 shapes and both algorithms",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    for (const [i, shape] of F32_CASES.entries()) {
      const problem = conv2dFamily.parseShape(shape);
      await checkConfigs(problem, configsFor(problem, gpu.caps, 20 + i), 3);
    }
  },
});

Deno.test({
  name: "conv2dFamily kernels match the float64 reference, for f16 storage with f32 accumulation",
  ignore: !HAS_F16,
  async fn() {
    const gpu = await testGpu();
    const cases = [
      "N1,C5,H7,W6,K4,R3,pad1,bias,relu",
      "N1,C8,H6,K8,R3,stride2,pad1,dw,nhwc",
      "N2,C8,H5,K8,R3,S1,pad1x0,g2,nhwc,bias,relu6",
    ];
    for (const [i, shape] of cases.entries()) {
      const problem = conv2dFamily.parseShape(shape, "f16");
      await checkConfigs(problem, configsFor(problem, gpu.caps, 40 + i), 3);
    }
  },
});

Deno.test({
  name: "conv2d() runs through the registry with bias, when called on host arrays",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const shape = {
      batch: 1,
      inChannels: 3,
      height: 5,
      width: 6,
      outChannels: 4,
      kernelH: 3,
      kernelW: 3,
      strideW: 2,
      padTop: 1,
      padLeft: 1,
      padBottom: 1,
      padRight: 1,
      activation: "relu",
    } as const;
    const problem = conv2dFamily.normalizeProblem({ ...shape, bias: true });
    const inputs = conv2dFamily.makeInputs(problem, 9);
    const [input, weight, bias] = inputs.map((t) => t.data as Float32Array);
    const expected = conv2dFamily.reference(problem, inputs);
    const viaDefault = await conv2d(gpu, input!, weight!, bias, shape, { cacheDir: null });
    assert.ok(viaDefault instanceof Float32Array);
    assert.ok(compareToReference(viaDefault, expected, conv2dFamily.tolerance(problem)).ok);
    const config = sample(problem, gpu.caps, "gemm", 1, 5)[0]!;
    const viaGemm = await conv2d(gpu, input!, weight!, bias, shape, { config });
    assert.ok(compareToReference(viaGemm, expected, conv2dFamily.tolerance(problem)).ok);
    await assert.rejects(
      conv2d(gpu, input!, weight!.subarray(1), bias, shape, { cacheDir: null }),
      /'weight' must have 108 elements/,
    );
    await assert.rejects(
      conv2d(gpu, input!, weight!, bias, { ...shape, dtype: "f16" } as never),
      /must not have 'dtype'/,
    );
  },
});
