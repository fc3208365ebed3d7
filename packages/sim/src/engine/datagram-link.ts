import { Impairer } from "./impairer.js";
import type { Impairment } from "./impairment.js";
import type { Prng } from "./prng.js";
import { realScheduler, type Scheduler } from "./scheduler.js";
import { DecisionTrace, LinkCounters, type LinkDecision, type LinkStats } from "./stats.js";

export interface DatagramLinkOptions {
  impairment?: Impairment;
  /** The link direction's own PRNG (see Prng.derive). */
  prng: Prng;
  /** Default: realScheduler. */
  scheduler?: Scheduler;
  /**
   * A packet out (possibly a corrupted copy, possibly twice, possibly out of order), with the `tag`
   * it was sent with (e.g. its destination, when one link carries packets for several).
   */
  deliver(packet: Uint8Array, tag: unknown): void;
  trace?(decision: LinkDecision): void;
  /**
   * On a perfect link, call `deliver` straight from `send()` instead of on the scheduler's next turn
   * (no timer, no per-packet task; the order is the same, since an undelayed datagram overtakes
   * delayed ones either way). Only for a `deliver` that does not call back into `send()`
   * synchronously. Default false.
   */
  passThrough?: boolean;
}

/**
 * One direction of a datagram path (UDP), netem's model: each packet is checked against the queue
 * (`queueLimitPackets` held, and the rate limiter's byte limit), then may be lost, duplicated (the
 * copy gets its own delay), corrupted (one bit of a copy flipped) or reordered (sent at once,
 * overtaking delayed packets), is rate-shaped and delayed. Jitter alone reorders packets too, as in
 * netem. What is dropped is counted, never queued without bound.
 */
export class DatagramLink {
  readonly #options: DatagramLinkOptions;
  readonly #scheduler: Scheduler;
  readonly #prng: Prng;
  readonly #counters = new LinkCounters();
  readonly #trace: DecisionTrace;
  readonly #inFlight = new Set<() => void>();
  #impairer: Impairer;
  #held = 0;
  #closed = false;
  #partitioned = false;

  constructor(options: DatagramLinkOptions) {
    this.#options = options;
    this.#scheduler = options.scheduler ?? realScheduler;
    this.#prng = options.prng;
    this.#trace = new DecisionTrace(options.trace, () => this.#scheduler.now());
    this.#impairer = new Impairer(options.impairment, this.#prng, this.#scheduler.now());
  }

  get stats(): LinkStats {
    return this.#counters.snapshot();
  }

  /** Replaces the impairment for packets sent from now on. */
  setImpairment(impairment: Impairment | undefined): void {
    this.#impairer = new Impairer(impairment, this.#prng, this.#scheduler.now());
  }

  /** A partition drops every packet (counted in `blackholedBytes`) until it heals. */
  setPartitioned(partitioned: boolean): void {
    this.#partitioned = partitioned;
  }

  /** Offers one packet to the link (the caller must not modify it afterwards); `tag` goes along to `deliver`. */
  send(packet: Uint8Array, tag?: unknown): void {
    if (this.#closed) return;
    const impairer = this.#impairer;
    const config = impairer.config;
    const now = this.#scheduler.now();
    const bytes = packet.byteLength;
    if (this.#partitioned) {
      this.#counters.blackholedBytes += bytes;
      this.#trace.record(bytes, 0, undefined, "blackholed");
      return;
    }
    if (this.#held >= config.queueLimitPackets || impairer.rateQueueFull(now, bytes)) {
      this.#counters.queueDrops++;
      this.#trace.record(bytes, 0, undefined, "queue_drop");
      return;
    }
    if (config.perfect && this.#options.passThrough === true) {
      this.#counters.delivered(bytes, 0);
      this.#trace.record(bytes, 0, now, "delivered");
      this.#options.deliver(packet, tag);
      return;
    }
    let delay = impairer.delay();
    if (impairer.lose()) {
      this.#counters.lost++;
      this.#trace.record(bytes, delay, undefined, "lost");
      return;
    }
    const duplicated = impairer.duplicate();
    const corrupted = impairer.corrupt();
    const reordered = impairer.reorder();
    if (reordered) {
      delay = 0;
      this.#counters.reordered++;
    }
    let payload = packet;
    if (corrupted) {
      this.#counters.corrupted++;
      payload = impairer.flipBit(packet);
    }
    const departure = impairer.depart(now, bytes);
    const deliverAt = departure + delay;
    this.#enqueue(payload, tag, now, deliverAt);
    if (duplicated && this.#held < config.queueLimitPackets) {
      this.#counters.duplicated++;
      this.#enqueue(packet, tag, now, departure + impairer.delay());
    }
    this.#trace.record(bytes, delay, deliverAt, "delivered", { corrupted, duplicated, reordered });
  }

  /** Drops everything in flight; later sends do nothing. */
  close(): void {
    this.#closed = true;
    for (const cancel of this.#inFlight) cancel();
    this.#inFlight.clear();
  }

  #enqueue(packet: Uint8Array, tag: unknown, sentAt: number, deliverAt: number): void {
    const bytes = packet.byteLength;
    this.#held++;
    this.#counters.enqueued(bytes);
    const cancel = this.#scheduler.at(deliverAt, () => {
      this.#inFlight.delete(cancel);
      this.#held--;
      this.#counters.dequeued(bytes);
      this.#counters.delivered(bytes, this.#scheduler.now() - sentAt);
      this.#options.deliver(packet, tag);
    });
    this.#inFlight.add(cancel);
  }
}
