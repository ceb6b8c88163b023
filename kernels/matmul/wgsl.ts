/**
 * WGSL helpers shared by the matmul kernels (`register.ts`, `shared.ts`): vector types, the
 * header with the bindings, the accumulators, the multiply-adds and the epilogue (bias,
 * activation, guarded stores).
 *
 * @module
 */
import type { MatmulConfig } from "./config.ts";
import type { MatmulProblem } from "./problem.ts";

/** Vector component names, in order. */
export const LANES = ["x", "y", "z", "w"];

/** `vecN<elem>` or the scalar `elem` when `width` is 1. */
export function vecType(elem: string, width: number): string {
  return width === 1 ? elem : `vec${width}<${elem}>`;
}

/** A WGSL `u32` literal. */
export function u(value: number): string {
  return `${value}u`;
}

/** Largest of 4, 2, 1 that divides both `a` and `b`. */
export function commonVec(a: number, b: number): number {
  for (const w of [4, 2]) if (a % w === 0 && b % w === 0) return w;
  return 1;
}

/** Lines that fold the accumulators into C: bias, activation, conversion, guarded stores. */
export function epilogue(
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
export function fmaLines(
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

/** The bindings and constants every matmul kernel starts with (`aVec`: A's load width). */
export function header(problem: MatmulProblem, config: MatmulConfig, aVec: number): string[] {
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

/** Declares the thread's `threadM × threadN / vec` accumulator vectors, zeroed. */
export function accumulators(config: MatmulConfig, accType: string): string[] {
  const lines: string[] = [];
  for (let i = 0; i < config.threadM; i++) {
    for (let j = 0; j < config.threadN / config.vec; j++) {
      lines.push(`  var acc_${i}_${j} = ${accType}(0.0);`);
    }
  }
  return lines;
}
