import { atTurnEnd, nowMicros } from "@msg/core";

/** Messages that may share one clock reading within a synchronous burst. */
const READS_PER_SAMPLE = 32;

/**
 * Frame timestamps for a publisher, cheaper than a clock read per message. The clock is read again
 * after 32 messages and on the first message of every new tick, so a timestamp is late by at most the
 * time 32 publishes take in one synchronous burst (microseconds), never by a whole event-loop turn.
 * Reading the clock was 7% of a 64-byte publish.
 *
 * One expiry is queued per tick, however many readings that tick takes: it is what ends the tick's
 * reuse of the reading.
 */
export class PublishClock {
  readonly #read: () => number;
  readonly #defer: (callback: () => void) => void;
  #value = 0;
  #uses = READS_PER_SAMPLE;
  #expiryQueued = false;

  /** `read` and `defer` are for tests; they default to the wall clock and the end of the current turn (`process.nextTick` on Node). */
  constructor(read: () => number = nowMicros, defer: (callback: () => void) => void = atTurnEnd) {
    this.#read = read;
    this.#defer = defer;
  }

  now(): number {
    if (this.#uses >= READS_PER_SAMPLE) {
      if (!this.#expiryQueued) {
        this.#expiryQueued = true;
        this.#defer(this.#expire);
      }
      this.#value = this.#read();
      this.#uses = 0;
    }
    this.#uses++;
    return this.#value;
  }

  readonly #expire = (): void => {
    this.#expiryQueued = false;
    this.#uses = READS_PER_SAMPLE;
  };
}
