/**
 * The `"shared"` matmul kernel (see `codegen.ts`): the workgroup stages tiles of A and B in
 * workgroup memory between barriers, and every thread reads its operands there.
 *
 * @module
 */
import { type MatmulConfig, matmulWorkgroupSize } from "./config.ts";
import type { MatmulProblem } from "./problem.ts";
import { accumulators, epilogue, fmaLines, header, u, vecType } from "./wgsl.ts";

/** The workgroup-memory kernel: tiles of A and B are staged cooperatively between barriers. */
export function sharedKernel(problem: MatmulProblem, config: MatmulConfig): string {
  const { m, n, k } = problem;
  const { tileM, tileN, tileK, threadM, threadN, vec, unroll } = config;
  const [wx, wy] = matmulWorkgroupSize(config);
  const threads = wx * wy;
  const nv = n / vec;
  const nj = threadN / vec;
  const tnv = tileN / vec;
  const accType = vecType("f32", vec);
  const lines = header(problem, config, 1);
  lines.push(
    "",
    `var<workgroup> tile_a: array<f32, ${tileM * tileK}>;`,
    `var<workgroup> tile_b: array<${accType}, ${tileK * tnv}>;`,
    "",
    `@compute @workgroup_size(${wx}, ${wy}, 1)`,
    "fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,",
    "        @builtin(local_invocation_index) li: u32) {",
    `  let row0 = wid.y * ${u(tileM)};`,
    `  let col0 = wid.x * ${u(tnv)};`,
    `  let row = row0 + lid.y * ${u(threadM)};`,
    `  let col = col0 + lid.x * ${u(nj)};`,
    `  let a_batch = wid.z * ${u(m * k)};`,
    `  let b_batch = wid.z * ${u(k * nv)};`,
    ...accumulators(config, accType),
    `  for (var t = 0u; t < ${u(k)}; t += ${u(tileK)}) {`,
  );
  // Cooperative loads: element e of the tile goes to thread e % threads; out-of-range elements
  // are zero so that partial tiles add nothing.
  const loadTile = (
    total: number,
    perRow: number,
    body: (r: string, q: string) => string[],
  ): void => {
    for (let s = 0; s < Math.ceil(total / threads); s++) {
      const guarded = (s + 1) * threads > total;
      const indent = guarded ? "      " : "    ";
      if (guarded) lines.push(`    if (li + ${u(s * threads)} < ${u(total)}) {`);
      lines.push(
        `${indent}{ let e = li + ${u(s * threads)};`,
        ...body(`e / ${u(perRow)}`, `e % ${u(perRow)}`).map((l) => `${indent}  ${l}`),
        `${indent}}`,
      );
      if (guarded) lines.push("    }");
    }
  };
  loadTile(tileM * tileK, tileK, (r, q) => [
    `let gr = row0 + ${r};`,
    `let gk = t + ${q};`,
    `let v = f32(a[a_batch + min(gr, ${u(m - 1)}) * ${u(k)} + min(gk, ${u(k - 1)})]);`,
    `tile_a[e] = select(0.0, v, gr < ${u(m)} && gk < ${u(k)});`,
  ]);
  loadTile(tileK * tnv, tnv, (r, q) => [
    `let gk = t + ${r};`,
    `let gc = col0 + ${q};`,
    `let v = ${accType}(b[b_batch + min(gk, ${u(k - 1)}) * ${u(nv)} + min(gc, ${u(nv - 1)})]);`,
    `tile_b[e] = select(${accType}(0.0), v, gk < ${u(k)} && gc < ${u(nv)});`,
  ]);
  lines.push("    workgroupBarrier();");
  const a_base = `lid.y * ${u(threadM * tileK)}`;
  const b_base = `lid.x * ${u(nj)}`;
  const block = (indent: string): string[] => {
    const out: string[] = [];
    for (let s = 0; s < unroll; s++) {
      out.push(
        ...fmaLines(
          config,
          accType,
          (i) => `tile_a[${a_base} + kk + ${u(i * tileK + s)}]`,
          (j) => `tile_b[(kk + ${u(s)}) * ${u(tnv)} + ${b_base} + ${u(j)}]`,
          indent,
        ),
      );
    }
    return out;
  };
  if (unroll === tileK) {
    lines.push("    { let kk = 0u;", ...block("      "), "    }");
  } else {
    lines.push(
      `    for (var kk = 0u; kk < ${u(tileK)}; kk += ${u(unroll)}) {`,
      ...block("      "),
      "    }",
    );
  }
  lines.push("    workgroupBarrier();", "  }");
  lines.push(...epilogue(problem, config, accType, vecType(problem.dtype, vec)), "}");
  return lines.join("\n") + "\n";
}
