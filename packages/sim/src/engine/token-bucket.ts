/**
 * A token bucket (TBF) that serialises a FIFO of packets: `depart` says when a packet entering at
 * `nowMs` leaves, and `backlogBytes` how many bytes wait to leave (the TBF queue, which has a limit).
 * Tokens accrue at the rate up to `burstBytes`; a packet leaves once the bucket holds its size, and
 * never before the packet ahead of it.
 */
export class TokenBucket {
  readonly #bytesPerMs: number;
  readonly #burst: number;
  #tokens: number;
  #tokenTime: number;
  #lastDeparture = Number.NEGATIVE_INFINITY;
  /** Departure times and sizes of packets that have not left yet, oldest first. */
  #waiting: { at: number; bytes: number }[] = [];
  #waitingHead = 0;
  #backlog = 0;

  constructor(bytesPerSec: number, burstBytes: number, nowMs: number) {
    this.#bytesPerMs = bytesPerSec / 1000;
    this.#burst = burstBytes;
    this.#tokens = burstBytes;
    this.#tokenTime = nowMs;
  }

  /** The time the packet of `bytes` entering now leaves the bucket. */
  depart(nowMs: number, bytes: number): number {
    const start = Math.max(nowMs, this.#lastDeparture);
    const tokens = Math.min(this.#burst, this.#tokens + (start - this.#tokenTime) * this.#bytesPerMs);
    let departure: number;
    if (tokens >= bytes) {
      departure = start;
      this.#tokens = tokens - bytes;
    } else {
      departure = start + (bytes - tokens) / this.#bytesPerMs;
      this.#tokens = 0;
    }
    this.#tokenTime = departure;
    this.#lastDeparture = departure;
    if (departure > nowMs) {
      this.#waiting.push({ at: departure, bytes });
      this.#backlog += bytes;
    }
    return departure;
  }

  /** Bytes accepted that have not left the bucket by `nowMs`. */
  backlogBytes(nowMs: number): number {
    const waiting = this.#waiting;
    while (this.#waitingHead < waiting.length && waiting[this.#waitingHead]!.at <= nowMs) {
      this.#backlog -= waiting[this.#waitingHead]!.bytes;
      this.#waitingHead++;
    }
    if (this.#waitingHead > 1024 && this.#waitingHead * 2 > waiting.length) {
      this.#waiting = waiting.slice(this.#waitingHead);
      this.#waitingHead = 0;
    }
    return this.#backlog;
  }
}
