/**
 * A small, fast, seedable PRNG (sfc32, 128 bits of state), so a link's decisions are reproducible:
 * the same seed and the same writes give the same losses and delays. `derive` gives an independent
 * stream per (seed, labels), which is how each link direction gets its own generator and its
 * decisions do not depend on traffic on other links.
 */
export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new TypeError(`Prng seed must be a finite number, got ${seed}`);
    // splitmix32 spreads one number over the four state words; sfc32 needs no zero check after this.
    let state = (Math.trunc(seed) ^ Math.trunc(seed / 2 ** 32)) >>> 0;
    const next = () => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A generator for (seed, labels), independent of every other label list under the same seed. */
  static derive(seed: number, ...labels: string[]): Prng {
    // FNV-1a over the labels (with a separator so ["ab","c"] differs from ["a","bc"]), mixed with the seed.
    let hash = 0x811c9dc5;
    for (const label of labels) {
      for (let i = 0; i < label.length; i++) {
        hash ^= label.charCodeAt(i);
        hash = Math.imul(hash, 0x01000193);
      }
      hash ^= 0x1f;
      hash = Math.imul(hash, 0x01000193);
    }
    return new Prng((hash >>> 0) * 2 ** 21 + (Math.trunc(seed) >>> 0));
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    return this.nextUint32() / 2 ** 32;
  }

  /** A uniform integer in [0, bound). */
  int(bound: number): number {
    return Math.floor(this.next() * bound);
  }
}
