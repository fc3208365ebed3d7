import { ErrorCode, MsgError } from "@msg/core";
import { type StreamFaults, slice, validateStreamFaults } from "./faults.js";
import { Impairer } from "./impairer.js";
import type { Impairment } from "./impairment.js";
import type { Prng } from "./prng.js";
import { realScheduler, type Scheduler } from "./scheduler.js";
import { DecisionTrace, LinkCounters, type LinkDecision, type LinkStats } from "./stats.js";

/** TCP's usual maximum segment size on a 1500-byte MTU path (with timestamps). */
export const DEFAULT_MSS = 1448;
/**
 * Retransmissions of one segment before the stream gives up and resets, as Linux's tcp_retries2
 * (15) makes a connection fail after long enough loss. Only reachable with loss near 100 %.
 */
export const MAX_RETRANSMITS = 15;

export interface StreamLinkOptions {
  impairment?: Impairment;
  faults?: StreamFaults;
  /** The link direction's own PRNG (see Prng.derive). */
  prng: Prng;
  /** Default: realScheduler. */
  scheduler?: Scheduler;
  /** Segment size in bytes. Default 1448. */
  mss?: number;
  /**
   * `stream` (default): TCP semantics (in order, loss becomes retransmission delay). `raw`: loss
   * really removes a segment's bytes, corruption really flips a bit, duplicates are delivered twice
   * and jitter or `reorder` may swap segments: for testing decoders and error paths.
   */
  mode?: "stream" | "raw";
  /** Bytes out, in order in stream mode. */
  deliver(chunk: Uint8Array): void;
  /** The close (FIN) after everything written before `end()` was delivered. */
  end(): void;
  /** A fault (resetPeer, limitData, timeout) or MAX_RETRANSMITS reset the connection; nothing more is delivered. */
  reset(error: Error): void;
  /** Room again after `write()` returned false. */
  drain(): void;
  trace?(decision: LinkDecision): void;
  /**
   * On a perfect link with nothing in flight, call `deliver` straight from `write()` instead of on the
   * scheduler's next turn (saves an event-loop hop per write). Only for a `deliver` that does not call
   * back into the writer synchronously. Default false.
   */
  passThrough?: boolean;
}

interface InFlight {
  cancel: () => void;
}

/**
 * One direction of one byte stream (TCP, TLS, IPC, in-memory), with an impairment and stream faults.
 * Bytes are cut into segments of `mss`; each is rate-shaped, delayed, maybe lost and retransmitted,
 * and delivered no earlier than the segment before it. On a perfect link chunks pass whole, on the
 * scheduler's next turn (or inside `write()` with `passThrough`). The link holds at most `queueLimitPackets` segments (and, with a rate, the
 * TBF queue's bytes): beyond that `write()` returns false (backpressure) until `drain`.
 */
export class StreamLink {
  readonly #options: StreamLinkOptions;
  readonly #scheduler: Scheduler;
  readonly #prng: Prng;
  readonly #mss: number;
  readonly #raw: boolean;
  readonly #counters = new LinkCounters();
  readonly #trace: DecisionTrace;
  readonly #inFlight = new Set<InFlight>();
  #impairer: Impairer;
  #faults: StreamFaults = {};
  #faultTimers: (() => void)[] = [];
  /** Segments held (in flight or parked); the queue limit counts these. */
  #heldSegments = 0;
  #lastDelivery = Number.NEGATIVE_INFINITY;
  #state: "open" | "ending" | "closed" = "open";
  #finNotBefore = 0;
  #finScheduled = false;
  #needDrain = false;
  /** Bytes still allowed through by `limitDataBytes`; undefined without that fault. */
  #limitRemaining: number | undefined;
  #partitioned = false;
  /** Chunks written during a partition, sent when it heals. */
  #parked: Uint8Array[] = [];

  constructor(options: StreamLinkOptions) {
    this.#options = options;
    this.#scheduler = options.scheduler ?? realScheduler;
    this.#prng = options.prng;
    this.#trace = new DecisionTrace(options.trace, () => this.#scheduler.now());
    const mss = options.mss ?? DEFAULT_MSS;
    if (!Number.isInteger(mss) || mss < 1) {
      throw new MsgError(ErrorCode.InvalidArgument, `mss must be an integer >= 1, got ${mss}`);
    }
    this.#mss = mss;
    this.#raw = options.mode === "raw";
    this.#impairer = new Impairer(options.impairment, this.#prng, this.#scheduler.now());
    if (options.faults) this.setFaults(options.faults);
  }

  get stats(): LinkStats {
    return this.#counters.snapshot();
  }

  /** True while `write()` would return true: open and below the queue limits. */
  get writable(): boolean {
    return this.#state === "open" && this.#limitRemaining !== 0 && this.#hasRoom();
  }

  /** True while `write()` would hand a chunk straight to `deliver` (see the `passThrough` option). */
  get passesThrough(): boolean {
    return this.#state === "open" && !this.#faults.timeout && !this.#partitioned && this.#canPassThrough();
  }

  /** True once the link was reset or destroyed, or its close was delivered. */
  get closed(): boolean {
    return this.#state === "closed";
  }

  /**
   * Accepts `chunk` (the caller must not modify it afterwards). Returns false when the queue is full:
   * the chunk is still accepted, and `drain` follows once there is room. Returns false and drops the
   * chunk after `end()`, a reset or `destroy()`.
   */
  write(chunk: Uint8Array): boolean {
    if (this.#state !== "open" || this.#limitRemaining === 0) return false;
    if (this.#faults.timeout) {
      this.#counters.blackholedBytes += chunk.byteLength;
      this.#trace.record(chunk.byteLength, 0, undefined, "blackholed");
      return true;
    }
    let data = chunk;
    if (this.#limitRemaining !== undefined) {
      if (data.byteLength >= this.#limitRemaining) data = data.subarray(0, this.#limitRemaining);
      this.#limitRemaining -= data.byteLength;
    }
    if (data.byteLength > 0) {
      if (this.#partitioned) this.#park(data);
      else if (this.#canPassThrough()) this.#passThrough(data);
      else this.#send(data);
    }
    if (this.#limitRemaining === 0) this.#maybeFinish();
    const room = this.#hasRoom();
    if (!room && !this.#needDrain) {
      this.#needDrain = true;
      this.#counters.backpressure++;
    }
    return room && this.#state === "open";
  }

  /** Sends the close after everything written so far (and `slowCloseMs` later, with that fault). */
  end(): void {
    if (this.#state !== "open") return;
    this.#state = "ending";
    this.#finNotBefore = this.#scheduler.now() + this.#impairer.config.latencyMs;
    this.#maybeFinish();
  }

  /** Drops everything held and cancels every timer; no callback runs afterwards. */
  destroy(): void {
    this.#close();
  }

  /** Replaces the impairment for data written from now on (data in flight keeps its schedule). */
  setImpairment(impairment: Impairment | undefined): void {
    this.#impairer = new Impairer(impairment, this.#prng, this.#scheduler.now());
  }

  /** Replaces the stream faults; timers of the previous ones (timeout, resetPeer) are cancelled. */
  setFaults(faults: StreamFaults | undefined): void {
    const valid = validateStreamFaults(faults ?? {});
    for (const cancel of this.#faultTimers) cancel();
    this.#faultTimers = [];
    this.#faults = valid;
    this.#limitRemaining = valid.limitDataBytes;
    if (this.#state === "closed") return;
    const now = this.#scheduler.now();
    if (valid.timeout && valid.timeout.ms > 0) {
      const ms = valid.timeout.ms;
      this.#faultTimers.push(
        this.#scheduler.at(now + ms, () => this.#fail(`timeout fault: closed after ${ms} ms`)),
      );
    }
    if (valid.resetPeerMs === 0) {
      // At once, not on the scheduler's next turn: a write in between would get through (after a
      // black hole, as if the stream had resumed with a hole in it). The owner still hears of it later.
      this.#fail("resetPeer fault: reset after 0 ms");
    } else if (valid.resetPeerMs !== undefined) {
      const ms = valid.resetPeerMs;
      this.#faultTimers.push(
        this.#scheduler.at(now + ms, () => this.#fail(`resetPeer fault: reset after ${ms} ms`)),
      );
    }
    if (this.#limitRemaining === 0) this.#maybeFinish();
  }

  /**
   * A partition holds this direction's data, as a TCP sender keeps retransmitting into a dead path:
   * writes are parked (counting toward the queue limit, so backpressure applies) and sent when the
   * partition heals. Data already in flight arrives.
   */
  setPartitioned(partitioned: boolean): void {
    if (this.#partitioned === partitioned) return;
    this.#partitioned = partitioned;
    if (partitioned || this.#state === "closed") return;
    const parked = this.#parked;
    this.#parked = [];
    for (const chunk of parked) {
      this.#heldSegments -= this.#segments(chunk.byteLength);
      this.#counters.dequeued(chunk.byteLength);
      this.#send(chunk);
    }
    this.#finNotBefore = Math.max(
      this.#finNotBefore,
      this.#scheduler.now() + this.#impairer.config.latencyMs,
    );
    this.#maybeFinish();
  }

  #canPassThrough(): boolean {
    return (
      this.#options.passThrough === true &&
      this.#impairer.config.perfect &&
      this.#inFlight.size === 0 &&
      this.#faults.slicer === undefined &&
      this.#limitRemaining === undefined
    );
  }

  #passThrough(chunk: Uint8Array): void {
    this.#trace.record(chunk.byteLength, 0, this.#scheduler.now(), "delivered");
    this.#counters.delivered(chunk.byteLength, 0);
    this.#options.deliver(chunk);
  }

  #hasRoom(): boolean {
    const config = this.#impairer.config;
    return (
      this.#heldSegments < config.queueLimitPackets &&
      this.#impairer.backlogBytes(this.#scheduler.now()) < config.queueLimitBytes
    );
  }

  #segments(bytes: number): number {
    return Math.ceil(bytes / this.#mss);
  }

  #park(chunk: Uint8Array): void {
    this.#parked.push(chunk);
    this.#heldSegments += this.#segments(chunk.byteLength);
    this.#counters.enqueued(chunk.byteLength);
  }

  #send(chunk: Uint8Array): void {
    const slicer = this.#faults.slicer;
    const pieces = slicer ? slice(chunk, slicer, this.#prng) : [chunk];
    const sliceGapMs = slicer ? (slicer.delayUs ?? 0) / 1000 : 0;
    const perfect = this.#impairer.config.perfect;
    pieces.forEach((piece, index) => {
      const gapMs = index > 0 ? sliceGapMs : 0;
      if (perfect || piece.byteLength <= this.#mss) {
        this.#schedule(piece, gapMs);
        return;
      }
      for (let offset = 0; offset < piece.byteLength; offset += this.#mss) {
        this.#schedule(piece.subarray(offset, offset + this.#mss), offset === 0 ? gapMs : 0);
      }
    });
  }

  /** Decides the fate of one segment and schedules its delivery. */
  #schedule(segment: Uint8Array, gapMs: number): void {
    const impairer = this.#impairer;
    const now = this.#scheduler.now();
    const bytes = segment.byteLength;
    const departure = impairer.depart(now, bytes);
    let delay = impairer.delay();
    const reordered = impairer.reorder();
    if (reordered) {
      delay = 0;
      this.#counters.reordered++;
    }
    const duplicated = impairer.duplicate();
    if (duplicated) this.#counters.duplicated++;
    if (this.#raw) {
      this.#scheduleRaw(segment, now, departure, delay, gapMs, duplicated, reordered);
      return;
    }
    // Each loss or corruption costs one retransmission timeout, doubling for the same segment.
    let retransmits = 0;
    let corrupted = false;
    let waited = 0;
    let timeout = impairer.retransmitTimeoutMs();
    for (;;) {
      const lost = impairer.lose();
      if (!lost && !impairer.corrupt()) break;
      if (lost) this.#counters.lost++;
      else {
        this.#counters.corrupted++;
        corrupted = true;
      }
      this.#counters.retransmits++;
      if (++retransmits > MAX_RETRANSMITS) {
        this.#fail(`a segment was lost ${MAX_RETRANSMITS} times in a row; the stream gave up as TCP would`);
        return;
      }
      waited += timeout;
      timeout *= 2;
    }
    // TCP delivers in order: a segment never overtakes the one before it.
    const deliverAt = Math.max(departure + waited + delay, this.#lastDelivery + gapMs);
    this.#lastDelivery = deliverAt;
    this.#enqueue(segment, now, deliverAt);
    this.#trace.record(bytes, delay, deliverAt, "delivered", {
      retransmits,
      corrupted,
      duplicated,
      reordered,
    });
  }

  #scheduleRaw(
    segment: Uint8Array,
    now: number,
    departure: number,
    delay: number,
    gapMs: number,
    duplicated: boolean,
    reordered: boolean,
  ): void {
    const impairer = this.#impairer;
    if (impairer.lose()) {
      this.#counters.lost++;
      this.#trace.record(segment.byteLength, delay, undefined, "lost", { duplicated, reordered });
      return;
    }
    const corrupted = impairer.corrupt();
    let payload = segment;
    if (corrupted) {
      this.#counters.corrupted++;
      payload = impairer.flipBit(segment);
    }
    const deliverAt = Math.max(departure + delay, gapMs > 0 ? this.#lastDelivery + gapMs : departure);
    this.#lastDelivery = Math.max(this.#lastDelivery, deliverAt);
    this.#enqueue(payload, now, deliverAt);
    if (duplicated) {
      const copyAt = departure + impairer.delay();
      this.#lastDelivery = Math.max(this.#lastDelivery, copyAt);
      this.#enqueue(payload, now, copyAt);
    }
    this.#trace.record(segment.byteLength, delay, deliverAt, "delivered", {
      corrupted,
      duplicated,
      reordered,
    });
  }

  #enqueue(segment: Uint8Array, sentAt: number, deliverAt: number): void {
    const bytes = segment.byteLength;
    const segments = this.#segments(bytes);
    this.#heldSegments += segments;
    this.#counters.enqueued(bytes);
    const entry: InFlight = { cancel: () => {} };
    entry.cancel = this.#scheduler.at(deliverAt, () => {
      this.#inFlight.delete(entry);
      this.#heldSegments -= segments;
      this.#counters.dequeued(bytes);
      this.#counters.delivered(bytes, this.#scheduler.now() - sentAt);
      this.#options.deliver(segment);
      this.#afterDelivery();
    });
    this.#inFlight.add(entry);
  }

  #afterDelivery(): void {
    if (this.#state === "closed") return;
    if (this.#needDrain && this.#hasRoom() && this.#state === "open") {
      this.#needDrain = false;
      this.#options.drain();
    }
    this.#maybeFinish();
  }

  /** Once nothing is held: the close after `end()`, or the reset once `limitDataBytes` went through. */
  #maybeFinish(): void {
    if (this.#state === "closed" || this.#heldSegments > 0 || this.#finScheduled) return;
    if (this.#limitRemaining === 0) {
      this.#fail(`limitData fault: reset after ${this.#faults.limitDataBytes} bytes`);
      return;
    }
    if (this.#state !== "ending") return;
    this.#finScheduled = true;
    const finAt = Math.max(this.#finNotBefore, this.#scheduler.now()) + (this.#faults.slowCloseMs ?? 0);
    const entry: InFlight = { cancel: () => {} };
    entry.cancel = this.#scheduler.at(finAt, () => {
      this.#inFlight.delete(entry);
      this.#close();
      this.#options.end();
    });
    this.#inFlight.add(entry);
  }

  /** Resets the stream: nothing more is delivered; the owner hears of it on the scheduler's next turn (never inside write()). */
  #fail(reason: string): void {
    if (this.#state === "closed") return;
    this.#close();
    const error = new MsgError(ErrorCode.ConnectionLost, `connection reset by the emulator: ${reason}`);
    const entry: InFlight = { cancel: () => {} };
    entry.cancel = this.#scheduler.at(this.#scheduler.now(), () => {
      this.#inFlight.delete(entry);
      this.#options.reset(error);
    });
    this.#inFlight.add(entry);
  }

  #close(): void {
    this.#state = "closed";
    for (const entry of this.#inFlight) entry.cancel();
    this.#inFlight.clear();
    for (const cancel of this.#faultTimers) cancel();
    this.#faultTimers = [];
    this.#parked = [];
  }
}
