import type { DelayDistribution } from "./impairment.js";
import { inverseNormal } from "./normal.js";
import type { Prng } from "./prng.js";
import { CorrelatedUniform } from "./random.js";

/**
 * netem's distribution tables have 4096 entries, so their tails stop at that quantile; ours stop at
 * the same place, which keeps pareto's heavy tail finite (at most about 18 × jitter above the mean).
 */
const TABLE_RESOLUTION = 1 / 4096;
const PARETO_ALPHA = 3;
/** Mean and standard deviation of a Pareto(x_m = 1, α = 3) variable, to centre and scale it. */
const PARETO_MEAN = PARETO_ALPHA / (PARETO_ALPHA - 1);
const PARETO_SD = Math.sqrt(PARETO_ALPHA / ((PARETO_ALPHA - 1) ** 2 * (PARETO_ALPHA - 2)));
/** paretonormal mixes 1/4 pareto with 3/4 normal (as iproute2's table generator does); unit variance after this. */
const PARETONORMAL_SD = Math.sqrt(0.25 ** 2 + 0.75 ** 2);

/**
 * Draws one delay: latency + jitter × t, where t comes from the chosen distribution through its
 * inverse CDF applied to a (possibly correlated) uniform draw, as netem's tables do. `uniform` gives
 * latency ± jitter evenly; the others give t of mean 0 and standard deviation 1. A negative result is 0.
 */
export class DelaySampler {
  readonly #latency: number;
  readonly #jitter: number;
  readonly #distribution: DelayDistribution;
  readonly #uniform: CorrelatedUniform;
  readonly #prng: Prng;

  constructor(
    prng: Prng,
    latencyMs: number,
    jitterMs: number,
    distribution: DelayDistribution,
    correlation: number,
  ) {
    this.#latency = latencyMs;
    this.#jitter = jitterMs;
    this.#distribution = distribution;
    this.#prng = prng;
    this.#uniform = new CorrelatedUniform(prng, correlation);
  }

  next(): number {
    if (this.#jitter === 0) return this.#latency;
    const u = this.#uniform.next();
    return Math.max(0, this.#latency + this.#jitter * this.#unitOffset(u));
  }

  #unitOffset(u: number): number {
    switch (this.#distribution) {
      case "uniform":
        return 2 * u - 1;
      case "normal":
        return inverseNormal(clampTable(u));
      case "pareto":
        return paretoOffset(clampTable(u));
      case "paretonormal":
        // Two sources mixed; the second draw is independent (netem's table bakes both into one).
        return (
          (0.25 * paretoOffset(clampTable(u)) + 0.75 * inverseNormal(clampTable(this.#prng.next()))) /
          PARETONORMAL_SD
        );
    }
  }
}

function clampTable(u: number): number {
  return Math.min(1 - TABLE_RESOLUTION, Math.max(TABLE_RESOLUTION, u));
}

function paretoOffset(u: number): number {
  return ((1 - u) ** (-1 / PARETO_ALPHA) - PARETO_MEAN) / PARETO_SD;
}
