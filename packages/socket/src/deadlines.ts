/**
 * One timer for many deadlines. Arming a Node timer per request (and clearing it on the response)
 * costs more than the rest of a request's bookkeeping; instead, the owner registers items with a
 * deadline and this arms a single timer for the earliest one. When it fires it expires what is due
 * and re-arms for the next; items that finished earlier are simply unregistered, without touching
 * the timer. A fire scans the registered items, so it costs O(items), about once per timeout period.
 */
/** The longest delay setTimeout honours. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export class DeadlineTimer<T extends { deadline: number }> {
  readonly #items = new Set<T>();
  readonly #onExpired: (item: T) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #armedFor = Number.POSITIVE_INFINITY;

  constructor(onExpired: (item: T) => void) {
    this.#onExpired = onExpired;
  }

  get size(): number {
    return this.#items.size;
  }

  /**
   * Tracks `item` until its `deadline` (ms, `performance.now()` clock) or until `delete`. An infinite
   * deadline never expires and never arms the timer.
   */
  add(item: T): void {
    this.#items.add(item);
    if (item.deadline < this.#armedFor) this.#arm(item.deadline);
  }

  /**
   * Stops tracking `item`. The timer stays armed even when nothing is left: re-arming it for every
   * request of a sequential client would cost more than one harmless fire over an empty set.
   */
  delete(item: T): void {
    this.#items.delete(item);
  }

  /** Stops the timer and forgets every item. */
  clear(): void {
    this.#items.clear();
    this.#disarm();
  }

  #arm(deadline: number): void {
    if (!Number.isFinite(deadline)) return;
    clearTimeout(this.#timer);
    this.#armedFor = deadline;
    // Node fires longer delays (over about 24.8 days) after 1 ms: wake up at the limit and re-arm.
    this.#timer = setTimeout(
      this.#fire,
      Math.min(MAX_TIMER_DELAY_MS, Math.max(0, deadline - performance.now())),
    );
  }

  #disarm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    const expired: T[] = [];
    for (const item of this.#items) {
      if (item.deadline <= now) expired.push(item);
      else if (item.deadline < next) next = item.deadline;
    }
    for (const item of expired) {
      this.#items.delete(item);
      this.#onExpired(item);
    }
    // onExpired may have added or removed items; arm for whatever is earliest now.
    if (this.#items.size > 0 && this.#timer === undefined) {
      for (const item of this.#items) if (item.deadline < next) next = item.deadline;
      this.#arm(next);
    }
  };
}
