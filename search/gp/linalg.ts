/**
 * Dense linear algebra for small symmetric positive-definite systems: Cholesky factorization and
 * triangular solves on row-major `Float64Array` matrices. Just what a Gaussian process needs.
 *
 * @module
 */

function checkSquare(name: string, matrix: Float64Array, n: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`'n' must be a non-negative integer: current value is ${n}`);
  }
  if (matrix.length !== n * n) {
    throw new RangeError(
      `'${name}' must hold n * n = ${n * n} entries: current length is ${matrix.length}`,
    );
  }
}

function checkVector(b: Float64Array, n: number): void {
  if (b.length !== n) {
    throw new RangeError(`'b' must hold n = ${n} entries: current length is ${b.length}`);
  }
}

/**
 * Cholesky factorization in place: overwrites the lower triangle (diagonal included) of the
 * symmetric positive-definite `n × n` row-major matrix `a` with `L`, where `A = L Lᵀ`, and leaves
 * the strict upper triangle untouched. Returns `false` (with `a` partly overwritten) when `a` is not
 * numerically positive definite, so that callers can add jitter and retry without exceptions.
 *
 * @example Factor a 2 × 2 matrix in place
 * ```ts
 * import { choleskyInPlace } from "./linalg.ts";
 * const a = new Float64Array([4, 2, 2, 5]);
 * console.log(choleskyInPlace(a, 2), a); // true Float64Array [2, 2, 1, 2]
 * ```
 */
export function choleskyInPlace(a: Float64Array, n: number): boolean {
  checkSquare("a", a, n);
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    for (let j = 0; j <= i; j++) {
      const rowJ = j * n;
      let sum = a[rowI + j]!;
      let k = 0;
      for (; k + 3 < j; k += 4) {
        sum -= a[rowI + k]! * a[rowJ + k]! + a[rowI + k + 1]! * a[rowJ + k + 1]! +
          a[rowI + k + 2]! * a[rowJ + k + 2]! + a[rowI + k + 3]! * a[rowJ + k + 3]!;
      }
      for (; k < j; k++) sum -= a[rowI + k]! * a[rowJ + k]!;
      if (i === j) {
        if (!(sum > 0)) return false;
        a[rowI + i] = Math.sqrt(sum);
      } else {
        a[rowI + j] = sum / a[rowJ + j]!;
      }
    }
  }
  return true;
}

/**
 * Cholesky factorization `A = L Lᵀ` of a symmetric positive-definite `n × n` matrix (row-major;
 * only its lower triangle is read). Returns the lower-triangular `L` (upper triangle zero), or
 * `undefined` when `A` is not numerically positive definite, so that callers can add jitter.
 *
 * @example Factor a 2 × 2 matrix
 * ```ts
 * import { cholesky } from "./linalg.ts";
 * const l = cholesky(new Float64Array([4, 2, 2, 5]), 2);
 * console.log(l); // Float64Array [2, 0, 1, 2]
 * ```
 */
export function cholesky(a: Float64Array, n: number): Float64Array | undefined {
  checkSquare("a", a, n);
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) l.set(a.subarray(i * n, i * n + i + 1), i * n);
  return choleskyInPlace(l, n) ? l : undefined;
}

/**
 * Solves `L x = b` by forward substitution, `L` lower triangular `n × n` (row-major).
 *
 * @example Forward substitution
 * ```ts
 * import { solveLower } from "./linalg.ts";
 * const x = solveLower(new Float64Array([2, 0, 1, 2]), 2, new Float64Array([4, 6]));
 * console.log(x); // Float64Array [2, 2]
 * ```
 */
export function solveLower(l: Float64Array, n: number, b: Float64Array): Float64Array {
  checkSquare("l", l, n);
  checkVector(b, n);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[row + k]! * x[k]!;
    x[i] = sum / l[row + i]!;
  }
  return x;
}

/**
 * Solves `Lᵀ x = b` by back substitution, `L` lower triangular `n × n` (row-major).
 *
 * @example Back substitution
 * ```ts
 * import { solveLowerTransposed } from "./linalg.ts";
 * const x = solveLowerTransposed(new Float64Array([2, 0, 1, 2]), 2, new Float64Array([6, 4]));
 * console.log(x); // Float64Array [2, 2]
 * ```
 */
export function solveLowerTransposed(l: Float64Array, n: number, b: Float64Array): Float64Array {
  checkSquare("l", l, n);
  checkVector(b, n);
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = b[i]!;
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * x[k]!;
    x[i] = sum / l[i * n + i]!;
  }
  return x;
}

/**
 * Solves `A x = b` given the Cholesky factor `L` of `A`.
 *
 * @example Solve with a factored matrix
 * ```ts
 * import { cholesky, choleskySolve } from "./linalg.ts";
 * const l = cholesky(new Float64Array([4, 2, 2, 5]), 2)!;
 * console.log(choleskySolve(l, 2, new Float64Array([8, 9]))); // Float64Array [1.375, 1.25]
 * ```
 */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array): Float64Array {
  return solveLowerTransposed(l, n, solveLower(l, n, b));
}

/**
 * `log det A` from the Cholesky factor `L` of `A`: `2 Σ log Lᵢᵢ`.
 *
 * @example Log-determinant of a factored matrix
 * ```ts
 * import { cholesky, logDeterminant } from "./linalg.ts";
 * const l = cholesky(new Float64Array([4, 2, 2, 5]), 2)!;
 * console.log(Math.exp(logDeterminant(l, 2)).toFixed(6)); // "16.000000"
 * ```
 */
export function logDeterminant(l: Float64Array, n: number): number {
  checkSquare("l", l, n);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.log(l[i * n + i]!);
  return 2 * sum;
}
