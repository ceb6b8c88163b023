/**
 * Fits the hyperparameters of a {@linkcode GpTrainingSet}: maximizes the log marginal likelihood
 * plus weak log-normal priors (a MAP estimate, which keeps a handful of points from producing
 * absurd length scales) on log parameters inside a box. The objective is first evaluated on a small
 * grid of shared length scales and noises plus the given starts (for example the previous fit);
 * Nelder–Mead then refines the best of them.
 *
 * Search variables: `log ℓ_g` for each group, in `[log 0.05, log 20]`, prior `N(log 0.5, 1.5²)`,
 * and `log g` (noise relative to signal variance), in `[log 1e-6, log 1]`, prior
 * `N(log 1e-2, 2.5²)`. The signal variance is profiled out by the training set.
 *
 * @module
 */
import type { GpHyperparameters, GpTrainingSet } from "./gaussian_process.ts";
import { nelderMead } from "./nelder_mead.ts";

const LOG_LS_MIN = Math.log(0.05);
const LOG_LS_MAX = Math.log(20);
const LOG_LS_PRIOR = Math.log(0.5);
const LS_PRIOR_SD = 1.5;
const LOG_NOISE_MIN = Math.log(1e-6);
const LOG_NOISE_MAX = 0;
const LOG_NOISE_PRIOR = Math.log(1e-2);
const NOISE_PRIOR_SD = 2.5;
const GRID_LENGTH_SCALES = [0.15, 0.5, 1.5];
const GRID_NOISES = [1e-4, 1e-2, 1e-1];

/** Options of {@linkcode fitHyperparameters}. */
export interface FitHyperparametersOptions {
  /**
   * Extra starting points (for example the previous fit); the grid is always tried too.
   * @default {[]}
   */
  readonly starts?: readonly GpHyperparameters[];
  /**
   * Objective evaluations of the Nelder–Mead refinement.
   * @default {40 + 15 * (groupCount + 1)}
   */
  readonly maxEvaluations?: number;
  /**
   * Also try the grid of shared length scales (0.15, 0.5, 1.5) × noises (1e-4, 1e-2, 1e-1).
   * Without it (a cheap refit from a previous fit) at least one start must be given.
   * @default {true}
   */
  readonly grid?: boolean;
}

/** The fitted hyperparameters. */
export interface FittedHyperparameters {
  /** Best hyperparameters found. */
  readonly hyperparameters: GpHyperparameters;
  /** Log marginal likelihood plus log prior at them. */
  readonly logPosterior: number;
  /** Likelihood evaluations spent. */
  readonly evaluations: number;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * Maximizes log marginal likelihood plus log prior over length scales and noise.
 *
 * @example Recover a relevant and an irrelevant input
 * ```ts
 * import { GpTrainingSet } from "./gaussian_process.ts";
 * import { fitHyperparameters } from "./fit_hyperparameters.ts";
 * const x: Float64Array[] = [];
 * for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) x.push(new Float64Array([i / 4, j / 4]));
 * const y = new Float64Array(x.map((p) => Math.sin(3 * p[0]!)));
 * const mean = y.reduce((a, b) => a + b) / y.length;
 * const set = new GpTrainingSet({ x, y: y.map((v) => v - mean), groups: new Int32Array([0, 1]) });
 * const { hyperparameters } = fitHyperparameters(set);
 * const [relevant, irrelevant] = hyperparameters.lengthScales;
 * console.log(irrelevant! > relevant!); // true
 * ```
 */
export function fitHyperparameters(
  set: GpTrainingSet,
  options: FitHyperparametersOptions = {},
): FittedHyperparameters {
  const G = set.groupCount;
  const { starts = [], maxEvaluations = 40 + 15 * (G + 1), grid = true } = options;
  if (!grid && starts.length === 0) {
    throw new RangeError(`'starts' must not be empty when 'grid' is false`);
  }
  const toHyper = (theta: Float64Array): GpHyperparameters => {
    const lengthScales: number[] = [];
    for (let g = 0; g < G; g++) {
      lengthScales.push(Math.exp(clamp(theta[g]!, LOG_LS_MIN, LOG_LS_MAX)));
    }
    return { lengthScales, noise: Math.exp(clamp(theta[G]!, LOG_NOISE_MIN, LOG_NOISE_MAX)) };
  };
  let evaluations = 0;
  const objective = (theta: Float64Array): number => {
    evaluations++;
    let outside = 0;
    let prior = 0;
    for (let g = 0; g < G; g++) {
      const t = theta[g]!;
      outside += (t - clamp(t, LOG_LS_MIN, LOG_LS_MAX)) ** 2;
      prior += ((clamp(t, LOG_LS_MIN, LOG_LS_MAX) - LOG_LS_PRIOR) / LS_PRIOR_SD) ** 2;
    }
    const t = theta[G]!;
    outside += (t - clamp(t, LOG_NOISE_MIN, LOG_NOISE_MAX)) ** 2;
    prior += ((clamp(t, LOG_NOISE_MIN, LOG_NOISE_MAX) - LOG_NOISE_PRIOR) / NOISE_PRIOR_SD) ** 2;
    let lml: number;
    try {
      lml = set.logMarginalLikelihood(toHyper(theta));
    } catch {
      return Infinity;
    }
    return -lml + 0.5 * prior + 100 * outside;
  };
  const toTheta = (h: GpHyperparameters): Float64Array => {
    if (h.lengthScales.length !== G) {
      throw new RangeError(
        `'starts' entries must hold ${G} length scales: one holds ${h.lengthScales.length}`,
      );
    }
    return Float64Array.from([...h.lengthScales.map(Math.log), Math.log(h.noise)]);
  };
  const candidates = [...starts.map(toTheta)];
  for (const lengthScale of grid ? GRID_LENGTH_SCALES : []) {
    for (const noise of GRID_NOISES) {
      candidates.push(toTheta({ lengthScales: new Array<number>(G).fill(lengthScale), noise }));
    }
  }
  let start = candidates[0]!;
  let startValue = Infinity;
  for (const theta of candidates) {
    const value = objective(theta);
    if (value < startValue) [start, startValue] = [theta, value];
  }
  const result = nelderMead(objective, start, { maxEvaluations, step: 0.7, tolerance: 1e-4 });
  const best = result.value < startValue ? result.x : start;
  return {
    hyperparameters: toHyper(best),
    logPosterior: -Math.min(result.value, startValue),
    evaluations,
  };
}
