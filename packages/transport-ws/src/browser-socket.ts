import { ErrorCode, MsgError } from "@msg/core";
import type { PlatformWebSocket } from "./browser-options.js";
import type { MessageSocket, MessageSocketEvents } from "./message-socket.js";

/** What a {@link BrowserMessageSocket} needs to know besides its WebSocket. */
export interface BrowserSocketParams {
  /** `ws` or `wss`, for errors. */
  transport: string;
  /** The peer's URL, for errors. */
  peer: string;
  maxPayload: number;
  highWaterMark: number;
  drainPollInterval: number;
  maxHeldBytes: number;
}

/** The close code a browser reports for a connection that ended without a closing handshake. */
const CLOSE_ABNORMAL = 1006;

/**
 * A {@link MessageSocket} over the platform's `WebSocket`, as a browser has it. Three things differ
 * from `ws` in Node, and this class bridges them:
 *
 * - **No drain event.** When `send` leaves `bufferedAmount` above the high-water mark, a timer polls it
 *   every `drainPollInterval` ms until it is back at or below the mark, then reports the drain.
 * - **No way to stop reading.** `pause()` cannot reach the network; messages that arrive while paused
 *   are passed on (the connection holds them until it resumes) and counted, and above `maxHeldBytes`
 *   the connection fails with `high_water_mark_reached` rather than growing without bound.
 * - **Fewer close codes and no abort.** A page may only send 1000 or 3000-4999, so the protocol's other
 *   codes go out as 4000 + (code - 1000) (1002 becomes 4002, 1009 becomes 4009) with their reason;
 *   `terminate()` sends 4006 and reports the close at once, without waiting for the peer.
 */
export class BrowserMessageSocket implements MessageSocket {
  readonly #ws: PlatformWebSocket;
  readonly #params: BrowserSocketParams;
  #events: MessageSocketEvents | undefined;
  #drainTimer: ReturnType<typeof setTimeout> | undefined;
  #paused = false;
  #heldBytes = 0;
  #error: Error | undefined;
  #closed = false;

  /** Takes over an open WebSocket; its `binaryType` must already be "arraybuffer". */
  constructor(ws: PlatformWebSocket, params: BrowserSocketParams) {
    this.#ws = ws;
    this.#params = params;
  }

  send(data: Uint8Array | string): boolean {
    this.#ws.send(data);
    if (this.#ws.bufferedAmount <= this.#params.highWaterMark) return true;
    this.#drainTimer ??= setTimeout(this.#pollDrain, this.#params.drainPollInterval);
    return false;
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#heldBytes = 0;
  }

  close(code: number, reason?: string): void {
    this.#ws.close(pageCloseCode(code), reason);
  }

  terminate(): void {
    if (this.#closed) return;
    this.#ws.close(4006, "terminated");
    this.#finish(CLOSE_ABNORMAL, "");
  }

  listen(events: MessageSocketEvents): void {
    this.#events = events;
    this.#ws.onmessage = (event) => this.#onMessage(event.data);
    this.#ws.onclose = (event) => this.#finish(event.code, event.reason);
    // The close event follows every error event and carries all a page may learn (the code).
    this.#ws.onerror = ignore;
  }

  readonly #pollDrain = (): void => {
    this.#drainTimer = undefined;
    if (this.#closed) return;
    if (this.#ws.bufferedAmount > this.#params.highWaterMark) {
      this.#drainTimer = setTimeout(this.#pollDrain, this.#params.drainPollInterval);
      return;
    }
    this.#events?.onDrain();
  };

  #onMessage(data: unknown): void {
    if (this.#closed || !this.#events) return;
    if (typeof data === "string") {
      this.#events.onText(data);
      return;
    }
    if (!(data instanceof ArrayBuffer)) {
      this.#fail(
        new MsgError(
          ErrorCode.MalformedFrame,
          `${this.#params.transport}: a binary message not in an ArrayBuffer`,
        ),
        1003,
        "binary messages only",
      );
      return;
    }
    const { transport, peer, maxPayload, maxHeldBytes } = this.#params;
    if (data.byteLength > maxPayload) {
      this.#fail(
        new MsgError(
          ErrorCode.FrameTooLarge,
          `${transport}: ${peer} sent a message of ${data.byteLength} bytes, above maxPayload (${maxPayload})`,
        ),
        1009,
        "message too large",
      );
      return;
    }
    if (this.#paused) {
      this.#heldBytes += data.byteLength;
      if (this.#heldBytes > maxHeldBytes) {
        this.#fail(
          new MsgError(
            ErrorCode.HighWaterMarkReached,
            `${transport}: ${this.#heldBytes} bytes from ${peer} arrived while the connection was paused, above maxHeldBytes (${maxHeldBytes}); a browser cannot stop reading a WebSocket`,
          ),
          1008,
          "too much data while paused",
        );
        return;
      }
    }
    this.#events.onBinary(new Uint8Array(data));
  }

  /** This end fails the connection: the error is what the connection reports, code and reason what the peer sees. */
  #fail(error: Error, code: number, reason: string): void {
    this.#error ??= error;
    this.#ws.close(pageCloseCode(code), reason);
    this.#finish(CLOSE_ABNORMAL, "");
  }

  #finish(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#drainTimer);
    this.#drainTimer = undefined;
    this.#ws.onmessage = null;
    this.#ws.onclose = null;
    this.#events?.onClose(code, reason, this.#error);
  }
}

function ignore(): void {}

/** The close code a page may send for `code`: 1000 and 3000-4999 as they are, 1xxx as 4xxx. */
export function pageCloseCode(code: number): number {
  if (code === 1000 || (code >= 3000 && code <= 4999)) return code;
  return 4000 + (code % 1000);
}
