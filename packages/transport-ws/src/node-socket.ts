import { ErrorCode, MsgError } from "@msg/core";
import type { WebSocket } from "ws";
import type { MessageSocket, MessageSocketEvents } from "./message-socket.js";

/**
 * A {@link MessageSocket} over an open `ws` WebSocket (either role). `ws` reports how many bytes wait
 * to be written (`bufferedAmount`) but has no drain event; the completion callback of each send that
 * may cross the high-water mark checks whether the queue has fallen back to it.
 */
export class NodeMessageSocket implements MessageSocket {
  readonly #ws: WebSocket;
  readonly #highWaterMark: number;
  #events: MessageSocketEvents | undefined;
  #waitingForDrain = false;
  #error: Error | undefined;
  readonly #afterSend = () => {
    if (!this.#waitingForDrain || this.#ws.bufferedAmount > this.#highWaterMark) return;
    this.#waitingForDrain = false;
    this.#events?.onDrain();
  };

  /**
   * Takes over `ws`'s errors at once (an unheard 'error' would crash the process). `transport` and
   * `peer` name the connection in errors.
   */
  constructor(ws: WebSocket, options: { highWaterMark: number; transport: string; peer: string }) {
    this.#ws = ws;
    this.#highWaterMark = options.highWaterMark;
    ws.on("error", (error: Error & { code?: string }) => {
      this.#error ??= transportError(error, options.transport, options.peer);
    });
  }

  send(data: Uint8Array | string): boolean {
    // Only a send that may cross the mark needs to report its completion (a frame header adds up to 14 bytes).
    const size = typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
    if (this.#ws.bufferedAmount + size + 14 > this.#highWaterMark) this.#ws.send(data, this.#afterSend);
    else this.#ws.send(data);
    if (this.#ws.bufferedAmount <= this.#highWaterMark) return true;
    this.#waitingForDrain = true;
    return false;
  }

  pause(): void {
    this.#ws.pause();
  }

  resume(): void {
    this.#ws.resume();
  }

  close(code: number, reason?: string): void {
    this.#ws.close(code, reason);
  }

  terminate(): void {
    this.#ws.terminate();
  }

  listen(events: MessageSocketEvents): void {
    this.#events = events;
    this.#ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (isBinary) events.onBinary(data);
      else events.onText(data.toString());
    });
    this.#ws.on("close", (code: number, reason: Buffer) =>
      events.onClose(code, reason.toString(), this.#error),
    );
  }
}

/**
 * `ws` fails a connection itself for what it receives (a message above `maxPayload`, an invalid frame)
 * and reports it with a `WS_ERR_*` code: as MsgErrors, these read like the same faults over TCP.
 */
function transportError(error: Error & { code?: string }, transport: string, peer: string): Error {
  if (error.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") {
    return new MsgError(ErrorCode.FrameTooLarge, `${transport}: ${peer} sent a message above maxPayload`, {
      cause: error,
    });
  }
  if (error.code?.startsWith("WS_ERR_")) {
    return new MsgError(
      ErrorCode.MalformedFrame,
      `${transport}: ${peer} broke the WebSocket protocol: ${error.message}`,
      { cause: error },
    );
  }
  return error;
}
