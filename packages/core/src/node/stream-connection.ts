import type { Duplex } from "node:stream";
import type { Connection, ConnectionHandler, ConnectionStats } from "../connection.js";
import { InboundDelivery } from "../inbound-delivery.js";
import type { SlabReads } from "./slab-reads.js";

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
  /** The slabs the stream is read through (`connectNet`'s `slabReads`), instead of its 'data' events. */
  slabReads?: SlabReads | undefined;
}

/**
 * Adapts a Node duplex stream (net.Socket, tls.TLSSocket, a wrapped QUIC stream) to {@link Connection}.
 * Every built-in transport uses it, so read/write/close semantics are the same everywhere.
 *
 * Delivery (handler, pause, unshift, end and close) is {@link InboundDelivery}'s, as for every
 * Connection; the stream is paused until a handler is set.
 */
export class StreamConnection implements Connection {
  readonly transport: string;
  readonly localAddress: string;
  readonly remoteAddress: string;

  readonly #stream: Duplex;
  readonly #extraStats: (() => Partial<ConnectionStats>) | undefined;
  readonly #inbound: InboundDelivery;
  #error: Error | undefined;
  #bytesRead = 0;
  #bytesWritten = 0;

  constructor(stream: Duplex, info: StreamConnectionInfo) {
    this.#stream = stream;
    this.transport = info.transport;
    this.localAddress = info.localAddress;
    this.remoteAddress = info.remoteAddress;
    this.#extraStats = info.extraStats;
    this.#inbound = new InboundDelivery({
      pause: () => stream.pause(),
      // After its end a stream has nothing more to read.
      resume: () => {
        if (!stream.readableEnded) stream.resume();
      },
    });
    const onData = (chunk: Uint8Array) => {
      this.#bytesRead += chunk.byteLength;
      this.#inbound.data(chunk);
    };
    if (info.slabReads) info.slabReads.attach(onData);
    else stream.on("data", onData);
    stream.on("drain", () => this.#inbound.handler?.onDrain?.());
    stream.on("end", () => this.#inbound.end());
    stream.on("error", (error: Error) => {
      this.#error ??= error;
    });
    stream.on("close", () => this.#inbound.close(this.#error));
  }

  get closed(): boolean {
    return this.#inbound.closed || this.#stream.destroyed;
  }

  write(chunk: Uint8Array): boolean {
    if (this.closed || this.#stream.writableEnded) return false;
    this.#bytesWritten += chunk.byteLength;
    return this.#stream.write(chunk);
  }

  /** One corked run of writes: Node hands the chunks to the socket together (one `writev` on TCP, IPC). */
  writev(chunks: readonly Uint8Array[]): boolean {
    if (this.closed || this.#stream.writableEnded) return false;
    const stream = this.#stream;
    stream.cork();
    for (const chunk of chunks) {
      this.#bytesWritten += chunk.byteLength;
      stream.write(chunk);
    }
    stream.uncork();
    // Each corked write() reports what the stream held before anything went out; once uncorked the
    // socket may have taken it all at once, as it would a lone write(). Report what is left, as that
    // write() would have (when this is false, the corked write that went over asked for 'drain').
    return stream.writableLength < stream.writableHighWaterMark && !stream.destroyed;
  }

  setHandler(handler: ConnectionHandler | undefined): void {
    this.#inbound.setHandler(handler);
  }

  unshift(chunk: Uint8Array): void {
    this.#inbound.unshift(chunk);
  }

  pause(): void {
    this.#inbound.pause();
  }

  resume(): void {
    this.#inbound.resume();
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
}
