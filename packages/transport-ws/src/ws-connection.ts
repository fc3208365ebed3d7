import {
  type Connection,
  type ConnectionHandler,
  type ConnectionStats,
  ErrorCode,
  InboundDelivery,
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

/** What `WsConnection#stats()` returns: the byte counts, and the WebSocket messages that carried them. */
export interface WsConnectionStats extends ConnectionStats {
  /** WebSocket messages received (binary ones carry the byte stream; the end marker counts too). */
  messagesRead: number;
  /** WebSocket messages sent (a write above `maxPayload` is several). */
  messagesWritten: number;
}

/** How a {@link WsConnection} names itself and how large its messages may be. */
export interface WsConnectionInfo {
  /** `ws` or `wss`. */
  transport: string;
  /** This end's address (`ws://ip:port/path` on the listening side, `ip:port` on the connecting side). */
  localAddress: string;
  /** The peer's address, in the same forms. */
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
 * no Node API, so a browser {@link MessageSocket} can drive it unchanged. Delivery is core's
 * `InboundDelivery`, as for `StreamConnection`.
 */
export class WsConnection implements Connection {
  readonly transport: string;
  readonly localAddress: string;
  readonly remoteAddress: string;

  readonly #socket: MessageSocket;
  readonly #maxMessageSize: number;
  readonly #inbound: InboundDelivery;
  #blocked = false;
  #ended = false;
  #peerEnded = false;
  #destroyed = false;
  #error: Error | undefined;
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
    // Reading goes on after the peer's end too: its closing handshake (or a violation) is still to come.
    this.#inbound = new InboundDelivery(socket);
    socket.listen({
      onBinary: (data) => this.#onBinary(data),
      onText: (text) => this.#onText(text),
      onDrain: () => {
        this.#blocked = false;
        this.#inbound.handler?.onDrain?.();
      },
      onClose: (code, reason, error) => this.#onClose(code, reason, error),
    });
  }

  get closed(): boolean {
    return this.#inbound.closed;
  }

  write(chunk: Uint8Array): boolean {
    if (this.closed || this.#ended || this.#destroyed) return false;
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
    if (this.closed || this.#ended || this.#destroyed) return;
    this.#ended = true;
    this.#socket.send(WS_END_MESSAGE);
    if (this.#peerEnded) this.#socket.close(CLOSE_NORMAL);
  }

  destroy(error?: Error): void {
    if (error) this.#error ??= error;
    if (this.#destroyed || this.closed) return;
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
    this.#inbound.data(data);
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
    this.#inbound.end();
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
    if (error) this.#error ??= error;
    if (!this.#error && !this.#destroyed) {
      if (CLEAN_CLOSE_CODES.has(code)) {
        // A peer that closes cleanly without ending first has ended all the same.
        if (!this.#peerEnded) this.#inbound.end();
        this.#peerEnded = true;
      } else {
        this.#error = new MsgError(
          ErrorCode.ConnectionLost,
          `${this.transport}: connection to ${this.remoteAddress} closed with code ${code}${code === 1006 ? " (no closing handshake)" : ""}${reason ? `: ${reason}` : ""}`,
        );
      }
    }
    this.#inbound.close(this.#error);
  }
}
