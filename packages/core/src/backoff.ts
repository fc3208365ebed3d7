/**
 * Reconnection delays: exponential with a cap and jitter, reset after a healthy connection.
 * (msg-rs doubles from a fixed start with no cap and no jitter; a fleet of clients then reconnects in
 * lockstep after a server restart. Jitter spreads them out.)
 */
export interface BackoffOptions {
  /** First delay, in ms. Default 100. */
  initialDelay?: number;
  /** Largest delay, in ms. Default 5000. */
  maxDelay?: number;
  /** Growth factor per attempt. Default 2. */
  factor?: number;
  /** Random spread as a fraction of the delay: 0.2 means ±20%. Default 0.2. */
  jitter?: number;
  /** Delays handed out before giving up (`Infinity` for never). Default Infinity. */
  maxAttempts?: number;
}

/** Delays between reconnection attempts: exponential, capped and jittered; see {@link BackoffOptions} for the defaults. */
export class Backoff {
  readonly #initial: number;
  readonly #max: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #maxAttempts: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}, random: () => number = Math.random) {
    this.#initial = options.initialDelay ?? 100;
    this.#max = options.maxDelay ?? 5000;
    this.#factor = options.factor ?? 2;
    this.#jitter = Math.min(Math.max(options.jitter ?? 0.2, 0), 1);
    this.#maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
    this.#random = random;
  }

  /** Delays handed out since the last reset. */
  get attempts(): number {
    return this.#attempt;
  }

  /** The next delay in ms, or undefined once `maxAttempts` delays have been handed out. */
  next(): number | undefined {
    if (this.#attempt >= this.#maxAttempts) return undefined;
    const base = Math.min(this.#max, this.#initial * this.#factor ** this.#attempt);
    this.#attempt++;
    const spread = base * this.#jitter * (2 * this.#random() - 1);
    return Math.max(0, Math.round(Math.min(this.#max, base + spread)));
  }

  /** Starts again from the initial delay (after a healthy connection). */
  reset(): void {
    this.#attempt = 0;
  }
}
