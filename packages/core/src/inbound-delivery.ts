import type { ConnectionHandler } from "./connection.js";

/** Where a connection's bytes come from: something that can stop and restart their flow. */
export interface InboundSource {
  /** Stops reading: no more bytes until `resume`. */
  pause(): void;
  /** Reads again. */
  resume(): void;
}

/**
 * The receiving half of a {@link Connection}, shared by every implementation (a Node stream, a
 * WebSocket): it hands incoming bytes, the end and the close to the current handler with the
 * contract's rules. Nothing is delivered before a handler is set; bytes given back with `unshift` come
 * first; `pause` stops delivery and the source; `onEnd` follows the last byte; `onClose` comes once,
 * even while paused (undelivered bytes are then discarded). Delivery after `setHandler`, `unshift` and
 * `resume` happens on a microtask, so it never re-enters their caller.
 *
 * The queue holds only what arrived while delivery could not happen (the source is paused then, so
 * that is what it had already read) and what hooks gave back.
 */
export class InboundDelivery {
  readonly #source: InboundSource;
  #handler: ConnectionHandler | undefined;
  #pending: Uint8Array[] = [];
  #paused = false;
  #ended = false;
  #endDelivered = false;
  #closed = false;
  #closeDelivered = false;
  #error: Error | undefined;
  #flushScheduled = false;

  /** The source is paused until a handler is set. */
  constructor(source: InboundSource) {
    this.#source = source;
    source.pause();
  }

  /** The current consumer, if any (the connection also sends it `onDrain`). */
  get handler(): ConnectionHandler | undefined {
    return this.#handler;
  }

  /** True once the source reported its close. */
  get closed(): boolean {
    return this.#closed;
  }

  /** True once the source reported the end of its data. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Installs the consumer and starts delivery; `undefined` detaches and holds the data. As `Connection#setHandler`. */
  setHandler(handler: ConnectionHandler | undefined): void {
    this.#handler = handler;
    if (handler) this.#scheduleFlush();
    else this.#source.pause();
  }

  /** Puts bytes back, to be delivered before anything else. As `Connection#unshift`. */
  unshift(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.#pending.unshift(chunk);
    this.#source.pause();
    this.#scheduleFlush();
  }

  /** Stops delivering and pauses the source. As `Connection#pause`. */
  pause(): void {
    this.#paused = true;
    this.#source.pause();
  }

  /** Delivers again after `pause`. As `Connection#resume`. */
  resume(): void {
    this.#paused = false;
    this.#scheduleFlush();
  }

  /** The source produced bytes. */
  data(chunk: Uint8Array): void {
    if (this.#handler && !this.#paused && this.#pending.length === 0) this.#handler.onData(chunk);
    else {
      // Data raced a pause or an unshift: keep order by queueing behind the pending bytes.
      this.#pending.push(chunk);
      this.#source.pause();
    }
  }

  /** The source has no more data (the peer half-closed). */
  end(): void {
    this.#ended = true;
    this.#scheduleFlush();
  }

  /** The source closed; `error`, or one given earlier, is reported when it broke. */
  close(error?: Error): void {
    if (error) this.#error ??= error;
    this.#closed = true;
    this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    const handler = this.#handler;
    if (!handler) return;
    if (this.#closed && this.#paused) {
      // A paused owner chose not to read what is left; it must still learn that the connection is
      // gone (or it could wait for the close forever). Undelivered data is discarded.
      this.#pending = [];
      this.#deliverClose(handler);
      return;
    }
    while (!this.#paused && this.#pending.length > 0 && this.#handler === handler) {
      handler.onData(this.#pending.shift()!);
    }
    if (this.#paused || this.#handler !== handler || this.#pending.length > 0) return;
    if (this.#ended && !this.#endDelivered) {
      this.#endDelivered = true;
      handler.onEnd?.();
    }
    if (this.#closed) {
      this.#deliverClose(handler);
      return;
    }
    this.#source.resume();
  }

  #deliverClose(handler: ConnectionHandler): void {
    if (this.#closeDelivered) return;
    this.#closeDelivered = true;
    handler.onClose(this.#error);
  }
}
