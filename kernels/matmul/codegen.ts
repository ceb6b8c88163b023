/**
 * WGSL generation for matmul. Pure: problem + config + device capabilities in, a
 * {@linkcode KernelProgram} out.
 *
 * The sizes m, n and k are baked into the WGSL as constants rather than passed as uniforms: the
 * generator then resolves index clamps, loop trip counts and the k-loop remainder at generation
 * time, and every size appears in the shader key. The price is one compiled pipeline per shape,
 * which a per-shape autotuner pays anyway. The batch count is not baked in: batch `z` is
 * `workgroup_id.z`, so problems that differ only in batch share code and shader key.
 *
 * Both variants give each thread a `threadM × threadN` block of C held in registers as
 * `threadN / vec` vectors per row, accumulate in f32 (also for f16 storage) and clamp load indices
 * into range instead of branching, so the inner loop has no conditions; only the final stores are
 * guarded. The epilogue adds the bias and applies the activation.
 *
 * - `"register"`: every thread streams its rows of A (as vec4 along k when 4 divides k and the
 *   unroll) and its columns of B (as vecN along n) from storage; no workgroup memory, no barriers.
 *   On CPU-backed adapters (lavapipe), where each storage load is a per-lane scalar loop, large
 *   per-thread tiles that reuse every loaded value many times win.
 * - `"shared"`: the workgroup stages a tileM×tileK slice of A and a tileK×tileN slice of B in
 *   workgroup memory (zero-filled past the edges), then every thread reads its operands there.
 *
 * @module
 */
import type { BufferBinding, DeviceCaps, KernelProgram } from "../types.ts";
import {
  type MatmulConfig,
  matmulConfigError,
  matmulDispatch,
  matmulProblemError,
  matmulWorkgroupSize,
} from "./config.ts";
import type { MatmulProblem } from "./problem.ts";

const LANES = ["x", "y", "z", "w"];

/** `vecN<elem>` or the scalar `elem` when `width` is 1. */
function vecType(elem: string, width: number): string {
  return width === 1 ? elem : `vec${width}<${elem}>`;
}

function u(value: number): string {
  return `${value}u`;
}

/** Largest of 4, 2, 1 that divides both `a` and `b`. */
function commonVec(a: number, b: number): number {
  for (const w of [4, 2]) if (a % w === 0 && b % w === 0) return w;
  return 1;
}

/** Lines that fold the accumulators into C: bias, activation, conversion, guarded stores. */
function epilogue(
  problem: MatmulProblem,
  config: MatmulConfig,
  accType: string,
  storeType: string,
): string[] {
  const { m, n, bias, activation } = problem;
  const { threadM, threadN, vec } = config;
  const nv = n / vec;
  const nj = threadN / vec;
  const lines: string[] = [];
  const cBatch = `wid.z * ${u(m * nv)}`;
  for (let j = 0; j < nj; j++) {
    lines.push(`  let col_${j} = col + ${u(j)};`);
    if (bias) {
      lines.push(`  let bias_${j} = ${accType}(bias[min(col_${j}, ${u(nv - 1)})]);`);
    }
  }
  for (let i = 0; i < threadM; i++) {
    lines.push(`  if (row + ${u(i)} < ${u(m)}) {`);
    lines.push(`    let c_row = ${cBatch} + (row + ${u(i)}) * ${u(nv)};`);
    for (let j = 0; j < nj; j++) {
      let value = `acc_${i}_${j}`;
      if (bias) value = `${value} + bias_${j}`;
      if (activation === "relu") value = `max(${value}, ${accType}(0.0))`;
      const guard = n % config.tileN === 0 ? "" : `if (col_${j} < ${u(nv)}) `;
      lines.push(`    ${guard}{ c[c_row + col_${j}] = ${storeType}(${value}); }`);
    }
    lines.push(`  }`);
  }
  return lines;
}

/** Multiply-adds of one k step: `acc[i][j] += a[i] * b[j]`. */
function fmaLines(
  config: MatmulConfig,
  accType: string,
  aExpr: (i: number) => string,
  bExpr: (j: number) => string,
  indent: string,
): string[] {
  const nj = config.threadN / config.vec;
  const lines: string[] = [`${indent}{`];
  for (let j = 0; j < nj; j++) lines.push(`${indent}  let b_${j} = ${bExpr(j)};`);
  for (let i = 0; i < config.threadM; i++) {
    const scalar = aExpr(i);
    const a = config.vec === 1 ? scalar : `${accType}(${scalar})`;
    lines.push(`${indent}  { let a_i = ${a};`);
    for (let j = 0; j < nj; j++) {
      lines.push(`${indent}    acc_${i}_${j} = fma(a_i, b_${j}, acc_${i}_${j});`);
    }
    lines.push(`${indent}  }`);
  }
  lines.push(`${indent}}`);
  return lines;
}

function header(problem: MatmulProblem, config: MatmulConfig, aVec: number): string[] {
  const t = problem.dtype;
  const lines: string[] = [];
  if (t === "f16") lines.push("enable f16;");
  lines.push(
    `@group(0) @binding(0) var<storage, read> a: array<${vecType(t, aVec)}>;`,
    `@group(0) @binding(1) var<storage, read> b: array<${vecType(t, config.vec)}>;`,
  );
  let binding = 2;
  if (problem.bias) {
    lines.push(
      `@group(0) @binding(${binding++}) var<storage, read> bias: array<${vecType(t, config.vec)}>;`,
    );
  }
  lines.push(
    `@group(0) @binding(${binding}) var<storage, read_write> c: array<${vecType(t, config.vec)}>;`,
  );
  return lines;
}

function accumulators(config: MatmulConfig, accType: string): string[] {
  const lines: string[] = [];
  for (let i = 0; i < config.threadM; i++) {
    for (let j = 0; j < config.threadN / config.vec; j++) {
      lines.push(`  var acc_${i}_${j} = ${accType}(0.0);`);
    }
  }
  return lines;
}

/** The register-blocked kernel: A and B stream from storage straight into registers. */
function registerKernel(problem: MatmulProblem, config: MatmulConfig): string {
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

/** The workgroup-memory kernel: tiles of A and B are staged cooperatively between barriers. */
function sharedKernel(problem: MatmulProblem, config: MatmulConfig): string {
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

/**
 * The shader key: exactly the values the generated code depends on (kernel version aside). The
 * batch is not among them: it only sets the dispatch's z count.
 *
 * @example Key of a register-blocked config
 * ```ts
 * import { matmulShaderKey } from "./codegen.ts";
 * import { normalizeMatmulProblem } from "./problem.ts";
 * const problem = normalizeMatmulProblem({ m: 64, n: 64, k: 64 });
 * console.log(matmulShaderKey(problem, {
 *   variant: "register", tileM: 32, tileN: 64, tileK: 8, threadM: 4, threadN: 8, vec: 4, unroll: 4,
 * }));
 * // "matmul_register_f32_m64_n64_k64_none_tm32_tn64_thm4_thn8_v4_u4"
 * ```
 */
export function matmulShaderKey(problem: MatmulProblem, config: MatmulConfig): string {
  const { dtype, m, n, k, bias, activation } = problem;
  const { variant, tileM, tileN, tileK, threadM, threadN, vec, unroll } = config;
  return [
    "matmul",
    variant,
    dtype,
    `m${m}`,
    `n${n}`,
    `k${k}`,
    ...(bias ? ["bias"] : []),
    activation,
    `tm${tileM}`,
    `tn${tileN}`,
    ...(variant === "shared" ? [`tk${tileK}`] : []),
    `thm${threadM}`,
    `thn${threadN}`,
    `v${vec}`,
    `u${unroll}`,
  ].join("_");
}

/**
 * Generates the WGSL program of a matmul config. Bindings are `a`, `b`, then `bias` when the
 * problem has one, then the output `c`. Throws a `RangeError` with the reason when the config
 * cannot run this problem on this device.
 *
 * @example Generate a register-blocked kernel
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { generateMatmul } from "./codegen.ts";
 * import { normalizeMatmulProblem } from "./problem.ts";
 * const problem = normalizeMatmulProblem({ m: 100, n: 64, k: 30 });
 * const program = generateMatmul(problem, {
 *   variant: "register", tileM: 32, tileN: 64, tileK: 8, threadM: 4, threadN: 8, vec: 4, unroll: 4,
 * }, DEFAULT_CAPS);
 * console.log(program.workgroupSize, program.dispatch); // [8, 8, 1] [1, 4, 1]
 * ```
 */
export function generateMatmul(
  problem: MatmulProblem,
  config: MatmulConfig,
  caps: DeviceCaps,
): KernelProgram {
  const problemError = matmulProblemError(problem, caps);
  if (problemError) throw new RangeError(problemError);
  const error = matmulConfigError(problem, config, caps);
  if (error) throw new RangeError(error);
  const { m, n, k, batch, dtype } = problem;
  const bindings: BufferBinding[] = [
    { name: "a", dtype, elements: batch * m * k, access: "read" },
    { name: "b", dtype, elements: batch * k * n, access: "read" },
  ];
  if (problem.bias) bindings.push({ name: "bias", dtype, elements: n, access: "read" });
  bindings.push({ name: "c", dtype, elements: batch * m * n, access: "read_write" });
  const code = config.variant === "register"
    ? registerKernel(problem, config)
    : sharedKernel(problem, config);
  return {
    code,
    entryPoint: "main",
    workgroupSize: matmulWorkgroupSize(config),
    dispatch: matmulDispatch(problem, config),
    bindings,
    shaderKey: matmulShaderKey(problem, config),
  };
}
