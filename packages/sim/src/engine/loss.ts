import type { ResolvedImpairment } from "./impairment.js";
import type { Prng } from "./prng.js";
import { CorrelatedUniform, chance } from "./random.js";

/** Decides, packet by packet, whether the link loses it: independent (with correlation) or Gilbert-Elliott. */
export interface LossModel {
  lose(): boolean;
}

export function createLossModel(prng: Prng, impairment: ResolvedImpairment): LossModel {
  const ge = impairment.gilbertElliott;
  if (ge) return new GilbertElliottLoss(prng, ge.p, ge.r, ge.h, ge.k);
  const source = new CorrelatedUniform(prng, impairment.lossCorrelation);
  const percent = impairment.loss;
  return { lose: () => chance(source, percent) };
}

/**
 * Two-state Markov loss (netem's `loss gemodel`): each packet first moves the state (good→bad with
 * p %, bad→good with r %), then is lost with 100 − k % in the good state or 100 − h % in the bad one.
 * With h = 0 and k = 100, losses come in bursts of mean length 100 / r packets.
 */
class GilbertElliottLoss implements LossModel {
  readonly #prng: Prng;
  readonly #p: number;
  readonly #r: number;
  readonly #h: number;
  readonly #k: number;
  #bad = false;

  constructor(prng: Prng, p: number, r: number, h: number, k: number) {
    this.#prng = prng;
    this.#p = p / 100;
    this.#r = r / 100;
    this.#h = h / 100;
    this.#k = k / 100;
  }

  lose(): boolean {
    const u = this.#prng.next();
    if (this.#bad) {
      if (u < this.#r) this.#bad = false;
    } else if (u < this.#p) this.#bad = true;
    return this.#prng.next() >= (this.#bad ? this.#h : this.#k);
  }
}
