import { type ConnectionStats, ErrorCode, formatHostPort, MsgError } from "@msg/core";
import { closeReason } from "../library/describe.js";
import { CloseCode, type QuicSessionSettings } from "../library/types.js";
import { type CloseInfo, type HostPort, type NativeConnection, STREAM_ID } from "./native.js";
import { QuicStreamDuplex, type StreamCarrier } from "./stream.js";

/** Sends one UDP datagram to `peer`; the datagram is the sender's to keep. */
export type DatagramSender = (datagram: Buffer, peer: HostPort) => void;

export interface EngineSessionSettings extends QuicSessionSettings {
  writeHighWaterMark: number;
}

/** Largest UDP payload quiche writes into one datagram (its `MAX_UDP_PACKET_SIZE` is far above this). */
const SEND_BUFFER_SIZE = 65_535;
const EMPTY = new Uint8Array(0);
/** How often a close waiting for delivery looks at the stream again. */
const DELIVERY_POLL_MS = 5;

/**
 * One QUIC connection driven over quiche's native `Connection`: every received datagram goes to
 * `conn.recv`; on the next `setImmediate` the stream is read, and on the one after it is written and
 * `conn.send` drained into the UDP socket, so an answer the application wrote in between carries the
 * ACK; one Node timer follows quiche's `timeout()`. It knows nothing of UDP sockets or routing (see
 * endpoint.ts).
 */
export class EngineSession implements StreamCarrier {
  readonly conn: NativeConnection;
  readonly localAddress: string;
  readonly remoteAddress: string;
  readonly released: Promise<void>;
  /** The stream, once opened (client) or arrived (server). */
  stream: QuicStreamDuplex | undefined;

  readonly #send: DatagramSender;
  readonly #peer: HostPort;
  readonly #recvInfo: { from: HostPort; to: HostPort };
  readonly #settings: EngineSessionSettings;
  readonly #out = Buffer.allocUnsafe(SEND_BUFFER_SIZE);
  #readQueued = false;
  #sendQueued = false;
  #timer: NodeJS.Timeout | undefined;
  #timerDeadline = Number.POSITIVE_INFINITY;
  #keepAlive: NodeJS.Timeout | undefined;
  #lingerTimer: NodeJS.Timeout | undefined;
  #established = false;
  #closing = false;
  #closedByUs = false;
  #closeError: Error | undefined;
  #released = false;
  #resolveReleased!: () => void;
  readonly #closeListeners: Array<(error: Error | undefined) => void> = [];
  readonly #establishedListeners: Array<() => void> = [];
  #lastStats: Partial<ConnectionStats> = {};

  constructor(
    conn: NativeConnection,
    send: DatagramSender,
    local: HostPort,
    peer: HostPort,
    settings: EngineSessionSettings,
  ) {
    this.conn = conn;
    this.#send = send;
    this.#peer = peer;
    this.#recvInfo = { from: peer, to: local };
    this.#settings = settings;
    this.localAddress = formatHostPort(local.host, local.port);
    this.remoteAddress = formatHostPort(peer.host, peer.port);
    this.released = new Promise((resolve) => {
      this.#resolveReleased = resolve;
    });
  }

  get closing(): boolean {
    return this.#closing;
  }

  get established(): boolean {
    return this.#established;
  }

  /** The error the connection closed with (undefined for an orderly or local close). */
  get closeError(): Error | undefined {
    return this.#closeError;
  }

  /** Feeds one received datagram to quiche; the work it causes happens on the next pass. */
  receive(datagram: Buffer): void {
    if (this.#released) return;
    try {
      this.conn.recv(datagram, this.#recvInfo);
    } catch {
      // quiche drops what it cannot use (a stray or corrupt packet); a fatal error shows as a close.
    }
    this.schedule();
  }

  schedule(): void {
    if (this.#readQueued || this.#released) return;
    this.#readQueued = true;
    setImmediate(this.#readPass);
  }

  scheduleSend(): void {
    if (this.#sendQueued || this.#released) return;
    this.#sendQueued = true;
    setImmediate(this.#sendPass);
  }

  /** Runs a pass now (sends the client's first flight at once). */
  flushNow(): void {
    this.#process();
  }

  onEstablished(listener: () => void): void {
    if (this.#established) listener();
    else this.#establishedListeners.push(listener);
  }

  onClose(listener: (error: Error | undefined) => void): void {
    if (this.#closing) queueMicrotask(() => listener(this.#closeError));
    else this.#closeListeners.push(listener);
  }

  /** The client's stream: opened here, reaching the peer with the first bytes written. */
  openStream(): QuicStreamDuplex {
    this.stream ??= this.#newStream();
    return this.stream;
  }

  /** A stream for bytes the peer sent first (server side). */
  acceptStream(): QuicStreamDuplex {
    this.stream ??= this.#newStream();
    return this.stream;
  }

  close(code: CloseCode): void {
    clearTimeout(this.#lingerTimer);
    if (this.#closedByUs || this.#released) return;
    this.#closedByUs = true;
    this.#lastStats = this.stats();
    try {
      this.conn.close(true, code, EMPTY);
    } catch {
      // Already closing or closed.
    }
    this.#process();
  }

  closeWhenDelivered(lingerMs: number): void {
    const deadline = Date.now() + lingerMs;
    // quiche has no "acknowledged" event: look at the stream, cheaply, for at most `lingerMs`.
    const check = () => {
      if (this.#closing || this.#closedByUs) return;
      if (this.#streamComplete() || Date.now() >= deadline) this.close(CloseCode.Normal);
      else this.#lingerTimer = setTimeout(check, DELIVERY_POLL_MS);
    };
    check();
  }

  stats(): Partial<ConnectionStats> {
    if (this.#closedByUs || this.#released) return this.#lastStats;
    try {
      const totals = this.conn.stats();
      const paths = this.conn.pathStats();
      const path = paths.find((candidate) => candidate.active) ?? paths[0];
      this.#lastStats = {
        lost: totals.lost,
        retransmits: totals.retrans,
        // quiche reports RTT in whole milliseconds through this binding.
        ...(path ? { rttUs: path.rtt * 1000, congestionWindow: path.cwnd } : {}),
      };
    } catch {
      // Keep the last snapshot.
    }
    return this.#lastStats;
  }

  /**
   * Forgets the connection at once, without waiting for its closing period: its timers stop and it
   * ignores further datagrams (its endpoint is going away).
   */
  dispose(): void {
    if (!this.#closedByUs) this.close(CloseCode.Normal);
    this.#release();
  }

  /** Runs on each pass once established, before the stream is read and written (the server's hook). */
  protected beforeStreamIO(): void {}

  /**
   * Reads, then leaves the sending to a pass on the next event-loop turn: by then the application has
   * answered what it read (its answer may wait for a `process.nextTick` or a promise), so the answer
   * leaves in the same datagram as the ACK instead of a datagram of its own after an ACK-only one.
   */
  readonly #readPass = (): void => {
    this.#readQueued = false;
    if (this.#released) return;
    this.#read();
    this.scheduleSend();
  };

  readonly #sendPass = (): void => {
    this.#sendQueued = false;
    // A datagram arrived since this pass was queued: sending now would send its ACK alone. Its read
    // pass comes next in this turn and queues the send again.
    if (this.#released || this.#readQueued) return;
    this.#write();
  };

  /** Both halves at once: after a timer, a close, or to send the client's first flight. */
  #process(): void {
    if (this.#released) return;
    this.#read();
    this.#write();
  }

  #read(): void {
    if (!this.#established && this.conn.isEstablished()) {
      this.#established = true;
      this.#startKeepAlive();
      for (const listener of this.#establishedListeners.splice(0)) listener();
    }
    if (this.#established) this.beforeStreamIO();
    this.stream?.pull();
  }

  #write(): void {
    this.stream?.pushWrites();
    this.#flush();
    this.#checkClosed();
  }

  #flush(): void {
    for (;;) {
      let sent: ReturnType<NativeConnection["send"]>;
      try {
        sent = this.conn.send(this.#out);
      } catch {
        break;
      }
      if (sent === null) break;
      // dgram keeps the buffer until the datagram is out: it gets a copy.
      this.#send(Buffer.from(this.#out.subarray(0, sent[0])), this.#peer);
    }
    this.#armTimer();
  }

  #armTimer(): void {
    const timeout = this.conn.timeout();
    if (timeout === null) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#timerDeadline = Number.POSITIVE_INFINITY;
      return;
    }
    const deadline = performance.now() + timeout;
    // Re-armed only when quiche's deadline moved earlier; a timer that fires early finds nothing due
    // (quiche's `onTimeout` is time-aware) and re-arms for the real deadline.
    if (this.#timer !== undefined && deadline >= this.#timerDeadline) return;
    clearTimeout(this.#timer);
    this.#timerDeadline = deadline;
    this.#timer = setTimeout(this.#onTimer, timeout + 1);
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#timerDeadline = Number.POSITIVE_INFINITY;
    if (this.#released) return;
    this.conn.onTimeout();
    this.#process();
  };

  #startKeepAlive(): void {
    const interval = this.#settings.keepAliveInterval;
    if (interval <= 0) return;
    this.#keepAlive = setInterval(() => {
      if (this.#closing || this.#released) return;
      this.conn.sendAckEliciting();
      this.#process();
    }, interval);
  }

  #checkClosed(): void {
    const closed = this.conn.isClosed();
    if (!this.#closing && (closed || this.conn.isDraining() || this.#closedByUs)) this.#startClosing();
    if (closed) this.#release();
  }

  #startClosing(): void {
    this.#closing = true;
    clearInterval(this.#keepAlive);
    clearTimeout(this.#lingerTimer);
    this.#closeError = this.#closedByUs ? undefined : this.#describeClose();
    this.stream?.connectionClosed(this.#closeError);
    // Listeners hear of it after the current call: a `close()` caller finishes its own bookkeeping first.
    const listeners = this.#closeListeners.splice(0);
    const error = this.#closeError;
    queueMicrotask(() => {
      for (const listener of listeners) listener(error);
    });
  }

  #release(): void {
    if (this.#released) return;
    if (!this.#closing) this.#startClosing();
    this.#released = true;
    clearTimeout(this.#timer);
    clearInterval(this.#keepAlive);
    clearTimeout(this.#lingerTimer);
    this.#resolveReleased();
  }

  /** Why the connection closed, as the stream reports it: undefined for an orderly close by the peer. */
  #describeClose(): Error | undefined {
    if (this.conn.isTimedOut()) {
      return new MsgError(
        ErrorCode.ConnectionLost,
        `QUIC connection timed out: nothing received for ${this.#settings.idleTimeout} ms`,
      );
    }
    const peer = this.conn.peerError() as CloseInfo | null;
    if (peer) {
      if (peer.isApp && peer.errorCode === CloseCode.Normal) return undefined;
      return new MsgError(
        ErrorCode.ConnectionLost,
        `the peer closed the QUIC connection (${closeReason(peer)})`,
      );
    }
    const local = this.conn.localError() as CloseInfo | null;
    return new MsgError(
      ErrorCode.ConnectionLost,
      `QUIC connection failed (${closeReason(local ?? undefined)})`,
    );
  }

  /** Whatever quiche says about the close, for the handshake's error (see endpoint.ts). */
  closeInfo(): { peer: CloseInfo | null; local: CloseInfo | null; timedOut: boolean } {
    return {
      peer: this.conn.peerError() as CloseInfo | null,
      local: this.conn.localError() as CloseInfo | null,
      timedOut: this.conn.isTimedOut(),
    };
  }

  #newStream(): QuicStreamDuplex {
    return new QuicStreamDuplex(this, {
      readChunkSize: this.#settings.readChunkSize,
      writableHighWaterMark: this.#settings.writeHighWaterMark,
    });
  }

  #streamComplete(): boolean {
    if (!this.stream) return true;
    try {
      this.conn.streamCapacity(STREAM_ID);
      return false;
    } catch {
      // quiche forgets a stream once it is complete in both directions.
      return true;
    }
  }
}
