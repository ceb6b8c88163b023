/**
 * A test-only kernel family whose configs fail in each way a candidate can fail, and two correct
 * kernels of known, very different cost. Each `mode` computes `y = 2 x` over `n` elements except:
 *
 * - `"wrong"` adds 1 to every element: it must be recorded `wrong` and never timed;
 * - `"compile_error"` uses an undeclared identifier: the device rejects the WGSL;
 * - `"runtime_error"` declares its output 64 elements longer than the buffer bound to it: binding
 *   the compiled pipeline fails validation, on every device;
 * - `"light"` and `"heavy"` run a data-dependent loop of 64 and 6400 steps per element (100x the
 *   work) before writing the right value: timing must rank `light` faster;
 * - `"slow"` runs 64 x 65535 loop steps in each of `slowGroups` workgroups (finite, but long on a
 *   software rasterizer), for tests of abandoned GPU work.
 *
 * The loops stay under the 65,535 iterations that llvmpipe allows per loop, and their result is
 * folded into the output through a comparison that is never true for these inputs, so the
 * compiler cannot drop them.
 *
 * @module
 */
import type { KernelFamily } from "../../kernels/types.ts";

/** The problem: `n` elements, and the workgroup count of the `"slow"` mode. */
export interface FaultyProblem {
  /** Elements. */
  readonly n: number;
  /** Workgroups of `mode: "slow"`. */
  readonly slowGroups?: number;
}

/** The modes, in space order. */
export const MODES = [
  "ok",
  "wrong",
  "compile_error",
  "runtime_error",
  "light",
  "heavy",
  "slow",
] as const;

const STEPS: Record<string, number> = { light: 64, heavy: 6400, slow: 65535 };

function body(mode: string, n: number): string {
  switch (mode) {
    case "wrong":
      return `y[i] = 2.0 * x[i] + 1.0;`;
    case "compile_error":
      return `y[i] = 2.0 * undeclared_value;`;
    case "light":
    case "heavy":
    case "slow":
      return `var acc = bitcast<u32>(x[i]) | 1u;
  for (var s = 0u; s < ${STEPS[mode]}u; s++) {
    acc = acc * 1664525u + bitcast<u32>(x[(i + s) % ${n}u]) + 1013904223u;
  }
  y[i] = 2.0 * x[i] + select(0.0, 1.0, acc == 7u);`;
    default:
      return `y[i] = 2.0 * x[i];`;
  }
}

/** The family. */
export const family: KernelFamily<FaultyProblem> = {
  name: "faulty",
  version: 1,
  normalizeProblem: (p) => {
    const { n, slowGroups } = p as FaultyProblem;
    return slowGroups === undefined ? { n } : { n, slowGroups };
  },
  parseShape: (s) => ({ n: Number(s) }),
  defaultShapes: ["256"],
  testShapes: ["256"],
  problemKey: (p) => `n${p.n}`,
  space: () => ({ params: [{ name: "mode", values: [...MODES] }], isValid: () => true }),
  defaultConfig: () => ({ mode: "ok" }),
  generate: (p, config) => {
    const mode = String(config.mode);
    const groups = mode === "slow" ? p.slowGroups ?? 1 : Math.ceil(p.n / 64);
    const output = mode === "runtime_error" ? `array<f32, ${p.n + 64}>` : "array<f32>";
    return {
      code: `@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: ${output};
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) {
  let i = g.x % ${p.n}u;
  if (g.x >= ${p.n}u && ${mode === "slow" ? "false" : "true"}) { return; }
  ${body(mode, p.n)}
}`,
      entryPoint: "main",
      workgroupSize: [64, 1, 1],
      dispatch: [groups, 1, 1],
      bindings: [
        { name: "x", dtype: "f32", elements: p.n, access: "read" },
        { name: "y", dtype: "f32", elements: p.n, access: "read_write" },
      ],
      shaderKey: `faulty_${mode}_${p.n}_${groups}`,
    };
  },
  flops: (p) => p.n,
  makeInputs: (p) => [{ name: "x", data: Float32Array.from({ length: p.n }, (_, i) => i + 1) }],
  reference: (_p, inputs) => Float64Array.from(inputs[0]!.data, (v) => 2 * v),
  tolerance: () => ({ atol: 0, rtol: 0 }),
};
