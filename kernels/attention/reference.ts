/**
 * The attention CPU reference (float64, plain three-pass softmax per query row, sharing no code
 * with the kernel generator), deterministic inputs and the comparison tolerance.
 *
 * @module
 */
import { roundToDtype } from "../../core/dtype.ts";
import { seededRandom } from "../../core/random.ts";
import type { HostTensor, Tolerance } from "../types.ts";
import type { AttentionProblem } from "./problem.ts";

/**
 * Deterministic inputs `q`, `k`, `v` (uniform in [-1, 1)) and, when the problem has a mask,
 * `mask` (uniform in [-2, 2), with about one entry in eight set to `-Infinity`), all rounded to
 * the problem's dtype.
 *
 * @example
 * ```ts
 * import { makeAttentionInputs } from "./reference.ts";
 * import { normalizeAttentionProblem } from "./problem.ts";
 * const p = normalizeAttentionProblem({ batch: 1, heads: 2, seqQ: 3, seqKV: 5, headDim: 4, mask: "2d" });
 * console.log(makeAttentionInputs(p, 1).map((t) => `${t.name}:${t.data.length}`));
 * // ["q:24", "k:40", "v:40", "mask:15"]
 * ```
 */
export function makeAttentionInputs(problem: AttentionProblem, seed: number): HostTensor[] {
  const { batch, heads, kvHeads, seqQ, seqKV, headDim, headDimV, dtype, maskShape } = problem;
  const random = seededRandom(seed);
  const uniform = (n: number): Float32Array =>
    roundToDtype(dtype, Float32Array.from({ length: n }, () => 2 * random() - 1));
  const inputs: HostTensor[] = [
    { name: "q", data: uniform(batch * heads * seqQ * headDim) },
    { name: "k", data: uniform(batch * kvHeads * seqKV * headDim) },
    { name: "v", data: uniform(batch * kvHeads * seqKV * headDimV) },
  ];
  if (maskShape) {
    const n = maskShape.reduce((a, b) => a * b, 1);
    const mask = Float32Array.from(
      { length: n },
      () => random() < 0.125 ? -Infinity : 4 * random() - 2,
    );
    inputs.push({ name: "mask", data: roundToDtype(dtype, mask) });
  }
  return inputs;
}

function input(inputs: readonly HostTensor[], name: string, length: number): ArrayLike<number> {
  const tensor = inputs.find((t) => t.name === name);
  if (!tensor) {
    throw new TypeError(
      `'inputs' must contain '${name}': current names are ${inputs.map((t) => t.name).join(", ")}`,
    );
  }
  if (tensor.data.length !== length) {
    throw new RangeError(
      `input '${name}' must have ${length} elements: current length is ${tensor.data.length}`,
    );
  }
  return tensor.data;
}

/**
 * Float64 attention: for every query row, scores `scale·q·k + mask`, causal keys
 * `j > i + causalOffset` dropped, then max, exp-sum, and the weighted sum of V. A row with no key
 * left (all dropped or `-inf`) gives 0, like ONNX `Attention`.
 *
 * @example One query, two keys, no mask
 * ```ts
 * import { attentionReference } from "./reference.ts";
 * import { normalizeAttentionProblem } from "./problem.ts";
 * const p = normalizeAttentionProblem({ batch: 1, heads: 1, seqQ: 1, seqKV: 2, headDim: 1, scale: 1 });
 * const out = attentionReference(p, [
 *   { name: "q", data: new Float32Array([1]) },
 *   { name: "k", data: new Float32Array([0, Math.log(3)]) },
 *   { name: "v", data: new Float32Array([4, 8]) },
 * ]);
 * console.log(out[0]); // (1·4 + 3·8) / 4 ≈ 7 (ln 3 is rounded to f32)
 * ```
 */
export function attentionReference(
  problem: AttentionProblem,
  inputs: readonly HostTensor[],
): Float64Array {
  const { batch, heads, kvHeads, seqQ, seqKV, headDim, headDimV, scale, softcap, maskShape } =
    problem;
  const q = input(inputs, "q", batch * heads * seqQ * headDim);
  const k = input(inputs, "k", batch * kvHeads * seqKV * headDim);
  const v = input(inputs, "v", batch * kvHeads * seqKV * headDimV);
  const mask = maskShape
    ? input(inputs, "mask", maskShape[0] * maskShape[1] * maskShape[2] * maskShape[3])
    : null;
  const out = new Float64Array(batch * heads * seqQ * headDimV);
  const scores = new Float64Array(seqKV);
  const group = heads / kvHeads;
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const kh = Math.floor(h / group);
      for (let i = 0; i < seqQ; i++) {
        const qAt = ((b * heads + h) * seqQ + i) * headDim;
        const keys = problem.causal
          ? Math.max(0, Math.min(seqKV, i + problem.causalOffset + 1))
          : seqKV;
        let max = -Infinity;
        for (let j = 0; j < keys; j++) {
          const kAt = ((b * kvHeads + kh) * seqKV + j) * headDim;
          let dot = 0;
          for (let d = 0; d < headDim; d++) dot += q[qAt + d]! * k[kAt + d]!;
          let s = dot * scale;
          if (softcap > 0) s = softcap * Math.tanh(s / softcap);
          if (mask && maskShape) {
            const [mb, mh, mq, mk] = maskShape;
            const at =
              (((mb === 1 ? 0 : b) * mh + (mh === 1 ? 0 : h)) * mq + (mq === 1 ? 0 : i)) * mk +
              (mk === 1 ? 0 : j);
            s += mask[at]!;
          }
          scores[j] = s;
          if (s > max) max = s;
        }
        const oAt = ((b * heads + h) * seqQ + i) * headDimV;
        if (max === -Infinity) continue; // no key left: the row stays 0
        let sum = 0;
        for (let j = 0; j < keys; j++) {
          scores[j] = Math.exp(scores[j]! - max);
          sum += scores[j]!;
        }
        for (let j = 0; j < keys; j++) {
          const weight = scores[j]! / sum;
          const vAt = ((b * kvHeads + kh) * seqKV + j) * headDimV;
          for (let e = 0; e < headDimV; e++) out[oAt + e] = out[oAt + e]! + weight * v[vAt + e]!;
        }
      }
    }
  }
  return out;
}

/**
 * Tolerance against the reference. Outputs are convex combinations of V rows, so errors are
 * absolute-like: f32 `{ atol: 1e-4, rtol: 1e-3 }`; f16 (inputs already rounded, f32 math, output
 * rounded to f16) `{ atol: 2e-3, rtol: 4e-3 }`.
 *
 * @example
 * ```ts
 * import { attentionTolerance } from "./reference.ts";
 * import { normalizeAttentionProblem } from "./problem.ts";
 * const p = normalizeAttentionProblem({ batch: 1, heads: 1, seqQ: 1, seqKV: 1, headDim: 8, dtype: "f16" });
 * console.log(attentionTolerance(p)); // { atol: 0.002, rtol: 0.004 }
 * ```
 */
export function attentionTolerance(problem: AttentionProblem): Tolerance {
  return problem.dtype === "f16" ? { atol: 2e-3, rtol: 4e-3 } : { atol: 1e-4, rtol: 1e-3 };
}
