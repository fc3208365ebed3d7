import type { OnReadOpts } from "node:net";

/** Where every read buffer starts: libuv's own read size. */
export const FIRST_READ_BYTES = 64 * 1024;

/**
 * How far the read buffers of one proxy may grow beyond their first 64 KiB, all connections together.
 * When it is spent, a buffer that would grow keeps its size: that connection moves its bytes in
 * smaller reads (slower, never failing) until others close and give their growth back.
 */
export class ReadBudget {
  readonly #limit: number;
  #held = 0;

  /** @param bytes the growth allowed in all, in bytes. */
  constructor(bytes: number) {
    this.#limit = bytes;
  }

  /** Takes `bytes` of growth if that much is left. */
  take(bytes: number): boolean {
    if (this.#held + bytes > this.#limit) return false;
    this.#held += bytes;
    return true;
  }

  /** Gives back growth taken before. */
  give(bytes: number): void {
    this.#held -= bytes;
  }

  /** Growth held now, in bytes. */
  get held(): number {
    return this.#held;
  }
}

/**
 * The buffer one socket reads into (net's `onread`): one buffer, reused read after read, so reading
 * allocates nothing. It starts at 64 KiB and doubles, up to `maxBytes` and while the proxy's
 * {@link ReadBudget} allows, each time a read fills it: a bulk transfer then moves in fewer, larger
 * reads and writes (a relay's cost is per read and per write far more than per byte), while a
 * connection of small messages keeps 64 KiB.
 *
 * Unlike `SlabReads` in @msg/core/node, whose chunks are kept by the decoder and payloads and so are
 * never read over, a relay passes each read on at once: reusing the buffer is what makes it cheap.
 *
 * A write that the destination socket queued still holds a view of the last read. Before the socket
 * reads again, its owner either waits for that write to finish (the source paused until the
 * destination's `drain`) or says the bytes are held (`afterRead`), and the next read gets a fresh
 * buffer while the old one goes with the write.
 */
export class ReadBuffer {
  readonly #maxBytes: number;
  readonly #budget: ReadBudget;
  #buffer = Buffer.allocUnsafe(FIRST_READ_BYTES);
  #released = false;

  /** @param maxBytes the most the buffer grows to (at least 64 KiB); `budget` is shared by a proxy. */
  constructor(maxBytes: number, budget: ReadBudget) {
    this.#maxBytes = Math.max(maxBytes, FIRST_READ_BYTES);
    this.#budget = budget;
  }

  /** The buffer for the next read (net's `onread.buffer`, which net calls after every read). */
  readonly next = (): Buffer => this.#buffer;

  /**
   * net's `onread` option for a socket read into this buffer: each read goes to `take`, a view of the
   * buffer, and `take` answers whether something still holds that view (see {@link afterRead}).
   */
  onread(take: (chunk: Buffer) => boolean): OnReadOpts {
    return {
      buffer: this.next,
      callback: (bytes, buffer) => {
        this.afterRead(bytes, take((buffer as Buffer).subarray(0, bytes)));
        return true;
      },
    };
  }

  /**
   * A read of `bytes` was handled. `held`: something still holds a view of them, so they must not
   * be read over. A full buffer means more was waiting: the next one is twice the size.
   */
  afterRead(bytes: number, held: boolean): void {
    const size = this.#buffer.length;
    const grow =
      bytes === size &&
      size < this.#maxBytes &&
      !this.#released &&
      this.#grow(Math.min(size * 2, this.#maxBytes));
    if (held && !grow) this.#buffer = Buffer.allocUnsafe(size);
  }

  /** The socket has closed: its growth goes back to the budget. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#budget.give(this.#buffer.length - FIRST_READ_BYTES);
  }

  /** The size of the next read's buffer. */
  get size(): number {
    return this.#buffer.length;
  }

  #grow(size: number): boolean {
    if (!this.#budget.take(size - this.#buffer.length)) return false;
    // The old buffer goes to whoever still holds a view of it.
    this.#buffer = Buffer.allocUnsafe(size);
    return true;
  }
}
