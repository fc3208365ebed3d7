import {
  type Connection,
  type ConnectionHandler,
  type ConnectionStats,
  ErrorCode,
  MsgError,
} from "@msg/core";
import type { MessageSocket } from "./message-socket.js";

/**
 * The text message that half-closes a direction: "this end sends no more binary messages". WebSocket's
 * own closing handshake closes both directions at once, so it cannot carry the Connection contract's
 * `end()`; binary messages carry the byte stream, and text messages are free for this one signal.
 */
export const WS_END_MESSAGE = "end";

/** Close codes that end a connection cleanly: normal, going away, and no status given. */
const CLEAN_CLOSE_CODES = new Set([1000, 1001, 1005]);
/** RFC 6455 close codes this end sends. */
const CLOSE_NORMAL = 1000;
const CLOSE_PROTOCOL_ERROR = 1002;

export interface WsConnectionStats extends ConnectionStats {
  /** WebSocket messages received and sent (binary ones: the byte stream). */
  messagesRead: number;
  messagesWritten: number;
}

export interface WsConnectionInfo {
  /** `ws` or `wss`. */
  transport: string;
  localAddress: string;
  remoteAddress: string;
  /** Writes longer than this go out as several messages, so that no message exceeds the peer's limit. */
  maxMessageSize: number;
}

/**
 * A {@link Connection} over a WebSocket: the byte stream travels as binary messages whose boundaries
 * mean nothing (a write of more than `maxMessageSize` bytes is split; a frame of the wire protocol may
 * span messages, the receiving decoder is incremental), `end()` is the text message {@link WS_END_MESSAGE},
 * and the closing handshake follows once both directions have ended.
 *
 * It has its own implementation rather than `StreamConnection` over `ws`'s `createWebSocketStream`:
 * that stream maps `end()` to the closing handshake, which closes both directions at once (no
 * half-close), costs a Node stream per connection, and does not exist in a browser. This class uses
 * no Node API, so a browser {@link MessageSocket} can drive it unchanged. Delivery follows
 * `StreamConnection`: nothing before a handler is set, `unshift`ed bytes first, `onClose` even while
 * paused.
 */
export class WsConnection implements Connection {
  readonly transport: string;
  readonly localAddress: string;
  readonly remoteAddress: string;

  readonly #socket: MessageSocket;
  readonly #maxMessageSize: number;
  #handler: ConnectionHandler | undefined;
  /**
   * Messages that arrived while paused or without a handler, and bytes given back with unshift. Bounded:
   * the socket is paused whenever something is queued here, so only what it had already read lands here.
   */
  #pending: Uint8Array[] = [];
  #paused = false;
  #blocked = false;
  #ended = false;
  #peerEnded = false;
  #endDelivered = false;
  #destroyed = false;
  #closed = false;
  #closeDelivered = false;
  #error: Error | undefined;
  #flushScheduled = false;
  #bytesRead = 0;
  #bytesWritten = 0;
  #messagesRead = 0;
  #messagesWritten = 0;

  constructor(socket: MessageSocket, info: WsConnectionInfo) {
    this.#socket = socket;
    this.transport = info.transport;
    this.localAddress = info.localAddress;
    this.remoteAddress = info.remoteAddress;
    this.#maxMessageSize = info.maxMessageSize;
    socket.pause();
    socket.listen({
      onBinary: (data) => this.#onBinary(data),
      onText: (text) => this.#onText(text),
      onDrain: () => {
        this.#blocked = false;
        this.#handler?.onDrain?.();
      },
      onClose: (code, reason, error) => this.#onClose(code, reason, error),
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(chunk: Uint8Array): boolean {
    if (this.#closed || this.#ended || this.#destroyed) return false;
    const size = chunk.byteLength;
    this.#bytesWritten += size;
    for (let offset = 0; offset < size; offset += this.#maxMessageSize) {
      const part =
        size <= this.#maxMessageSize ? chunk : chunk.subarray(offset, offset + this.#maxMessageSize);
      this.#messagesWritten++;
      if (!this.#socket.send(part)) this.#blocked = true;
    }
    return !this.#blocked;
  }

  setHandler(handler: ConnectionHandler | undefined): void {
    this.#handler = handler;
    if (handler) this.#scheduleFlush();
    else this.#socket.pause();
  }

  unshift(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.#pending.unshift(chunk);
    this.#socket.pause();
    this.#scheduleFlush();
  }

  pause(): void {
    this.#paused = true;
    this.#socket.pause();
  }

  resume(): void {
    this.#paused = false;
    this.#scheduleFlush();
  }

  end(): void {
    if (this.#closed || this.#ended || this.#destroyed) return;
    this.#ended = true;
    this.#socket.send(WS_END_MESSAGE);
    if (this.#peerEnded) this.#socket.close(CLOSE_NORMAL);
  }

  destroy(error?: Error): void {
    if (error) this.#error ??= error;
    if (this.#destroyed || this.#closed) return;
    this.#destroyed = true;
    this.#socket.terminate();
  }

  stats(): WsConnectionStats {
    return {
      bytesRead: this.#bytesRead,
      bytesWritten: this.#bytesWritten,
      messagesRead: this.#messagesRead,
      messagesWritten: this.#messagesWritten,
    };
  }

  #onBinary(data: Uint8Array): void {
    this.#messagesRead++;
    if (this.#peerEnded) {
      this.#protocolError(`a binary message after the peer's "${WS_END_MESSAGE}"`);
      return;
    }
    this.#bytesRead += data.byteLength;
    if (this.#handler && !this.#paused && this.#pending.length === 0) this.#handler.onData(data);
    else {
      // Data raced a pause or an unshift: keep order by queueing behind the pending bytes.
      this.#pending.push(data);
      this.#socket.pause();
    }
  }

  #onText(text: string): void {
    this.#messagesRead++;
    if (text !== WS_END_MESSAGE || this.#peerEnded) {
      this.#protocolError(`an unexpected text message (${JSON.stringify(text.slice(0, 40))})`);
      return;
    }
    this.#peerEnded = true;
    // Both directions are done: close the WebSocket (the peer may be closing it too; that is fine).
    if (this.#ended) this.#socket.close(CLOSE_NORMAL);
    this.#scheduleFlush();
  }

  /** The peer broke this transport's rules: fail the connection, as a malformed frame would. */
  #protocolError(what: string): void {
    this.#error ??= new MsgError(
      ErrorCode.MalformedFrame,
      `${this.transport}: ${this.remoteAddress} sent ${what}`,
    );
    this.#socket.close(CLOSE_PROTOCOL_ERROR, "msg protocol error");
  }

  #onClose(code: number, reason: string, error: Error | undefined): void {
    this.#closed = true;
    if (error) this.#error ??= error;
    if (!this.#error && !this.#destroyed) {
      if (CLEAN_CLOSE_CODES.has(code)) {
        // A peer that closes cleanly without ending first has ended all the same.
        this.#peerEnded = true;
      } else {
        this.#error = new MsgError(
          ErrorCode.ConnectionLost,
          `${this.transport}: connection to ${this.remoteAddress} closed with code ${code}${code === 1006 ? " (no closing handshake)" : ""}${reason ? `: ${reason}` : ""}`,
        );
      }
    }
    this.#scheduleFlush();
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
    if (this.#peerEnded && !this.#endDelivered) {
      this.#endDelivered = true;
      handler.onEnd?.();
    }
    if (this.#closed) {
      this.#deliverClose(handler);
      return;
    }
    // Read on after the peer's end too: its closing handshake (or a violation) is still to come.
    this.#socket.resume();
  }

  #deliverClose(handler: ConnectionHandler): void {
    if (this.#closeDelivered) return;
    this.#closeDelivered = true;
    handler.onClose(this.#error);
  }
}
