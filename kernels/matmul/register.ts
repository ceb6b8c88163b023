/**
 * The `"register"` matmul kernel (see `codegen.ts`): every thread streams its rows of A and
 * columns of B from storage into registers; no workgroup memory, no barriers.
 *
 * @module
 */
import { type MatmulConfig, matmulWorkgroupSize } from "./config.ts";
import type { MatmulProblem } from "./problem.ts";
import { accumulators, commonVec, epilogue, fmaLines, header, LANES, u, vecType } from "./wgsl.ts";

/** The register-blocked kernel: A and B stream from storage straight into registers. */
export function registerKernel(problem: MatmulProblem, config: MatmulConfig): string {
  const { m, n, k } = problem;
  const { tileM, tileN, threadM, threadN, vec, unroll } = config;
  const [wx, wy] = matmulWorkgroupSize(config);
  const nv = n / vec;
  const nj = threadN / vec;
  // A is read `aVec` consecutive k values at a time when that divides both k and the unroll.
  const aVec = commonVec(k, unroll);
  const kq = k / aVec;
  const accType = vecType("f32", vec);
  const aType = vecType("f32", aVec);
  const lines = header(problem, config, aVec);
  lines.push(
    "",
    `@compute @workgroup_size(${wx}, ${wy}, 1)`,
    "fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {",
    `  let row = wid.y * ${u(tileM)} + lid.y * ${u(threadM)};`,
    `  let col = wid.x * ${u(tileN / vec)} + lid.x * ${u(nj)};`,
  );
  for (let i = 0; i < threadM; i++) {
    lines.push(
      `  let a_row_${i} = wid.z * ${u(m * kq)} + min(row + ${u(i)}, ${u(m - 1)}) * ${u(kq)};`,
    );
  }
  for (let j = 0; j < nj; j++) {
    lines.push(`  let b_col_${j} = wid.z * ${u(k * nv)} + min(col + ${u(j)}, ${u(nv - 1)});`);
  }
  lines.push(...accumulators(config, accType));
  // One unrolled block of `steps` k values starting at k = kk (a multiple of aVec).
  const block = (steps: number, indent: string): string[] => {
    const out: string[] = [];
    for (let s = 0; s < steps; s++) {
      if (s % aVec === 0) {
        for (let i = 0; i < threadM; i++) {
          out.push(`${indent}let av_${i}_${s} = ${aType}(a[a_row_${i} + kq + ${u(s / aVec)}]);`);
        }
      }
      const base = s - (s % aVec);
      const lane = aVec === 1 ? "" : `.${LANES[s % aVec]}`;
      out.push(
        ...fmaLines(
          config,
          accType,
          (i) => `av_${i}_${base}${lane}`,
          (j) => `${accType}(b[b_col_${j} + kb + ${u(s * nv)}])`,
          indent,
        ),
      );
    }
    return out;
  };
  const kMain = k - (k % unroll);
  if (kMain > 0) {
    lines.push(
      `  for (var kk = 0u; kk < ${u(kMain)}; kk += ${u(unroll)}) {`,
      `    let kq = kk / ${u(aVec)};`,
      `    let kb = kk * ${u(nv)};`,
      ...block(unroll, "    "),
      "  }",
    );
  }
  if (k > kMain) {
    lines.push(
      "  {",
      `    let kq = ${u(kMain / aVec)};`,
      `    let kb = ${u(kMain * nv)};`,
      ...block(k - kMain, "    "),
      "  }",
    );
  }
  lines.push(...epilogue(problem, config, accType, vecType(problem.dtype, vec)), "}");
  return lines.join("\n") + "\n";
}
