import { Duplex } from "node:stream";
import type {
  ReadableStream,
  ReadableStreamDefaultReader,
  WritableStream,
  WritableStreamDefaultWriter,
} from "node:stream/web";

export interface WebStreamDuplexOptions {
  /** Bytes buffered on the read side before the duplex stops pulling from the web stream. */
  readableHighWaterMark: number;
  /** Bytes buffered on the write side before `write` returns false. */
  writableHighWaterMark: number;
  /**
   * Translates an error from the web streams. `undefined` means the peer went away in an orderly way:
   * the read side then ends and writes are dropped, as with a TCP peer that closed.
   */
  translateError(error: unknown): Error | undefined;
}

/**
 * A Node duplex over a WHATWG readable/writable pair, with backpressure both ways: the duplex reads
 * from the web stream only while its own buffer is below the high-water mark, and completes a write only
 * once the web stream's sink has accepted it (for QUIC: once quiche took the bytes within flow control).
 *
 * Unlike `Duplex.fromWeb`, errors go through `translateError`, and destroying the duplex does not reset
 * the web streams: its owner closes the whole QUIC connection instead.
 */
export class WebStreamDuplex extends Duplex {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #translateError: (error: unknown) => Error | undefined;
  #pumping = false;
  #readRequested = false;
  #wakePump: (() => void) | undefined;
  /** The peer closed in an orderly way: writes are dropped from now on. */
  #peerGone = false;

  constructor(
    pair: { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> },
    options: WebStreamDuplexOptions,
  ) {
    super({
      allowHalfOpen: true,
      readableHighWaterMark: options.readableHighWaterMark,
      writableHighWaterMark: options.writableHighWaterMark,
    });
    this.#reader = pair.readable.getReader();
    this.#writer = pair.writable.getWriter();
    this.#translateError = options.translateError;
  }

  override _read(): void {
    this.#readRequested = true;
    const wake = this.#wakePump;
    this.#wakePump = undefined;
    if (wake) wake();
    else if (!this.#pumping) {
      this.#pumping = true;
      void this.#pump();
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#send(chunk, callback);
  }

  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    // One write into the web stream per batch: each write costs the library a send pass.
    const only = chunks.length === 1 ? chunks[0] : undefined;
    this.#send(only ? only.chunk : Buffer.concat(chunks.map((entry) => entry.chunk)), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.#peerGone) {
      callback();
      return;
    }
    this.#writer.close().then(
      () => callback(),
      (error: unknown) => callback(this.#writeFailure(error)),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const wake = this.#wakePump;
    this.#wakePump = undefined;
    wake?.();
    callback(error);
  }

  #send(chunk: Buffer, callback: (error?: Error | null) => void): void {
    if (this.#peerGone) {
      callback();
      return;
    }
    this.#writer.write(chunk).then(
      () => callback(),
      (error: unknown) => callback(this.#writeFailure(error)),
    );
  }

  /** The error a failed write reports: none when the peer closed in an orderly way. */
  #writeFailure(error: unknown): Error | null {
    const translated = this.#translateError(error);
    if (translated) return translated;
    this.#peerGone = true;
    return null;
  }

  async #pump(): Promise<void> {
    try {
      while (!this.destroyed) {
        this.#readRequested = false;
        const { value, done } = await this.#reader.read();
        if (this.destroyed) return;
        if (done) {
          this.push(null);
          return;
        }
        if (!this.push(value) && !this.#readRequested) {
          await new Promise<void>((resolve) => {
            this.#wakePump = resolve;
          });
        }
      }
    } catch (error) {
      if (this.destroyed) return;
      const translated = this.#translateError(error);
      if (translated) {
        this.destroy(translated);
        return;
      }
      // Orderly close by the peer: deliver what is buffered, then end both sides.
      this.#peerGone = true;
      this.push(null);
      if (!this.writableEnded) this.end();
    }
  }
}
