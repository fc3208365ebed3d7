/**
 * A bounded hand-off between a socket's receive path and the application's `for await` loop.
 * Producers check `full` and apply backpressure (stop reading) or drop and count; the queue itself
 * never grows past `capacity`. Several loops may pull from one queue: each item goes to one of them.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  /** Most items held at once; `push` refuses beyond it. */
  readonly capacity: number;
  #items: T[] = [];
  #head = 0;
  #waiters: ((result: IteratorResult<T>) => void)[] = [];
  /** Loops waiting in `nextBatch`, with the most items each takes. */
  #batchWaiters: { max: number; resolve: (result: IteratorResult<T[]>) => void }[] = [];
  #batchServeScheduled = false;
  #ended = false;
  readonly #onSpace: (() => void) | undefined;

  /** `onSpace` runs when a pull frees room after the queue had been full. */
  constructor(capacity: number, onSpace?: () => void) {
    this.capacity = capacity;
    this.#onSpace = onSpace;
  }

  /** Items held now. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** True when `push` would refuse. */
  get full(): boolean {
    return this.length >= this.capacity;
  }

  /** Adds an item; returns false (and drops it) when the queue is full or ended. */
  push(item: T): boolean {
    if (this.#ended) return false;
    const waiter = this.#waiters.shift();
    if (waiter) {
      waiter({ value: item, done: false });
      return true;
    }
    if (this.full) return false;
    this.#items.push(item);
    if (this.#batchWaiters.length > 0 && !this.#batchServeScheduled) {
      // Served once the current turn's pushes are done, so a batch holds all that arrived together.
      this.#batchServeScheduled = true;
      queueMicrotask(this.#serveBatchWaiters);
    }
    return true;
  }

  /**
   * Adds an item even when the queue is full; false only once it has ended. For a producer that
   * stops reading when the queue fills but must still place what it had already read: it bounds the
   * excess by the size of that read.
   */
  pushOverLimit(item: T): boolean {
    if (this.#ended) return false;
    if (this.full) {
      this.#items.push(item);
      return true;
    }
    return this.push(item);
  }

  /** Ends iteration: waiting loops finish, queued items are discarded. Returns how many were. */
  end(): number {
    const discarded = this.length;
    this.#ended = true;
    this.#items = [];
    this.#head = 0;
    for (const waiter of this.#waiters.splice(0)) waiter({ value: undefined, done: true });
    for (const waiter of this.#batchWaiters.splice(0)) waiter.resolve({ value: undefined, done: true });
    return discarded;
  }

  /** The next item, waiting for one if the queue is empty; done once the queue has ended and is empty. */
  next(): Promise<IteratorResult<T>> {
    if (this.length > 0) {
      const wasFull = this.full;
      const value = this.#items[this.#head]!;
      this.#items[this.#head] = undefined as T;
      this.#head++;
      this.#compact();
      if (wasFull) this.#onSpace?.();
      return Promise.resolve({ value, done: false });
    }
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /**
   * Every item held now, up to `max` (at least 1), in order; waits for at least one if the queue is
   * empty, then takes all that arrived in the same turn. Done once the queue has ended and is empty.
   * One promise per batch instead of one per item.
   */
  nextBatch(max = this.capacity): Promise<IteratorResult<T[]>> {
    if (this.length > 0) return Promise.resolve({ value: this.#take(max), done: false });
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.#batchWaiters.push({ max, resolve }));
  }

  /** Iterates batches (see `nextBatch`) with `for await`; leaving the loop does not end the queue. */
  batches(max = this.capacity): AsyncIterable<T[]> {
    return {
      [Symbol.asyncIterator]: () => ({
        next: () => this.nextBatch(max),
        return: async () => ({ value: undefined, done: true }),
      }),
    };
  }

  /** Removes and returns up to `max` (at least 1) items; there is at least one. */
  #take(max: number): T[] {
    const wasFull = this.full;
    const end = Math.min(this.#items.length, this.#head + Math.max(1, max));
    const taken = this.#items.slice(this.#head, end);
    if (end === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else {
      this.#items.fill(undefined as T, this.#head, end);
      this.#head = end;
      this.#compact();
    }
    if (wasFull) this.#onSpace?.();
    return taken;
  }

  /** Drops the consumed front of the array once it is most of it. */
  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }

  readonly #serveBatchWaiters = (): void => {
    this.#batchServeScheduled = false;
    while (this.#batchWaiters.length > 0 && this.length > 0) {
      const waiter = this.#batchWaiters.shift()!;
      waiter.resolve({ value: this.#take(waiter.max), done: false });
    }
  };

  /** Iterates with `for await`; leaving the loop does not end the queue. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: async () => ({ value: undefined, done: true }),
    };
  }
}
