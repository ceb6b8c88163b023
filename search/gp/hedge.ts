/**
 * GP-Hedge (Hoffman, Brochu and de Freitas, "Portfolio Allocation for Bayesian Optimization",
 * 2011): several acquisition functions each nominate a point per step; one nominee is evaluated,
 * drawn with probability `∝ exp(η · gain)`. After the model is refitted, every acquisition's gain
 * grows by the reward of its last nominee, the negated posterior mean there (for minimization), so
 * the portfolio learns which acquisition nominates points the model currently believes are good,
 * whether or not that nominee was the one evaluated.
 *
 * Kernel Tuner's Bayesian strategy uses the same portfolio idea ("multi" acquisition) for GPU
 * kernel spaces, where no single acquisition function wins on every space.
 *
 * @module
 */

/** Options of {@linkcode HedgePortfolio}. */
export interface HedgeOptions {
  /**
   * Learning rate `η` applied to the summed rewards (rewards are in the model's units).
   * @default {1}
   */
  readonly eta?: number;
}

/**
 * The state of a GP-Hedge portfolio over a fixed number of acquisition functions.
 *
 * @example Favour the acquisition whose nominee the model now believes is faster
 * ```ts
 * import { HedgePortfolio } from "./hedge.ts";
 * const hedge = new HedgePortfolio(2);
 * hedge.choose([10, 20], () => 0.1);
 * // the refitted model predicts log-time 0 at nominee 10 and 3 at nominee 20
 * hedge.reward((nominee) => nominee === 10 ? 0 : 3);
 * const [first, second] = hedge.probabilities();
 * console.log(first! > second!); // true
 * ```
 */
export class HedgePortfolio {
  /** Number of acquisition functions. */
  readonly size: number;
  readonly #eta: number;
  readonly #gains: Float64Array;
  #nominees: readonly number[] | undefined;

  /** A portfolio of `size` acquisitions with equal gains. Throws a `RangeError` for bad input. */
  constructor(size: number, options: HedgeOptions = {}) {
    const { eta = 1 } = options;
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`'size' must be a positive integer: current value is ${size}`);
    }
    if (!(eta >= 0) || !Number.isFinite(eta)) {
      throw new RangeError(`'eta' must be a non-negative number: current value is ${eta}`);
    }
    this.size = size;
    this.#eta = eta;
    this.#gains = new Float64Array(size);
  }

  /** Probability of choosing each acquisition, `∝ exp(η · gain)`. */
  probabilities(): Float64Array {
    let top = -Infinity;
    for (const g of this.#gains) top = Math.max(top, this.#eta * g);
    const weights = this.#gains.map((g) => Math.exp(this.#eta * g - top));
    const total = weights.reduce((a, b) => a + b, 0);
    return weights.map((w) => w / total);
  }

  /**
   * Draws which nominee to evaluate (one per acquisition, in portfolio order) and remembers the
   * nominees for the next {@linkcode HedgePortfolio.reward}. Returns the index of the chosen one.
   */
  choose(nominees: readonly number[], random: () => number): number {
    if (nominees.length !== this.size) {
      throw new RangeError(
        `'nominees' must hold one entry per acquisition (${this.size}): length is ${nominees.length}`,
      );
    }
    this.#nominees = [...nominees];
    const p = this.probabilities();
    let u = random();
    for (let h = 0; h < this.size - 1; h++) {
      u -= p[h]!;
      if (u < 0) return h;
    }
    return this.size - 1;
  }

  /**
   * Credits each acquisition with minus `meanAt(nominee)`, the refitted model's posterior mean
   * (lower is better) at its last nominee. Does nothing before the first `choose`.
   */
  reward(meanAt: (nominee: number) => number): void {
    const nominees = this.#nominees;
    if (!nominees) return;
    nominees.forEach((nominee, h) => this.#gains[h]! -= meanAt(nominee));
    this.#nominees = undefined;
  }
}
