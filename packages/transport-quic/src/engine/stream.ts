import { Duplex } from "node:stream";
import { ErrorCode, MsgError } from "@msg/core";
import {
  isUnknownStream,
  type NativeConnection,
  STREAM_ID,
  streamResetCode,
  streamStoppedCode,
} from "./native.js";

/** What a stream needs from the connection that carries it. */
export interface StreamCarrier {
  readonly conn: NativeConnection;
  /** Asks for a pass that reads the stream (then writes and sends, a turn later). */
  schedule(): void;
  /** Asks for a pass that writes the stream and sends. */
  scheduleSend(): void;
}

export interface QuicStreamOptions {
  /** Bytes read from quiche at most per call, and the read side's high-water mark. */
  readChunkSize: number;
  /** Bytes buffered on the write side before `write` returns false. */
  writableHighWaterMark: number;
}

const EMPTY = new Uint8Array(0);

/**
 * The connection's one bidirectional stream as a Node duplex, over quiche's `streamRecv`/`streamSend`.
 *
 * Backpressure both ways comes from quiche's flow control: the read side takes bytes out of quiche only
 * while its own buffer is below the high-water mark (unread bytes hold back the peer's window); a write
 * completes once quiche took all of it, which it does only within the peer's window. The carrier calls
 * `pull` and `pushWrites` on each pass over the connection.
 *
 * A reset from the peer with code 0 (a peer's destroy, as @matrixai/quic and msg-rs send it) ends the read
 * side like a TCP FIN; any other code fails the stream with `connection_lost`. Destroying the duplex does
 * not reset the stream: its owner closes the whole QUIC connection.
 */
export class QuicStreamDuplex extends Duplex {
  readonly #carrier: StreamCarrier;
  readonly #scratch: Buffer;
  #wantRead = false;
  #readDone = false;
  /** Bytes quiche has not taken yet, and the write callback to call once it has. */
  #pending: { chunk: Uint8Array; callback: (error?: Error | null) => void } | undefined;
  #finalCallback: ((error?: Error | null) => void) | undefined;
  #finSent = false;
  /** The peer stopped reading or the connection closed in order: writes are dropped from now on. */
  #peerGone = false;

  constructor(carrier: StreamCarrier, options: QuicStreamOptions) {
    super({
      allowHalfOpen: true,
      readableHighWaterMark: options.readChunkSize,
      writableHighWaterMark: options.writableHighWaterMark,
    });
    this.#carrier = carrier;
    this.#scratch = Buffer.allocUnsafe(options.readChunkSize);
  }

  /** Moves readable bytes from quiche into the duplex while it wants them. */
  pull(): void {
    while (this.#wantRead && !this.#readDone && !this.destroyed) {
      let result: [number, boolean] | null;
      try {
        result = this.#carrier.conn.streamRecv(STREAM_ID, this.#scratch);
      } catch (error) {
        // A client's stream exists in quiche only once something was written to it.
        if (!isUnknownStream(error)) this.#readFailed(error);
        return;
      }
      if (result === null) return;
      const [length, fin] = result;
      if (length > 0) this.#wantRead = this.push(Buffer.from(this.#scratch.subarray(0, length)));
      if (fin) this.#endRead();
    }
  }

  /** Hands pending bytes (and then the FIN) to quiche, as far as flow control lets it take them. */
  pushWrites(): void {
    const pending = this.#pending;
    if (pending) {
      if (this.#peerGone) {
        this.#pending = undefined;
        pending.callback();
      } else {
        let written: number;
        try {
          written = this.#carrier.conn.streamSend(STREAM_ID, pending.chunk, false) ?? 0;
        } catch (error) {
          this.#pending = undefined;
          pending.callback(this.#writeFailed(error));
          return;
        }
        if (written < pending.chunk.byteLength) {
          pending.chunk = pending.chunk.subarray(written);
          return;
        }
        this.#pending = undefined;
        pending.callback();
      }
    }
    const final = this.#finalCallback;
    if (final && !this.#pending) {
      this.#finalCallback = undefined;
      if (this.#peerGone || this.#finSent) {
        final();
        return;
      }
      try {
        this.#carrier.conn.streamSend(STREAM_ID, EMPTY, true);
        this.#finSent = true;
        final();
      } catch (error) {
        final(this.#writeFailed(error));
      }
    }
  }

  /**
   * The connection closed. In order (`error` undefined): what quiche still holds is delivered, the read
   * side ends and writes are dropped, as with a TCP peer that closed. Otherwise the stream fails.
   */
  connectionClosed(error: Error | undefined): void {
    if (this.destroyed) return;
    if (error) {
      this.destroy(error);
      return;
    }
    this.#peerGone = true;
    this.#wantRead = true;
    this.pull();
    this.#endRead();
    this.pushWrites();
    if (!this.writableEnded) this.end();
  }

  override _read(): void {
    this.#wantRead = true;
    this.#carrier.schedule();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#pending = { chunk, callback };
    this.pushWrites();
    this.#carrier.scheduleSend();
  }

  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    const only = chunks.length === 1 ? chunks[0] : undefined;
    this._write(only ? only.chunk : Buffer.concat(chunks.map((entry) => entry.chunk)), "binary", callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#finalCallback = callback;
    this.pushWrites();
    this.#carrier.scheduleSend();
  }

  /** Ends the read side (the peer's FIN was read before this duplex existed). */
  endRead(): void {
    this.#endRead();
  }

  #endRead(): void {
    if (this.#readDone) return;
    this.#readDone = true;
    this.push(null);
  }

  #readFailed(error: unknown): void {
    const code = streamResetCode(error);
    if (code === 0) {
      this.#endRead();
      return;
    }
    this.destroy(
      new MsgError(
        ErrorCode.ConnectionLost,
        code === undefined
          ? `QUIC stream read failed: ${String(error)}`
          : `the peer reset the QUIC stream's write side (code ${code})`,
        { cause: error },
      ),
    );
  }

  /** The error a failed write reports: none when the peer stopped reading with code 0. */
  #writeFailed(error: unknown): Error | null {
    const code = streamStoppedCode(error);
    if (code === 0) {
      this.#peerGone = true;
      return null;
    }
    return new MsgError(
      ErrorCode.ConnectionLost,
      code === undefined
        ? `QUIC stream write failed: ${String(error)}`
        : `the peer stopped reading the QUIC stream (code ${code})`,
      { cause: error },
    );
  }
}
