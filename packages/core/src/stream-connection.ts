import type { Duplex } from "node:stream";
import type { Connection, ConnectionHandler, ConnectionStats } from "./connection.js";

/** What a transport tells {@link StreamConnection} about the stream it wraps. */
export interface StreamConnectionInfo {
  /** The transport's name (`tcp`, `tls`, `ipc`, `quic`). */
  transport: string;
  /** This side's address, in the transport's form. */
  localAddress: string;
  /** The peer's address, in the transport's form. */
  remoteAddress: string;
  /** Extra transport counters (RTT, congestion window, ...) merged into `stats()`. */
  extraStats?: () => Partial<ConnectionStats>;
}

/**
 * Adapts a Node duplex stream (net.Socket, tls.TLSSocket, a wrapped QUIC stream) to {@link Connection}.
 * Every built-in transport uses it, so read/write/close semantics are the same everywhere.
 *
 * The stream is paused until a handler is set; bytes given back with `unshift` are delivered before
 * the stream's own data.
 */
export class StreamConnection implements Connection {
  readonly transport: string;
  readonly localAddress: string;
  readonly remoteAddress: string;

  readonly #stream: Duplex;
  readonly #extraStats: (() => Partial<ConnectionStats>) | undefined;
  #handler: ConnectionHandler | undefined;
  /** Bytes given back with unshift, delivered before the stream's data. Bounded by what hooks read. */
  #pending: Uint8Array[] = [];
  #paused = false;
  #ended = false;
  #endDelivered = false;
  #closed = false;
  #closeDelivered = false;
  #error: Error | undefined;
  #flushScheduled = false;
  #bytesRead = 0;
  #bytesWritten = 0;

  constructor(stream: Duplex, info: StreamConnectionInfo) {
    this.#stream = stream;
    this.transport = info.transport;
    this.localAddress = info.localAddress;
    this.remoteAddress = info.remoteAddress;
    this.#extraStats = info.extraStats;
    stream.pause();
    stream.on("data", (chunk: Buffer) => {
      this.#bytesRead += chunk.length;
      if (this.#handler && !this.#paused && this.#pending.length === 0) this.#handler.onData(chunk);
      else {
        // Data raced a pause or an unshift: keep order by queueing behind the pending bytes.
        this.#pending.push(chunk);
        stream.pause();
      }
    });
    stream.on("drain", () => this.#handler?.onDrain?.());
    stream.on("end", () => {
      this.#ended = true;
      this.#scheduleFlush();
    });
    stream.on("error", (error: Error) => {
      this.#error ??= error;
    });
    stream.on("close", () => {
      this.#closed = true;
      this.#scheduleFlush();
    });
  }

  get closed(): boolean {
    return this.#closed || this.#stream.destroyed;
  }

  write(chunk: Uint8Array): boolean {
    if (this.closed || this.#stream.writableEnded) return false;
    this.#bytesWritten += chunk.byteLength;
    return this.#stream.write(chunk);
  }

  setHandler(handler: ConnectionHandler | undefined): void {
    this.#handler = handler;
    if (handler) this.#scheduleFlush();
    else this.#stream.pause();
  }

  unshift(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.#pending.unshift(chunk);
    this.#stream.pause();
    this.#scheduleFlush();
  }

  pause(): void {
    this.#paused = true;
    this.#stream.pause();
  }

  resume(): void {
    this.#paused = false;
    this.#scheduleFlush();
  }

  end(): void {
    if (!this.closed) this.#stream.end();
  }

  destroy(error?: Error): void {
    if (error) this.#error ??= error;
    this.#stream.destroy();
  }

  stats(): ConnectionStats {
    return { bytesRead: this.#bytesRead, bytesWritten: this.#bytesWritten, ...this.#extraStats?.() };
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // Deliver on a microtask: never re-enter the caller of setHandler/unshift/resume.
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
    if (!this.#ended) this.#stream.resume();
  }

  #deliverClose(handler: ConnectionHandler): void {
    if (this.#closeDelivered) return;
    this.#closeDelivered = true;
    handler.onClose(this.#error);
  }
}
