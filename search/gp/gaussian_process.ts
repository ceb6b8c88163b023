/**
 * A Gaussian process regression model with a Matérn 5/2 kernel and one length scale per parameter
 * group (ARD), zero prior mean (targets are expected standardized).
 *
 * The covariance is `k(x, x') = σ² (m(r) + δ(x = x') (g + eᵢ))` with `m` the Matérn 5/2 correlation,
 * `r² = Σ_c ((x_c − x'_c) / ℓ_{group(c)})²`, `g` the noise variance relative to the signal variance
 * `σ²`, and `eᵢ` an optional extra noise of training point `i` (used to trust warm-start points
 * less). The signal variance is profiled out: for fixed `ℓ` and `g` its maximum-likelihood value is
 * `yᵀ A⁻¹ y / n`, which leaves one parameter fewer for the hyperparameter search.
 *
 * @module
 */
import { choleskyInPlace } from "./linalg.ts";

const SQRT5 = Math.sqrt(5);
const LOG_2PI = Math.log(2 * Math.PI);

/**
 * The Matérn 5/2 correlation at scaled distance `r ≥ 0`: `(1 + √5 r + 5r²/3) exp(−√5 r)`.
 *
 * @example Correlation at distance 0 and 1
 * ```ts
 * import { matern52 } from "./gaussian_process.ts";
 * console.log(matern52(0)); // 1
 * console.log(matern52(1).toFixed(4)); // "0.5240"
 * ```
 */
export function matern52(r: number): number {
  const s = SQRT5 * r;
  return (1 + s + (s * s) / 3) * Math.exp(-s);
}

/** Hyperparameters of the model. */
export interface GpHyperparameters {
  /** Length scale of each group, in encoded units (ARD). */
  readonly lengthScales: readonly number[];
  /** Noise variance relative to the signal variance. */
  readonly noise: number;
}

/** Training inputs and targets. */
export interface GpTrainingData {
  /** Encoded inputs, one row per point, all of the same length. */
  readonly x: readonly Float64Array[];
  /** Targets, one per row of `x`; standardize them (mean 0, variance 1) for a zero prior mean. */
  readonly y: Float64Array;
  /** Group of each input column; `lengthScales[groups[c]]` scales column `c`. */
  readonly groups: Int32Array;
  /** Optional extra noise per point, relative to the signal variance, added to `noise`. */
  readonly extraNoise?: Float64Array;
}

/** Posterior of the latent function at a set of points. */
export interface GpPrediction {
  /** Posterior means. */
  readonly mean: Float64Array;
  /** Posterior variances of the latent function (noise excluded), never negative. */
  readonly variance: Float64Array;
}

/** A fitted model. */
export interface GaussianProcess {
  /** The hyperparameters it was fitted with. */
  readonly hyperparameters: GpHyperparameters;
  /** The profiled maximum-likelihood signal variance `σ²`. */
  readonly signalVariance: number;
  /** Log marginal likelihood of the training data (signal variance profiled). */
  readonly logMarginalLikelihood: number;
  /** Posterior mean and variance at each row of `x`. */
  predict(x: readonly Float64Array[]): GpPrediction;
}

interface Factorization {
  readonly l: Float64Array;
  readonly alpha: Float64Array;
  readonly signalVariance: number;
  readonly logMarginalLikelihood: number;
}

/**
 * Training data prepared for repeated likelihood evaluations: the per-group squared distances of
 * every pair of points are computed once, so that trying new hyperparameters costs one kernel
 * matrix and one Cholesky factorization.
 *
 * @example Compare the likelihood of two length scales, then fit
 * ```ts
 * import { GpTrainingSet } from "./gaussian_process.ts";
 * const set = new GpTrainingSet({
 *   x: [0, 0.25, 0.5, 0.75, 1].map((v) => new Float64Array([v])),
 *   y: new Float64Array([-1, -0.5, 0, 0.5, 1]),
 *   groups: new Int32Array([0]),
 * });
 * const short = set.logMarginalLikelihood({ lengthScales: [0.01], noise: 1e-4 });
 * const long = set.logMarginalLikelihood({ lengthScales: [1], noise: 1e-4 });
 * console.log(long > short); // true
 * const model = set.fit({ lengthScales: [1], noise: 1e-4 });
 * console.log(model.predict([new Float64Array([0.5])]).mean[0]!.toFixed(3)); // "0.000"
 * ```
 */
export class GpTrainingSet {
  /** Number of points. */
  readonly size: number;
  /** Number of length-scale groups (`max(groups) + 1`). */
  readonly groupCount: number;
  readonly #data: GpTrainingData;
  readonly #pairs: Float64Array;
  readonly #correlation: Float64Array;
  readonly #work: Float64Array;

  /**
   * Checks the data and precomputes pair distances. Throws a `RangeError` when the rows, targets
   * and groups disagree in length or hold non-finite numbers.
   */
  constructor(data: GpTrainingData) {
    const { x, y, groups, extraNoise } = data;
    const n = x.length;
    if (y.length !== n) {
      throw new RangeError(`'y' must hold one target per row of 'x' (${n}): length is ${y.length}`);
    }
    for (let i = 0; i < n; i++) {
      if (x[i]!.length !== groups.length) {
        throw new RangeError(
          `'x[${i}]' must have one entry per group column (${groups.length}): length is ${
            x[i]!.length
          }`,
        );
      }
      if (!Number.isFinite(y[i]!)) {
        throw new RangeError(`'y[${i}]' must be finite: current value is ${y[i]}`);
      }
    }
    if (extraNoise && extraNoise.length !== n) {
      throw new RangeError(
        `'extraNoise' must hold one value per row of 'x' (${n}): length is ${extraNoise.length}`,
      );
    }
    let groupCount = 0;
    for (const g of groups) groupCount = Math.max(groupCount, g + 1);
    this.size = n;
    this.groupCount = groupCount;
    this.#data = data;
    // pairs[(i(i−1)/2 + j) · G + g] = Σ_{c ∈ g} (x_ic − x_jc)², for j < i
    const pairs = new Float64Array(((n * (n - 1)) / 2) * groupCount);
    let p = 0;
    for (let i = 1; i < n; i++) {
      const xi = x[i]!;
      for (let j = 0; j < i; j++, p += groupCount) {
        const xj = x[j]!;
        for (let c = 0; c < groups.length; c++) {
          const d = xi[c]! - xj[c]!;
          pairs[p + groups[c]!]! += d * d;
        }
      }
    }
    this.#pairs = pairs;
    this.#correlation = new Float64Array(n * n);
    this.#work = new Float64Array(n * n);
  }

  #checkHyperparameters(hyper: GpHyperparameters): void {
    if (hyper.lengthScales.length !== this.groupCount) {
      throw new RangeError(
        `'lengthScales' must hold one value per group (${this.groupCount}): length is ${hyper.lengthScales.length}`,
      );
    }
    for (const [g, ls] of hyper.lengthScales.entries()) {
      if (!(ls > 0) || !Number.isFinite(ls)) {
        throw new RangeError(`'lengthScales[${g}]' must be positive: current value is ${ls}`);
      }
    }
    if (!(hyper.noise >= 0) || !Number.isFinite(hyper.noise)) {
      throw new RangeError(`'noise' must be non-negative: current value is ${hyper.noise}`);
    }
  }

  #factor(hyper: GpHyperparameters): Factorization {
    this.#checkHyperparameters(hyper);
    const n = this.size;
    const G = this.groupCount;
    const inv2 = hyper.lengthScales.map((ls) => 1 / (ls * ls));
    const r = this.#correlation;
    const pairs = this.#pairs;
    let p = 0;
    for (let i = 1; i < n; i++) {
      const row = i * n;
      for (let j = 0; j < i; j++, p += G) {
        let r2 = 0;
        for (let g = 0; g < G; g++) r2 += pairs[p + g]! * inv2[g]!;
        r[row + j] = matern52(Math.sqrt(r2));
      }
    }
    const extra = this.#data.extraNoise;
    const l = this.#work;
    let jitter = 0;
    for (let attempt = 0;; attempt++) {
      l.set(r);
      for (let i = 0; i < n; i++) l[i * n + i] = 1 + hyper.noise + (extra ? extra[i]! : 0) + jitter;
      if (choleskyInPlace(l, n)) return this.#finish(l);
      if (attempt >= 8) {
        throw new RangeError(
          `kernel matrix is not positive definite even with jitter ${jitter}: lengthScales ${hyper.lengthScales}, noise ${hyper.noise}`,
        );
      }
      jitter = jitter === 0 ? 1e-10 : jitter * 10;
    }
  }

  #finish(l: Float64Array): Factorization {
    const n = this.size;
    const y = this.#data.y;
    // alpha = A⁻¹ y via L z = y, Lᵀ alpha = z
    const z = new Float64Array(n);
    let logDet = 0;
    for (let i = 0; i < n; i++) {
      const row = i * n;
      let sum = y[i]!;
      for (let k = 0; k < i; k++) sum -= l[row + k]! * z[k]!;
      const d = l[row + i]!;
      z[i] = sum / d;
      logDet += 2 * Math.log(d);
    }
    const alpha = new Float64Array(n);
    for (let i = n - 1; i >= 0; i--) {
      let sum = z[i]!;
      for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * alpha[k]!;
      alpha[i] = sum / l[i * n + i]!;
    }
    let quad = 0;
    for (let i = 0; i < n; i++) quad += z[i]! * z[i]!;
    const signalVariance = Math.max(quad / Math.max(n, 1), 1e-12);
    const logMarginalLikelihood = -0.5 * n * Math.log(signalVariance) - 0.5 * logDet -
      0.5 * n * (1 + LOG_2PI);
    return { l, alpha, signalVariance, logMarginalLikelihood };
  }

  /**
   * Log marginal likelihood of the data under `hyper`, with the signal variance at its
   * maximum-likelihood value.
   */
  logMarginalLikelihood(hyper: GpHyperparameters): number {
    return this.#factor(hyper).logMarginalLikelihood;
  }

  /** Fits the model: factors the kernel matrix once for all later predictions. */
  fit(hyper: GpHyperparameters): GaussianProcess {
    const factored = this.#factor(hyper);
    const { alpha, signalVariance, logMarginalLikelihood } = factored;
    const l = factored.l.slice(); // the work buffer is reused by later factorizations
    const n = this.size;
    const { x: train, groups } = this.#data;
    const D = groups.length;
    const scale = new Float64Array(D);
    for (let c = 0; c < D; c++) scale[c] = 1 / hyper.lengthScales[groups[c]!]!;
    const scaledTrain = train.map((row) => row.map((v, c) => v * scale[c]!));
    return {
      hyperparameters: hyper,
      signalVariance,
      logMarginalLikelihood,
      predict(points) {
        const m = points.length;
        const mean = new Float64Array(m);
        const variance = new Float64Array(m);
        const k = new Float64Array(n);
        const s = new Float64Array(D);
        for (let q = 0; q < m; q++) {
          const point = points[q]!;
          if (point.length !== D) {
            throw new RangeError(
              `'x[${q}]' must have one entry per group column (${D}): length is ${point.length}`,
            );
          }
          for (let c = 0; c < D; c++) s[c] = point[c]! * scale[c]!;
          let mu = 0;
          for (let i = 0; i < n; i++) {
            const t = scaledTrain[i]!;
            let r2 = 0;
            for (let c = 0; c < D; c++) {
              const d = s[c]! - t[c]!;
              r2 += d * d;
            }
            const ki = matern52(Math.sqrt(r2));
            k[i] = ki;
            mu += ki * alpha[i]!;
          }
          // v = L⁻¹ k in place; variance = σ² (1 − vᵀv)
          let vv = 0;
          for (let i = 0; i < n; i++) {
            const row = i * n;
            let sum = k[i]!;
            for (let j = 0; j < i; j++) sum -= l[row + j]! * k[j]!;
            const v = sum / l[row + i]!;
            k[i] = v;
            vv += v * v;
          }
          mean[q] = mu;
          variance[q] = signalVariance * Math.max(1 - vv, 0);
        }
        return { mean, variance };
      },
    };
  }
}
