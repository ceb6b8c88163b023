/**
 * A test-only kernel family for robustness tests: `mode: "ok"` doubles its input, `"spin"` runs
 * for practically ever, `"lose"` has the worker destroy its device before the candidate runs.
 *
 * "spin" dispatches 65535 × 1024 workgroups whose invocations each run a data-dependent loop of
 * 2^32 steps. Mesa's llvmpipe caps every loop at 65535 iterations (its guard against hangs), so the
 * huge grid is what makes it long there; on a real GPU the loop alone never ends in practice.
 *
 * @module
 */
import type { Gpu } from "../../gpu/device.ts";
import type { Config } from "../../core/types.ts";
import type { KernelFamily } from "../../kernels/types.ts";

interface SpinProblem {
  n: number;
}

/** The family. */
export const family: KernelFamily<SpinProblem> = {
  name: "spin",
  version: 1,
  normalizeProblem: (p) => ({ n: (p as SpinProblem).n }),
  parseShape: (s) => ({ n: Number(s) }),
  defaultShapes: ["256"],
  testShapes: ["256"],
  problemKey: (p) => `n${p.n}`,
  space: () => ({
    params: [{ name: "mode", values: ["ok", "spin", "lose"] }],
    isValid: () => true,
  }),
  defaultConfig: () => ({ mode: "ok" }),
  generate: (p, config) => ({
    code: `@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) {
  if (g.x >= ${p.n}u && ${config.mode === "spin" ? "false" : "true"}) { return; }
  ${
      config.mode === "spin"
        ? `var acc = u32(x[g.x % ${p.n}u]);
  for (var i = 0u; i < 0xffffffffu; i++) {
    acc = acc * 1664525u + u32(x[(acc >> 8u) % ${p.n}u]) + 1u;
  }
  y[g.x % ${p.n}u] = f32(acc);
  return;`
        : ""
    }
  y[g.x] = 2.0 * x[g.x];
}`,
    entryPoint: "main",
    workgroupSize: [64, 1, 1],
    dispatch: config.mode === "spin" ? [65535, 1024, 1] : [Math.ceil(p.n / 64), 1, 1],
    bindings: [
      { name: "x", dtype: "f32", elements: p.n, access: "read" },
      { name: "y", dtype: "f32", elements: p.n, access: "read_write" },
    ],
    shaderKey: `spin_${config.mode}_${p.n}`,
  }),
  flops: (p) => p.n,
  makeInputs: (p) => [{ name: "x", data: Float32Array.from({ length: p.n }, (_, i) => i) }],
  reference: (p, inputs) => Float64Array.from(inputs[0]!.data, (v) => 2 * v).slice(0, p.n),
  tolerance: () => ({ atol: 0, rtol: 0 }),
};

/** Worker hook: simulates a device loss for `mode: "lose"`. */
export function onCandidate(gpu: Gpu, config: Config): void {
  if (config.mode === "lose") gpu.device.destroy();
}
