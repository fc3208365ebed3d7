import {
  type Connection,
  type ConnectionHook,
  createLogger,
  ErrorCode,
  type MsgError,
  type RepSocketStats,
  type Transport,
  toMsgError,
} from "@msg/core";
import { decompress, REQREP_HEADER_SIZE, ReqRepDecoder, type ReqRepFrame } from "@msg/wire";
import { type AcceptOptions, Acceptor } from "../acceptor.js";
import { AsyncQueue } from "../async-queue.js";
import {
  type CompressionOptions,
  prepareOutgoing,
  type ResolvedCompression,
  resolveCompression,
  toBytes,
} from "../compression.js";
import { type SocketEvents, TypedEmitter } from "../events.js";
import { FrameWriter } from "../frame-writer.js";
import { closeGracefully, closeSignal } from "../graceful-close.js";
import { tokenListServerHook } from "../hooks/token.js";
import { resolveWriteBuffer, type WriteBufferOptions } from "../options.js";
import { closedError, isPing, msgError, PONG } from "../util.js";

export interface RepOptions extends AcceptOptions, WriteBufferOptions, CompressionOptions {
  /**
   * Requests from one peer received but not yet answered. At this many the socket stops reading from
   * that peer (TCP backpressure slows it down) until responses go out. Default 8192 (as msg-rs).
   */
  maxPendingResponses?: number;
  /**
   * Requests received but not yet taken by the application's loop, over all peers. At this many the
   * socket stops reading from every peer until the loop catches up. Default 65536.
   */
  maxQueuedRequests?: number;
  /** Runs on every accepted connection before its first request (authentication, ...). Default none. */
  hook?: ConnectionHook;
  /** Shorthand for `hook: tokenListServerHook(authTokens)`: accept clients presenting any of these tokens. */
  authTokens?: Iterable<Uint8Array | string>;
}

/** One request, as the application sees it. */
export interface Request {
  /** The request's payload, decompressed. */
  readonly payload: Uint8Array;
  /** The address of the peer that sent it. */
  readonly peer: string;
  /** The request id on the wire (unique per peer connection until it wraps). */
  readonly id: number;
  /**
   * Sends the response (once; a second call throws `invalid_state`). If the peer is gone, the
   * response is dropped and counted in `failedRequests`.
   */
  respond(payload: Uint8Array | string): void;
}

export type RepEvents = SocketEvents;

/** One connected Req peer. */
interface RepSession {
  connection: Connection;
  writer: FrameWriter;
  decoder: ReqRepDecoder;
  /** Received and not yet answered. */
  pending: number;
  /** Paused because of `pending` (not because of the shared queue). */
  paused: boolean;
  closed: boolean;
  /** Resolves when the connection has closed. */
  whenClosed: Promise<void>;
}

const log = createLogger("socket.rep");

/** A request handed to the application; `respond` sends the answer on the connection it came from. */
class IncomingRequest implements Request {
  readonly peer: string;
  #answered = false;

  constructor(
    readonly payload: Uint8Array,
    readonly id: number,
    readonly session: RepSession,
    readonly send: (session: RepSession, id: number, payload: Uint8Array) => void,
  ) {
    this.peer = session.connection.remoteAddress;
  }

  respond(payload: Uint8Array | string): void {
    if (this.#answered) throw msgError(ErrorCode.InvalidState, `request ${this.id} was already answered`);
    this.#answered = true;
    this.send(this.session, this.id, toBytes(payload));
  }
}

/**
 * The reply side of request/reply. Binds, accepts any number of Req peers (up to `maxClients`), and
 * yields their requests as an async iterable; responses go back to the peer that asked, in completion
 * order. `PING` requests are answered with `PONG` by the socket itself.
 *
 * ```ts
 * const rep = new RepSocket(new TcpTransport());
 * const address = await rep.bind("127.0.0.1:0");
 * for await (const request of rep) request.respond(request.payload);
 * ```
 */
export class RepSocket extends TypedEmitter<RepEvents> implements AsyncIterable<Request> {
  readonly #acceptor: Acceptor;
  readonly #compression: ResolvedCompression;
  readonly #writeBuffer: { size: number; lingerUs: number };
  readonly #maxPendingResponses: number;
  readonly #queue: AsyncQueue<Request>;
  readonly #sessions = new Set<RepSession>();
  #localAddress: string | undefined;
  #closed = false;
  readonly #stats = { bytesTx: 0, bytesRx: 0, requestsReceived: 0, responsesSent: 0, failedRequests: 0 };
  readonly #connectionErrors: Record<string, number> = {};

  constructor(transport: Transport, options: RepOptions = {}) {
    super();
    this.#compression = resolveCompression(options);
    this.#writeBuffer = resolveWriteBuffer(options);
    this.#maxPendingResponses = options.maxPendingResponses ?? 8192;
    this.#queue = new AsyncQueue(options.maxQueuedRequests ?? 65536, () => this.#resumeAll());
    const hook = options.hook ?? (options.authTokens ? tokenListServerHook(options.authTokens) : undefined);
    this.#acceptor = new Acceptor({
      transport,
      hook,
      options,
      log,
      events: {
        connection: (connection) => this.#attach(connection),
        refused: (address, error) => this.#refused(address, error),
      },
    });
  }

  /** The bound address (with the real port when bound to port 0); undefined before `bind`. */
  get localAddress(): string | undefined {
    return this.#localAddress;
  }

  /** Starts listening; resolves with the actual address. */
  async bind(address: string): Promise<string> {
    if (this.#closed) throw closedError();
    if (this.#localAddress) throw msgError(ErrorCode.InvalidState, "the socket is already bound");
    const listener = await this.#acceptor.bind(address);
    this.#localAddress = listener.localAddress;
    this.fire("listening", { address: listener.localAddress });
    return listener.localAddress;
  }

  /** Sends a control message to the bound transport (e.g. a TLS certificate swap). */
  async control(message: { type: string; [field: string]: unknown }): Promise<void> {
    const listener = this.#acceptor.listener;
    if (!listener) throw msgError(ErrorCode.InvalidState, "bind before sending transport control messages");
    await listener.control(message);
  }

  [Symbol.asyncIterator](): AsyncIterator<Request> {
    return this.#queue[Symbol.asyncIterator]();
  }

  /** The incoming requests (the socket itself is iterable too). */
  requests(): AsyncIterable<Request> {
    return this.#queue;
  }

  stats(): RepSocketStats {
    return {
      ...this.#stats,
      activeClients: this.#sessions.size,
      connectionErrors: { ...this.#connectionErrors },
    };
  }

  /**
   * Stops accepting, waits up to `linger` ms (default 0) for requests already handed out to be
   * answered, flushes what was answered, and closes every connection: resolves once they are closed
   * (a peer gets 1 s to close its side before its connection is destroyed). Iteration ends.
   */
  async close(options: { linger?: number } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.end();
    await this.#acceptor.close();
    const linger = options.linger ?? 0;
    const deadline = Date.now() + linger;
    while (linger > 0 && Date.now() < deadline && [...this.#sessions].some((s) => s.pending > 0)) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await Promise.all([...this.#sessions].map((s) => closeGracefully(s.connection, s.writer, s.whenClosed)));
    this.fire("closed", {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #attach(connection: Connection): void {
    if (this.#closed) {
      this.#acceptor.release();
      connection.destroy();
      return;
    }
    const { closed, markClosed } = closeSignal();
    const session: RepSession = {
      whenClosed: closed,
      connection,
      writer: new FrameWriter(connection, this.#writeBuffer),
      decoder: new ReqRepDecoder({
        maxFrameSize: this.#compression.maxFrameSize,
        onFrame: (frame) => this.#onRequest(session, frame),
      }),
      pending: 0,
      paused: false,
      closed: false,
    };
    this.#sessions.add(session);
    connection.setHandler({
      onData: (chunk) => {
        this.#stats.bytesRx += chunk.byteLength;
        try {
          session.decoder.push(chunk);
        } catch (error) {
          this.#peerError(session, toMsgError(error, ErrorCode.MalformedFrame));
        }
      },
      onDrain: () => session.writer.handleDrain(),
      onEnd: () => {
        session.writer.flush();
        connection.end();
      },
      onClose: (error) => {
        session.closed = true;
        session.writer.close();
        this.#sessions.delete(session);
        this.#acceptor.release();
        markClosed();
        if (!this.#closed) this.fire("disconnected", { address: connection.remoteAddress, error });
      },
    });
    if (this.#queue.full) connection.pause();
    this.fire("connected", { address: connection.remoteAddress });
  }

  #onRequest(session: RepSession, frame: ReqRepFrame): void {
    this.#stats.requestsReceived++;
    if (frame.compression === 0 && isPing(frame.payload)) {
      // Health check: answered here, with the request's own id (msg-rs answers id 0).
      this.#send(session, 0, frame.id, PONG);
      return;
    }
    session.pending++;
    if (session.pending >= this.#maxPendingResponses && !session.paused) {
      session.paused = true;
      session.connection.pause();
    }
    try {
      const payload = decompress(frame.compression, frame.payload, this.#compression.maxDecompressedSize);
      if (payload instanceof Uint8Array) this.#deliver(session, frame.id, payload);
      else {
        payload.then(
          (bytes) => this.#deliver(session, frame.id, bytes),
          (error) => this.#undeliverable(session, frame.id, error),
        );
      }
    } catch (error) {
      this.#undeliverable(session, frame.id, error);
    }
  }

  #deliver(session: RepSession, id: number, payload: Uint8Array): void {
    if (this.#closed) {
      // Arrived while closing: nobody will take it any more.
      this.#stats.failedRequests++;
      this.#responded(session);
      return;
    }
    const request = new IncomingRequest(payload, id, session, this.#respondTo);
    if (!this.#queue.push(request)) {
      // The queue is full (reading was paused, but frames already in the last chunk still arrive).
      // Hold back by pausing every peer; the request itself waits in a short overflow list.
      this.#overflow.push(request);
      this.#pauseAll();
    } else if (this.#queue.full) {
      this.#pauseAll();
    }
  }

  readonly #respondTo = (session: RepSession, id: number, payload: Uint8Array): void =>
    this.#respond(session, id, payload);

  /** Requests decoded after the queue filled, from chunks already read: bounded by one read per peer. */
  #overflow: Request[] = [];

  /** A request that cannot reach the application (decompression failed). Counted, logged, dropped. */
  #undeliverable(session: RepSession, id: number, error: unknown): void {
    const failure = toMsgError(error, ErrorCode.DecompressionFailed);
    this.#stats.failedRequests++;
    log.warn("request dropped: payload does not decompress", { id, error: failure.message });
    this.fire("messageDropped", {
      reason: failure.code,
      address: session.connection.remoteAddress,
      error: failure,
    });
    this.#responded(session);
  }

  #respond(session: RepSession, id: number, payload: Uint8Array): void {
    if (session.closed) {
      this.#stats.failedRequests++;
      this.fire("messageDropped", { reason: "peer_gone", address: session.connection.remoteAddress });
      return;
    }
    const prepared = prepareOutgoing(this.#compression, payload, log);
    if (prepared instanceof Promise) {
      prepared.then((wire) => {
        if (!session.closed) this.#send(session, wire.type, id, wire.data);
        this.#responded(session);
      });
    } else {
      this.#send(session, prepared.type, id, prepared.data);
      this.#responded(session);
    }
  }

  #send(session: RepSession, compression: number, id: number, data: Uint8Array): void {
    session.writer.writeReqRep(compression, id, data);
    this.#stats.bytesTx += REQREP_HEADER_SIZE + data.byteLength;
    this.#stats.responsesSent++;
  }

  #responded(session: RepSession): void {
    session.pending--;
    if (session.paused && session.pending < this.#maxPendingResponses) {
      session.paused = false;
      if (!this.#queue.full) session.connection.resume();
    }
  }

  #pauseAll(): void {
    for (const session of this.#sessions) session.connection.pause();
  }

  /** The application's loop made room: move overflow in, then resume peers not held by their own limit. */
  #resumeAll(): void {
    while (this.#overflow.length > 0 && !this.#queue.full) this.#queue.push(this.#overflow.shift()!);
    if (this.#queue.full) return;
    for (const session of this.#sessions) if (!session.paused) session.connection.resume();
  }

  #peerError(session: RepSession, error: MsgError): void {
    this.#connectionErrors[error.code] = (this.#connectionErrors[error.code] ?? 0) + 1;
    log.warn("peer sent invalid data; closing its connection", {
      address: session.connection.remoteAddress,
      error: error.message,
    });
    this.fire("peerError", { address: session.connection.remoteAddress, error });
    session.connection.destroy(error);
  }

  #refused(address: string, error: MsgError): void {
    this.#connectionErrors[error.code] = (this.#connectionErrors[error.code] ?? 0) + 1;
    if (error.code === ErrorCode.AuthRejected) this.fire("authRejected", { address });
    else if (error.code === ErrorCode.HookFailed) this.fire("hookFailed", { address, error });
    else this.fire("peerError", { address, error });
  }
}
