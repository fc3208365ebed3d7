import { type Connection, ErrorCode, MsgError, type PendingConnection } from "@msg/core";
import { createQuicConnection, type QuicConnectionSettings } from "./connection.js";
import { CloseCode, type IncomingStream, type ServerSession } from "./library/types.js";

/** How a pending connection ended. */
export type PendingOutcome = "accepted" | "rejected" | "timedOut" | "peerClosed" | "listenerClosed";

export interface PendingSettings extends QuicConnectionSettings {
  firstStreamTimeout: number;
}

/**
 * A QUIC connection whose handshake is done but whose stream has not been accepted yet. The client's
 * stream becomes visible only with its first bytes, so `accept()` resolves once they arrived; it rejects with a
 * MsgError `handshake_failed` if the peer closes first, if no stream arrives within
 * `firstStreamTimeout`, or if the pending connection is rejected or its listener closes.
 */
export class QuicPendingConnection implements PendingConnection {
  readonly remoteAddress: string;
  readonly #session: ServerSession;
  readonly #settings: PendingSettings;
  readonly #onSettled: (outcome: PendingOutcome) => void;
  #incoming: IncomingStream | undefined;
  #acceptWanted = false;
  #result: Promise<Connection> | undefined;
  #resolve: ((connection: Connection) => void) | undefined;
  #reject: ((error: Error) => void) | undefined;
  #failure: MsgError | undefined;
  #settled = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    session: ServerSession,
    settings: PendingSettings,
    onSettled: (outcome: PendingOutcome) => void,
  ) {
    this.remoteAddress = session.remoteAddress;
    this.#session = session;
    this.#settings = settings;
    this.#onSettled = onSettled;
    if (Number.isFinite(settings.firstStreamTimeout)) {
      this.#timer = setTimeout(
        () => this.#refuse(`no stream from the peer within ${settings.firstStreamTimeout} ms`, "timedOut"),
        settings.firstStreamTimeout,
      );
    }
    session.onStream((incoming) => {
      this.#incoming = incoming;
      this.#complete();
    });
    session.onClose((error) =>
      this.#fail(
        new MsgError(ErrorCode.HandshakeFailed, `${this.#describe()} closed before opening its stream`, {
          cause: error,
        }),
        "peerClosed",
      ),
    );
  }

  accept(): Promise<Connection> {
    if (!this.#result) {
      if (this.#failure) return Promise.reject(this.#failure);
      this.#result = new Promise<Connection>((resolve, reject) => {
        this.#resolve = resolve;
        this.#reject = reject;
      });
      this.#acceptWanted = true;
      this.#complete();
    }
    return this.#result;
  }

  reject(): void {
    this.#refuse("rejected", "rejected");
  }

  /** Refuses the connection because its listener is closing. */
  cancel(): void {
    this.#refuse("its listener closed", "listenerClosed");
  }

  #complete(): void {
    if (this.#settled || !this.#acceptWanted || !this.#incoming) return;
    this.#settle("accepted");
    const { stream, firstBytes } = this.#incoming;
    this.#resolve?.(createQuicConnection(this.#session, stream, this.#settings, firstBytes));
  }

  #refuse(why: string, outcome: PendingOutcome): void {
    if (this.#settled) return;
    this.#session.close(CloseCode.Refused);
    this.#fail(new MsgError(ErrorCode.HandshakeFailed, `${this.#describe()} refused: ${why}`), outcome);
  }

  #fail(error: MsgError, outcome: PendingOutcome): void {
    if (this.#settled) return;
    this.#settle(outcome);
    this.#failure = error;
    this.#reject?.(error);
  }

  #settle(outcome: PendingOutcome): void {
    this.#settled = true;
    clearTimeout(this.#timer);
    this.#onSettled(outcome);
  }

  #describe(): string {
    return `QUIC connection from ${this.remoteAddress}`;
  }
}
