import { inverseNormal, normalCdf } from "./normal.js";
import type { Prng } from "./prng.js";

/**
 * A uniform random number in (0, 1) correlated with the previous one. netem mixes the new draw with
 * the last one (`u·(1−ρ) + last·ρ`), which narrows the values as ρ grows: 10 % loss at 90 %
 * correlation then loses almost nothing. Here the correlation is carried by a Gaussian AR(1) process
 * mapped back through the normal CDF (z = ρ·z' + √(1−ρ²)·ε, u = Φ(z)), so every draw stays exactly
 * uniform: the configured loss rate or delay distribution holds at any correlation, and consecutive
 * draws are alike (lag-one correlation close to ρ). ρ = 0 is plain independent draws.
 */
export class CorrelatedUniform {
  readonly #prng: Prng;
  readonly #rho: number;
  readonly #innovation: number;
  #z: number;

  constructor(prng: Prng, correlationPercent: number) {
    this.#prng = prng;
    this.#rho = correlationPercent / 100;
    this.#innovation = Math.sqrt(1 - this.#rho * this.#rho);
    this.#z = this.#rho === 0 ? 0 : this.#normal();
  }

  next(): number {
    if (this.#rho === 0) return this.#prng.next();
    this.#z = this.#rho * this.#z + this.#innovation * this.#normal();
    return normalCdf(this.#z);
  }

  #normal(): number {
    // Keep the draw off 0 so the inverse CDF is finite.
    return inverseNormal(Math.max(this.#prng.next(), 2 ** -33));
  }
}

/** True with `percent` % chance (a Bernoulli trial on one correlated draw). */
export function chance(source: CorrelatedUniform, percent: number): boolean {
  return percent > 0 && source.next() * 100 < percent;
}
