import {
  createLogger,
  ErrorCode,
  formatHostPort,
  type Listener,
  MsgError,
  type PendingConnection,
  type TransportControl,
} from "@msg/core";
import { listenEngine } from "./engine/endpoint.js";
import {
  CloseCode,
  type QuicServerEndpoint,
  type ServerEndpointOptions,
  type ServerSession,
} from "./library/types.js";
import type { Pem } from "./options.js";
import { type PendingOutcome, type PendingSettings, QuicPendingConnection } from "./pending.js";

const log = createLogger("transport.quic");

/** Counters of one QUIC listener, since it was bound. */
export interface QuicListenerStats {
  /** Connections now waiting for their client's stream or for `accept()`. */
  pending: number;
  /** Accepted connections not fully closed yet (they keep the UDP socket bound). */
  open: number;
  /** Connections that became a `Connection` through `accept()`. */
  accepted: number;
  /** Refused at once because `maxPendingConnections` were already waiting. */
  refusedFull: number;
  /**
   * Initial packets of new connections dropped unanswered because `maxPendingConnections` handshakes
   * were already in progress (such a client retransmits, or fails after its `handshakeTimeout`).
   */
  refusedHandshakes: number;
  /** Closed because no stream (or no `accept()`) came within `firstStreamTimeout`. */
  timedOut: number;
  /** Refused by `reject()`. */
  rejected: number;
  /** Closed by the peer before it opened its stream. */
  peerClosed: number;
  /** Refused because the listener was closing. */
  listenerClosed: number;
}

export interface QuicListenerSettings extends PendingSettings {
  maxPendingConnections: number;
}

/**
 * A bound QUIC endpoint. Every connection whose handshake completes is offered to the bind callback as
 * a {@link PendingConnection}. Closing the listener stops new handshakes and refuses pending connections;
 * accepted connections stay open on the UDP socket, which is released once the last of them closes.
 *
 * Control messages: `{ type: "quic.setCertificates", cert, key }` (PEM) makes new handshakes present
 * a new certificate; established connections keep theirs.
 */
export class QuicListener implements Listener {
  readonly #onIncoming: (pending: PendingConnection) => void;
  readonly #settings: QuicListenerSettings;
  #endpoint: QuicServerEndpoint | undefined;
  readonly #pending = new Set<QuicPendingConnection>();
  /** Accepted connections, until fully closed: the UDP socket stays bound for them. */
  readonly #accepted = new Set<ServerSession>();
  #closed = false;
  #released: Promise<void> | undefined;
  readonly #counts: Omit<QuicListenerStats, "pending" | "open" | "refusedHandshakes"> = {
    accepted: 0,
    refusedFull: 0,
    timedOut: 0,
    rejected: 0,
    peerClosed: 0,
    listenerClosed: 0,
  };

  private constructor(onIncoming: (pending: PendingConnection) => void, settings: QuicListenerSettings) {
    this.#onIncoming = onIncoming;
    this.#settings = settings;
  }

  /** Binds the UDP socket and starts answering handshakes. Rejects with a MsgError `bind_failed`. */
  static async open(
    endpointOptions: ServerEndpointOptions,
    settings: QuicListenerSettings,
    onIncoming: (pending: PendingConnection) => void,
  ): Promise<QuicListener> {
    const listener = new QuicListener(onIncoming, settings);
    listener.#endpoint = await listenEngine(endpointOptions, (session) => listener.#offer(session));
    return listener;
  }

  get localAddress(): string {
    const endpoint = this.#requireEndpoint();
    return formatHostPort(endpoint.host, endpoint.port);
  }

  /** Counters of pending, open, accepted and refused connections since bind. */
  stats(): QuicListenerStats {
    return {
      pending: this.#pending.size,
      open: this.#accepted.size,
      refusedHandshakes: this.#requireEndpoint().droppedHandshakes,
      ...this.#counts,
    };
  }

  async control(message: TransportControl): Promise<void> {
    if (message.type !== "quic.setCertificates") {
      throw new MsgError(
        ErrorCode.UnsupportedControl,
        `the QUIC transport does not understand control message "${message.type}"`,
      );
    }
    const { cert, key } = message;
    if (!isPem(cert) || !isPem(key)) {
      throw new MsgError(
        ErrorCode.InvalidArgument,
        "quic.setCertificates needs `cert` and `key` as PEM strings or bytes",
      );
    }
    this.#requireEndpoint().setCertificate(cert, key);
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#requireEndpoint().stopAccepting();
      for (const pending of [...this.#pending]) pending.cancel();
    }
    await this.#releaseWhenIdle();
  }

  #offer(session: ServerSession): void {
    if (this.#closed) {
      this.#counts.listenerClosed++;
      session.close(CloseCode.Refused);
      return;
    }
    if (this.#pending.size >= this.#settings.maxPendingConnections) {
      this.#counts.refusedFull++;
      log.warn("QUIC connection refused: too many connections waiting for their stream", {
        peer: session.remoteAddress,
        maxPendingConnections: this.#settings.maxPendingConnections,
      });
      session.close(CloseCode.Refused);
      return;
    }
    const pending = new QuicPendingConnection(session, this.#settings, (outcome: PendingOutcome) => {
      this.#pending.delete(pending);
      this.#counts[outcome]++;
      if (outcome === "accepted") this.#track(session);
    });
    this.#pending.add(pending);
    try {
      this.#onIncoming(pending);
    } catch (error) {
      log.error("the bind callback threw; refusing the connection", { error });
      pending.reject();
    }
  }

  #track(session: ServerSession): void {
    this.#accepted.add(session);
    const forget = () => {
      this.#accepted.delete(session);
      if (this.#closed) void this.#releaseWhenIdle();
    };
    session.released.then(forget, forget);
  }

  /** Releases the UDP socket once the listener is closed and no accepted connection uses it any more. */
  #releaseWhenIdle(): Promise<void> {
    if (!this.#closed || this.#accepted.size > 0) return Promise.resolve();
    this.#released ??= this.#requireEndpoint()
      .close()
      .catch((error: unknown) => log.warn("releasing the QUIC socket failed", { error }));
    return this.#released;
  }

  #requireEndpoint(): QuicServerEndpoint {
    if (!this.#endpoint) throw new MsgError(ErrorCode.InvalidState, "QUIC listener is not bound yet");
    return this.#endpoint;
  }
}

function isPem(value: unknown): value is Pem {
  return typeof value === "string" || value instanceof Uint8Array;
}
