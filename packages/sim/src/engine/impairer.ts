import { DelaySampler } from "./distributions.js";
import { type Impairment, type ResolvedImpairment, resolveImpairment } from "./impairment.js";
import { createLossModel, type LossModel } from "./loss.js";
import type { Prng } from "./prng.js";
import { CorrelatedUniform, chance } from "./random.js";
import { TokenBucket } from "./token-bucket.js";

/**
 * The per-packet decisions of one impairment config, shared by stream and datagram links: when the
 * packet leaves the rate limiter, how long it travels, and whether it is lost, corrupted, duplicated
 * or reordered. A new config gets a new Impairer, drawing from the same link PRNG.
 */
export class Impairer {
  readonly config: ResolvedImpairment;
  readonly #delay: DelaySampler;
  readonly #loss: LossModel;
  readonly #duplicate: CorrelatedUniform;
  readonly #corrupt: CorrelatedUniform;
  readonly #reorder: CorrelatedUniform;
  readonly #bucket: TokenBucket | undefined;
  readonly #prng: Prng;
  /** Packets since the last reordered one (netem's `counter`, for `gap`). */
  #sinceReorder = 0;

  constructor(impairment: Impairment | undefined, prng: Prng, nowMs: number) {
    const config = resolveImpairment(impairment);
    this.config = config;
    this.#prng = prng;
    this.#delay = new DelaySampler(
      prng,
      config.latencyMs,
      config.jitterMs,
      config.distribution,
      config.delayCorrelation,
    );
    this.#loss = createLossModel(prng, config);
    this.#duplicate = new CorrelatedUniform(prng, 0);
    this.#corrupt = new CorrelatedUniform(prng, 0);
    this.#reorder = new CorrelatedUniform(prng, 0);
    this.#bucket = Number.isFinite(config.rateBytesPerSec)
      ? new TokenBucket(config.rateBytesPerSec, config.burstBytes, nowMs)
      : undefined;
  }

  /** When a packet of `bytes` entering now leaves the rate limiter (now without a rate). */
  depart(nowMs: number, bytes: number): number {
    return this.#bucket ? this.#bucket.depart(nowMs, bytes) : nowMs;
  }

  /** Bytes waiting in the rate limiter. */
  backlogBytes(nowMs: number): number {
    return this.#bucket ? this.#bucket.backlogBytes(nowMs) : 0;
  }

  /** True when one more packet of `bytes` would overflow the rate limiter's queue. */
  rateQueueFull(nowMs: number, bytes: number): boolean {
    return (
      this.#bucket !== undefined && this.#bucket.backlogBytes(nowMs) + bytes > this.config.queueLimitBytes
    );
  }

  delay(): number {
    return this.#delay.next();
  }

  lose(): boolean {
    return this.#loss.lose();
  }

  corrupt(): boolean {
    return chance(this.#corrupt, this.config.corrupt);
  }

  duplicate(): boolean {
    return chance(this.#duplicate, this.config.duplicate);
  }

  /** netem's rule: with `gap` N, only a packet after N-1 normally delayed ones may jump the queue. */
  reorder(): boolean {
    if (this.config.reorder === 0) return false;
    if (this.#sinceReorder < this.config.gap - 1 || !chance(this.#reorder, this.config.reorder)) {
      this.#sinceReorder++;
      return false;
    }
    this.#sinceReorder = 0;
    return true;
  }

  /** A copy of `packet` with one random bit flipped. */
  flipBit(packet: Uint8Array): Uint8Array {
    const copy = new Uint8Array(packet);
    if (copy.length > 0) {
      const bit = this.#prng.int(copy.length * 8);
      copy[bit >> 3]! ^= 1 << (bit & 7);
    }
    return copy;
  }

  /** TCP-like retransmission timeout for this config: max(200 ms, 2 × (latency + jitter)). */
  retransmitTimeoutMs(): number {
    return Math.max(200, 2 * (this.config.latencyMs + this.config.jitterMs));
  }
}
