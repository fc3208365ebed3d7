import {
  CompressionType,
  createLogger,
  ErrorCode,
  type MsgError,
  type RepSocketStats,
  type Transport,
  toMsgError,
} from "@msg/core";
import { decompress, REQREP_HEADER_SIZE, ReqRepDecoder, type ReqRepFrame } from "@msg/wire";
import { AsyncQueue } from "../async-queue.js";
import {
  type CompressionOptions,
  compresses,
  oversizeError,
  prepareOutgoing,
  type ResolvedCompression,
  resolveCompression,
  toBytes,
} from "../compression.js";
import { type SocketEvents, TypedEmitter } from "../events.js";
import { ServerCore, type ServerOptions, type ServerSession } from "../server-core.js";
import { isPing, msgError, PONG } from "../util.js";
import { validateRepOptions } from "../validate-options.js";

export interface RepOptions extends ServerOptions, CompressionOptions {
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
   * response is dropped and counted in `failedRequests`. A payload over `maxFrameSize` throws
   * `frame_too_large` and leaves the request unanswered, so a smaller answer can still be sent.
   */
  respond(payload: Uint8Array | string): void;
}

/** The events of a Rep socket: the shared {@link SocketEvents}. */
export type RepEvents = SocketEvents;

/** One connected Req peer. */
interface RepSession extends ServerSession {
  decoder: ReqRepDecoder;
  /** Received and not yet answered. */
  pending: number;
  /** Paused because of `pending` (not because of the shared queue). */
  paused: boolean;
  /** Paused because its responses are not being read (the transport pushes back). */
  writeBlocked: boolean;
}

const log = createLogger("socket.rep");

function throwIfOversize(size: number, compression: ResolvedCompression): void {
  const tooLarge = oversizeError("response", size, compression);
  if (tooLarge) throw tooLarge;
}

/** A request handed to the application; `respond` sends the answer on the connection it came from. */
class IncomingRequest implements Request {
  readonly payload: Uint8Array;
  readonly id: number;
  readonly peer: string;
  // Private: what a user may touch is exactly the `Request` interface.
  readonly #session: RepSession;
  readonly #send: (session: RepSession, id: number, payload: Uint8Array) => void;
  #answered = false;

  constructor(
    payload: Uint8Array,
    id: number,
    session: RepSession,
    send: (session: RepSession, id: number, payload: Uint8Array) => void,
  ) {
    this.payload = payload;
    this.id = id;
    this.peer = session.connection.remoteAddress;
    this.#session = session;
    this.#send = send;
  }

  respond(payload: Uint8Array | string): void {
    if (this.#answered) throw msgError(ErrorCode.InvalidState, `request ${this.id} was already answered`);
    this.#send(this.#session, this.id, toBytes(payload)); // throws before sending anything
    this.#answered = true;
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
  readonly #core: ServerCore<RepSession>;
  readonly #compression: ResolvedCompression;
  readonly #maxPendingResponses: number;
  readonly #queue: AsyncQueue<Request>;
  /** Requests decoded after the queue filled, from chunks already read: bounded by one read per peer. */
  #overflow: Request[] = [];
  /** Requests handed out (or about to be) and not yet answered, over all peers. */
  #unanswered = 0;
  #onAllAnswered: (() => void) | undefined;
  #closed = false;
  readonly #stats = { bytesTx: 0, bytesRx: 0, requestsReceived: 0, responsesSent: 0, failedRequests: 0 };

  constructor(transport: Transport, options: RepOptions = {}) {
    super();
    validateRepOptions(options);
    this.#compression = resolveCompression(options);
    this.#maxPendingResponses = options.maxPendingResponses ?? 8192;
    this.#queue = new AsyncQueue(options.maxQueuedRequests ?? 65536, () => this.#resumeAll());
    this.#core = new ServerCore<RepSession>({
      transport,
      options,
      log,
      fire: (event, payload) => this.fire(event, payload),
      factory: {
        open: (base) => this.#open(base),
        decoder: (session) => session.decoder,
        received: (_session, bytes) => {
          this.#stats.bytesRx += bytes;
        },
        drained: (session) => {
          session.writeBlocked = false;
          this.#maybeResume(session);
        },
      },
    });
  }

  /** The bound address (with the real port when bound to port 0); undefined before `bind`. */
  get localAddress(): string | undefined {
    return this.#core.localAddress;
  }

  /** Starts listening; resolves with the actual address. */
  bind(address: string): Promise<string> {
    return this.#core.bind(address);
  }

  /** Sends a control message to the bound transport (e.g. a TLS certificate swap). */
  control(message: { type: string; [field: string]: unknown }): Promise<void> {
    return this.#core.control(message);
  }

  /** Iterates over incoming requests with `for await`; ends when the socket closes. */
  [Symbol.asyncIterator](): AsyncIterator<Request> {
    return this.#queue[Symbol.asyncIterator]();
  }

  /** The incoming requests (the socket itself is iterable too). */
  requests(): AsyncIterable<Request> {
    return this.#queue;
  }

  /** A snapshot of the socket's counters. */
  stats(): RepSocketStats {
    return {
      ...this.#stats,
      activeClients: this.#core.sessions.length,
      connectionErrors: this.#core.connectionErrors,
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
    // Requests nobody took will never be answered: count them, and do not linger for them.
    const discarded = this.#queue.end() + this.#overflow.length;
    this.#overflow = [];
    this.#unanswered -= discarded;
    this.#stats.failedRequests += discarded;
    await this.#core.stopAccepting();
    await this.#allAnswered(options.linger ?? 0);
    await this.#core.closeSessions();
    this.fire("closed", {});
  }

  /** Closes the socket (for `await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #open(base: ServerSession): RepSession {
    const session: RepSession = {
      ...base,
      decoder: new ReqRepDecoder({
        maxFrameSize: this.#compression.maxFrameSize,
        onFrame: (frame) => this.#onRequest(session, frame),
      }),
      pending: 0,
      paused: false,
      writeBlocked: false,
    };
    if (this.#queue.full) base.connection.pause();
    return session;
  }

  /** Resolves once every handed-out request is answered, or after `lingerMs`. */
  #allAnswered(lingerMs: number): Promise<void> {
    if (lingerMs <= 0 || this.#unanswered === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, lingerMs);
      this.#onAllAnswered = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  #onRequest(session: RepSession, frame: ReqRepFrame): void {
    this.#stats.requestsReceived++;
    if (frame.compression === 0 && isPing(frame.payload)) {
      // Health check: answered here, with the request's own id (msg-rs answers id 0).
      this.#send(session, 0, frame.id, PONG);
      return;
    }
    session.pending++;
    this.#unanswered++;
    if (session.pending >= this.#maxPendingResponses && !session.paused) {
      session.paused = true;
      session.connection.pause();
    }
    if (frame.compression === CompressionType.None) {
      this.#deliver(session, frame.id, frame.payload);
      return;
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
      // Hold back by pausing every peer; the request itself waits in the overflow list.
      this.#overflow.push(request);
      this.#pauseAll();
    } else if (this.#queue.full) {
      this.#pauseAll();
    }
  }

  readonly #respondTo = (session: RepSession, id: number, payload: Uint8Array): void =>
    this.#respond(session, id, payload);

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
      this.#responded(session);
      return;
    }
    if (!compresses(this.#compression, payload.byteLength)) {
      // The common case, without the allocation of prepareOutgoing's result.
      throwIfOversize(payload.byteLength, this.#compression);
      this.#send(session, 0, id, payload);
      this.#responded(session);
      return;
    }
    const prepared = prepareOutgoing(this.#compression, payload, log);
    if (prepared instanceof Promise) {
      prepared.then((wire) => {
        const tooLarge = oversizeError("response", wire.data.byteLength, this.#compression);
        if (tooLarge) this.#unsendable(session, id, tooLarge);
        else if (!session.closed) this.#send(session, wire.type, id, wire.data);
        this.#responded(session);
      });
    } else {
      throwIfOversize(prepared.data.byteLength, this.#compression);
      this.#send(session, prepared.type, id, prepared.data);
      this.#responded(session);
    }
  }

  /** A response compressed asynchronously came out over maxFrameSize: too late to throw, so dropped. */
  #unsendable(session: RepSession, id: number, error: MsgError): void {
    this.#stats.failedRequests++;
    log.warn("response dropped: over maxFrameSize after compression", { id, error: error.message });
    this.fire("messageDropped", { reason: error.code, address: session.connection.remoteAddress, error });
  }

  #send(session: RepSession, compression: number, id: number, data: Uint8Array): void {
    session.writer.writeReqRep(compression, id, data);
    this.#stats.bytesTx += REQREP_HEADER_SIZE + data.byteLength;
    this.#stats.responsesSent++;
    if (session.writer.blocked && !session.writeBlocked) {
      // The peer is not reading its responses: stop reading its requests until it does, so what is
      // held for it stays bounded by the requests already received.
      session.writeBlocked = true;
      session.connection.pause();
    }
  }

  /** Resumes reading from a peer unless one of the three reasons to hold it back still applies. */
  #maybeResume(session: RepSession): void {
    if (!session.paused && !session.writeBlocked && !this.#queue.full) session.connection.resume();
  }

  #responded(session: RepSession): void {
    session.pending--;
    if (--this.#unanswered === 0) this.#onAllAnswered?.();
    if (session.paused && session.pending < this.#maxPendingResponses) {
      session.paused = false;
      this.#maybeResume(session);
    }
  }

  #pauseAll(): void {
    for (const session of this.#core.sessions) session.connection.pause();
  }

  /** The application's loop made room: move overflow in, then resume peers not held by their own limit. */
  #resumeAll(): void {
    while (this.#overflow.length > 0 && !this.#queue.full) this.#queue.push(this.#overflow.shift()!);
    if (this.#queue.full) return;
    for (const session of this.#core.sessions) this.#maybeResume(session);
  }
}
