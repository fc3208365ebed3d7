import {
  CompressionType,
  type Connection,
  type ConnectionHook,
  createLogger,
  ErrorCode,
  type MsgError,
  type ReqSocketStats,
  type Transport,
  toMsgError,
} from "@msg/core";
import { decompress, REQREP_HEADER_SIZE, ReqRepDecoder, type ReqRepFrame } from "@msg/wire";
import {
  type CompressionOptions,
  compresses,
  oversizeError,
  prepareOutgoing,
  type ResolvedCompression,
  resolveCompression,
  toBytes,
  type WirePayload,
} from "../compression.js";
import { DeadlineTimer } from "../deadlines.js";
import { Dialer, type ReconnectOptions } from "../dialer.js";
import { type SocketEvents, TypedEmitter } from "../events.js";
import { FrameWriter } from "../frame-writer.js";
import { tokenClientHook } from "../hooks/token.js";
import { type InboundFrames, InboundGuard, type InboundOptions } from "../inbound.js";
import { resolveWriteBuffer, type WriteBufferOptions } from "../options.js";
import { RttTracker } from "../rtt.js";
import { closedError, isPing, isPong, msgError } from "../util.js";
import { validateReqOptions } from "../validate-options.js";
import { IdTable } from "./id-table.js";

export interface ReqOptions extends ReconnectOptions, WriteBufferOptions, CompressionOptions, InboundOptions {
  /** Default time a request may take, in ms, counted from the `request()` call. Default 5000. */
  timeout?: number;
  /** Requests sent and awaiting their response at once. Default 8192 (as msg-rs). */
  maxPendingRequests?: number;
  /** Requests waiting to be sent (disconnected, or the in-flight window full). Default 8192 (as msg-rs). */
  maxQueueSize?: number;
  /**
   * When the connection breaks, re-send the requests that were in flight once the socket reconnects
   * (once per request) instead of failing them with `connection_lost`. Only for idempotent requests.
   * Default false.
   */
  resendOnReconnect?: boolean;
  /** Runs after every connect and reconnect, before any request (authentication, ...). Default none. */
  hook?: ConnectionHook;
  /** Shorthand for `hook: tokenClientHook(authToken)` (docs/protocol.md, "Token handshake"). */
  authToken?: Uint8Array | string;
}

/** Options of one {@link ReqSocket.request} call. */
export interface RequestOptions {
  /** Overrides the socket's `timeout` for this request, in ms. */
  timeout?: number;
  /** Cancels the request; it then rejects with MsgError `aborted`. */
  signal?: AbortSignal;
}

/** The events of a Req socket: the shared {@link SocketEvents}. */
export type ReqEvents = SocketEvents;

interface PendingRequest {
  /** Wire id once sent; NOT_SENT while waiting; COMPRESSING while an asynchronous codec runs. */
  id: number;
  /** Compression id and bytes as they go on the wire. */
  type: number;
  data: Uint8Array;
  ping: boolean;
  resent: boolean;
  /** Its place in the order requests were (last) sent: a count of sends, never reused. */
  sendSeq: number;
  /** When it was (last) sent, on the `performance.now()` clock (ms). */
  sentAt: number;
  /** When the request times out, on the `performance.now()` clock. */
  deadline: number;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  resolve(response: Uint8Array): void;
  reject(error: MsgError): void;
}

const NOT_SENT = -1;
const COMPRESSING = -2;

/** The live connection with its encoder and decoder. */
interface ReqSession {
  connection: Connection;
  writer: FrameWriter;
  inbound: InboundFrames;
}

const log = createLogger("socket.req");

/**
 * The request side of request/reply. Connects to one Rep socket, sends requests from any number of
 * concurrent callers and matches responses by id.
 *
 * ```ts
 * const req = new ReqSocket(new TcpTransport());
 * req.connect("127.0.0.1:4000"); // connects in the background; requests wait for it ("late bind")
 * const answer = await req.request("hello");
 * await req.close();
 * ```
 *
 * Every request settles: with the response, or with a MsgError `timeout` (counted from the call),
 * `high_water_mark_reached`, `connection_lost`, `auth_rejected`, `connect_failed`, `socket_closed`,
 * `aborted`, or a decompression error.
 */
export class ReqSocket extends TypedEmitter<ReqEvents> {
  readonly #transport: Transport;
  readonly #timeout: number;
  readonly #maxPending: number;
  readonly #maxQueue: number;
  readonly #resend: boolean;
  readonly #hook: ConnectionHook | undefined;
  readonly #compression: ResolvedCompression;
  readonly #writeBuffer: { size: number; lingerUs: number };
  readonly #options: ReqOptions;

  #dialer: Dialer | undefined;
  #session: ReqSession | undefined;
  #nextId = 0;
  /** Sent, awaiting a response, by id. At most maxPendingRequests. */
  readonly #inFlight = new IdTable<PendingRequest>();
  /** Requests sent so far (re-sends included): the next `sendSeq`. */
  #sends = 0;
  /** Not sent yet, in order; at most maxQueueSize. A Set gives FIFO order and O(1) removal on timeout. */
  readonly #waiting = new Set<PendingRequest>();
  #fatal: MsgError | undefined;
  #closed = false;
  #connectWaiters: { resolve(): void; reject(error: MsgError): void }[] = [];
  readonly #rtt = new RttTracker();
  readonly #deadlines = new DeadlineTimer<PendingRequest>(
    () => this.#unsettled(),
    (request) =>
      this.#fail(
        request,
        msgError(ErrorCode.Timeout, `no response within ${request.timeoutMs} ms${this.#whyNotConnected()}`),
      ),
  );
  readonly #stats = { bytesTx: 0, bytesRx: 0, requestsSent: 0, responsesReceived: 0 };
  /** Set while close() lingers: called once nothing is in flight any more. */
  #onIdle: (() => void) | undefined;
  readonly #failures: Record<string, number> = {};
  readonly #inbound: InboundGuard;

  constructor(transport: Transport, options: ReqOptions = {}) {
    super();
    validateReqOptions(options);
    this.#inbound = new InboundGuard(options, (event, payload) => this.fire(event, payload), log);
    this.#transport = transport;
    this.#options = options;
    this.#timeout = options.timeout ?? 5000;
    this.#maxPending = options.maxPendingRequests ?? 8192;
    this.#maxQueue = options.maxQueueSize ?? 8192;
    this.#resend = options.resendOnReconnect ?? false;
    this.#hook =
      options.hook ?? (options.authToken !== undefined ? tokenClientHook(options.authToken) : undefined);
    this.#compression = resolveCompression(options);
    this.#writeBuffer = resolveWriteBuffer(options);
  }

  /** True while a connection is up. */
  get connected(): boolean {
    return this.#session !== undefined;
  }

  /**
   * Starts connecting to `address` in the background (first attempt immediate, then backoff).
   * The returned promise resolves once the first connection is up, and rejects if the socket gives up
   * (retry budget spent, token rejected). Awaiting it is optional: requests wait for the connection.
   */
  connect(address: string): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    if (this.#dialer) {
      return Promise.reject(msgError(ErrorCode.InvalidState, "a Req socket connects to one endpoint"));
    }
    const ready = new Promise<void>((resolve, reject) => this.#connectWaiters.push({ resolve, reject }));
    ready.catch(() => {}); // optional to await: never an unhandled rejection
    this.#dialer = new Dialer({
      transport: this.#transport,
      address,
      hook: this.#hook,
      options: this.#options,
      log,
      events: {
        connected: (connection) => this.#attach(connection),
        reconnectScheduled: (delayMs, attempt, error) =>
          this.fire("reconnectScheduled", { address, delayMs, attempt, error }),
        hookFailed: (error) => this.fire("hookFailed", { address, error }),
        authRejected: () => this.fire("authRejected", { address }),
        gaveUp: (error) => this.#giveUp(address, error),
      },
    });
    this.#dialer.start();
    return ready;
  }

  /** Sends a request and resolves with the response payload. */
  request(payload: Uint8Array | string, options?: RequestOptions): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(closedError());
    if (this.#fatal) return Promise.reject(this.#fatal);
    // No `options = {}` default: an object per request that most callers never pass.
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(msgError(ErrorCode.Aborted, "request aborted"));
    const sendNow = this.#canSendNow();
    if (!sendNow && this.#waiting.size >= this.#maxQueue) {
      this.#count(ErrorCode.HighWaterMarkReached);
      return Promise.reject(
        msgError(
          ErrorCode.HighWaterMarkReached,
          `${this.#maxPending} requests in flight and ${this.#maxQueue} waiting: high-water mark reached`,
        ),
      );
    }
    const bytes = toBytes(payload);
    // Uncompressed unless a compressor takes it; an asynchronous codec's result comes later.
    let type: number = CompressionType.None;
    let data = bytes;
    let compressing: Promise<WirePayload> | undefined;
    if (compresses(this.#compression, bytes.byteLength)) {
      const wire = prepareOutgoing(this.#compression, bytes, log);
      if (wire instanceof Promise) compressing = wire;
      else ({ type, data } = wire);
    }
    const tooLarge = compressing ? undefined : oversizeError("request", data.byteLength, this.#compression);
    if (tooLarge) {
      this.#count(tooLarge.code);
      return Promise.reject(tooLarge);
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      const timeoutMs = options?.timeout ?? this.#timeout;
      // One clock reading for the deadline and, when it goes out at once, the send time.
      const now = performance.now();
      const request: PendingRequest = {
        id: compressing ? COMPRESSING : NOT_SENT,
        type,
        data,
        ping: isPing(bytes),
        resent: false,
        sendSeq: 0,
        sentAt: now,
        deadline: now + timeoutMs,
        timeoutMs,
        signal,
        onAbort: undefined,
        resolve,
        reject,
      };
      this.#deadlines.watch(request.deadline);
      if (signal) {
        request.onAbort = () => this.#fail(request, msgError(ErrorCode.Aborted, "request aborted"));
        signal.addEventListener("abort", request.onAbort, { once: true });
      }
      if (compressing) this.#whenCompressed(request, compressing);
      if (sendNow && !compressing) {
        this.#send(this.#session!, request, now); // nothing queued ahead: skip the queue
      } else {
        this.#waiting.add(request);
        this.#pump();
      }
    });
  }

  /** An asynchronous codec finished a waiting request's payload; it kept its place in the queue meanwhile. */
  #whenCompressed(request: PendingRequest, compressing: Promise<WirePayload>): void {
    compressing.then((wire) => {
      const tooLarge = oversizeError("request", wire.data.byteLength, this.#compression);
      if (tooLarge) this.#fail(request, tooLarge);
      else {
        request.type = wire.type;
        request.data = wire.data;
        request.id = NOT_SENT;
      }
      this.#pump(); // requests behind this one may be ready and waiting for it
    });
  }

  /** A snapshot of the socket's counters, with the current connection's transport figures. */
  stats(): ReqSocketStats {
    const snapshot: ReqSocketStats = {
      ...this.#stats,
      averageRttUs: this.#rtt.average,
      recentRttUs: this.#rtt.recent,
      failures: { ...this.#failures },
      connectionErrors: this.#inbound.faults.counts,
      ...(this.#dialer?.attemptStats() ?? { failedConnectAttempts: 0 }),
    };
    const transport = this.#session?.connection.stats?.();
    if (transport) snapshot.transport = transport;
    return snapshot;
  }

  /**
   * Closes the socket. Requests not yet sent fail at once with `socket_closed`; requests in flight get
   * up to `linger` ms (default 0) to receive their response, then fail with `socket_closed`.
   * Stops every timer, so the process can exit.
   */
  async close(options: { linger?: number } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const request of [...this.#waiting]) this.#fail(request, closedError());
    const linger = options.linger ?? 0;
    if (linger > 0 && this.#inFlight.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, linger);
        this.#onIdle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    for (const request of this.#inFlightInOrder()) this.#fail(request, closedError());
    this.#deadlines.clear();
    this.#dialer?.stop();
    this.#session?.writer.flush();
    this.#session?.connection.end();
    this.#detach(undefined);
    for (const waiter of this.#connectWaiters.splice(0)) waiter.reject(closedError());
    this.fire("closed", {});
  }

  /** Closes the socket (for `await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #attach(connection: Connection): void {
    const writer = new FrameWriter(connection, this.#writeBuffer);
    const decoder = new ReqRepDecoder({
      maxFrameSize: this.#compression.maxFrameSize,
      onFrame: (frame) => this.#onResponse(frame),
    });
    const inbound = this.#inbound.open(decoder, connection);
    const session: ReqSession = { connection, writer, inbound };
    this.#session = session;
    connection.setHandler({
      onData: (chunk) => {
        this.#stats.bytesRx += chunk.byteLength;
        inbound.push(chunk);
      },
      onDrain: () => {
        writer.handleDrain();
        this.#pump();
      },
      onEnd: () => {
        inbound.end(this.#closed);
        connection.end();
      },
      onClose: (error) => {
        inbound.closed(this.#closed);
        if (this.#session !== session) return;
        this.#detach(error);
        this.#dialer?.disconnected(error);
      },
    });
    this.fire("connected", { address: connection.remoteAddress });
    for (const waiter of this.#connectWaiters.splice(0)) waiter.resolve();
    this.#pump();
  }

  /** The connection is gone: requests in flight fail with connection_lost (or wait to be re-sent). */
  #detach(error: Error | undefined): void {
    const session = this.#session;
    if (!session) return;
    this.#session = undefined;
    session.writer.close();
    if (!this.#closed) this.fire("disconnected", { address: session.connection.remoteAddress, error });
    const lost = this.#inFlightInOrder();
    this.#inFlight.clear();
    const requeue: PendingRequest[] = [];
    for (const request of lost) {
      if (this.#resend && !request.resent && !this.#closed) {
        request.resent = true;
        requeue.push(request);
      } else {
        this.#settle(request);
        this.#count(ErrorCode.ConnectionLost);
        request.reject(
          msgError(
            ErrorCode.ConnectionLost,
            `connection lost before the response${error ? `: ${error.message}` : ""}`,
          ),
        );
      }
    }
    if (requeue.length > 0) {
      // Re-sent requests go first, in their original order.
      const rest = [...this.#waiting];
      this.#waiting.clear();
      for (const request of [...requeue, ...rest]) this.#waiting.add(request);
    }
    if (this.#inFlight.size === 0) this.#onIdle?.();
  }

  /** Moves waiting requests into flight while connected and the window has room. */
  #pump(): void {
    const session = this.#session;
    if (!session || session.writer.blocked || this.#waiting.size === 0) return;
    for (const request of this.#waiting) {
      if (this.#inFlight.size >= this.#maxPending) break;
      if (request.id === COMPRESSING) break; // keep order
      this.#waiting.delete(request);
      this.#send(session, request);
    }
  }

  /** True when a new request may go out at once, ahead of nothing. */
  #canSendNow(): boolean {
    const session = this.#session;
    return (
      session !== undefined &&
      !session.writer.blocked &&
      this.#waiting.size === 0 &&
      this.#inFlight.size < this.#maxPending
    );
  }

  /** Puts `request` on the wire; `now` is a `performance.now()` reading taken just before, if any. */
  #send(session: ReqSession, request: PendingRequest, now = performance.now()): void {
    let id = this.#nextId;
    // After 2^32 requests ids wrap: skip one still in flight (only with very long timeouts).
    while (this.#inFlight.has(id)) id = (id + 1) >>> 0;
    this.#nextId = (id + 1) >>> 0;
    request.id = id;
    request.sendSeq = this.#sends++;
    request.sentAt = now;
    this.#inFlight.add(request);
    session.writer.writeReqRep(request.type, id, request.data);
    this.#stats.bytesTx += REQREP_HEADER_SIZE + request.data.byteLength;
    this.#stats.requestsSent++;
  }

  #onResponse(frame: ReqRepFrame): void {
    let request = this.#inFlight.get(frame.id);
    // msg-rs's Rep answers PING with id 0 whatever the request's id: a PONG under id 0 belongs to the
    // oldest PING, unless request 0 is itself that PING.
    if (frame.id === 0 && !request?.ping && isPong(frame)) request = this.#oldestPing() ?? request;
    if (!request) {
      log.debug("response to an unknown request id dropped", { id: frame.id });
      this.fire("messageDropped", { reason: "unknown_request_id" });
      return;
    }
    this.#inFlight.delete(request);
    this.#settle(request);
    this.#rtt.add((performance.now() - request.sentAt) * 1000);
    this.#stats.responsesReceived++;
    if (frame.compression === CompressionType.None) request.resolve(frame.payload);
    else this.#resolveDecompressed(request, frame);
    this.#pump();
    if (this.#inFlight.size === 0) this.#onIdle?.();
  }

  /** Settles `request` with its compressed response's payload, or with the decompression error. */
  #resolveDecompressed(request: PendingRequest, frame: ReqRepFrame): void {
    try {
      const payload = decompress(frame.compression, frame.payload, this.#compression.maxDecompressedSize);
      if (payload instanceof Uint8Array) request.resolve(payload);
      else payload.then(request.resolve, (error) => this.#rejectDecompression(request, error));
    } catch (error) {
      this.#rejectDecompression(request, error);
    }
  }

  #rejectDecompression(request: PendingRequest, error: unknown): void {
    const failure = toMsgError(error, ErrorCode.DecompressionFailed);
    this.#count(failure.code);
    request.reject(failure);
  }

  #oldestPing(): PendingRequest | undefined {
    let oldest: PendingRequest | undefined;
    for (const request of this.#inFlight.values()) {
      if (request.ping && (oldest === undefined || request.sendSeq < oldest.sendSeq)) oldest = request;
    }
    return oldest;
  }

  /** The requests in flight, in the order they were sent. */
  #inFlightInOrder(): PendingRequest[] {
    return this.#inFlight.values().sort((a, b) => a.sendSeq - b.sendSeq);
  }

  /** Fails one request wherever it is (waiting or in flight). */
  #fail(request: PendingRequest, error: MsgError): void {
    if (!this.#waiting.delete(request) && !this.#inFlight.delete(request)) return;
    this.#settle(request);
    this.#count(error.code);
    request.reject(error);
    if (this.#inFlight.size === 0) this.#onIdle?.();
  }

  /** Stops listening to a request's abort signal (its deadline goes with it leaving the collections). */
  #settle(request: PendingRequest): void {
    if (request.onAbort) request.signal?.removeEventListener("abort", request.onAbort);
  }

  /** Every request not settled yet: waiting, then in flight (what the deadline timer watches). */
  *#unsettled(): Iterable<PendingRequest> {
    yield* this.#waiting;
    yield* this.#inFlight.values();
  }

  /** For a timeout: why nothing could be sent, when the socket is not connected ("" when it is). */
  #whyNotConnected(): string {
    if (this.#session) return "";
    if (!this.#dialer) return " (not connected: connect() was not called)";
    const { failedConnectAttempts, lastConnectError } = this.#dialer.attemptStats();
    if (failedConnectAttempts === 0 || !lastConnectError) return " (not connected yet)";
    const attempts = `${failedConnectAttempts} attempt${failedConnectAttempts === 1 ? "" : "s"}`;
    return ` (not connected: ${lastConnectError.message}, ${attempts})`;
  }

  #giveUp(address: string, error: MsgError): void {
    this.#fatal = error;
    this.fire("gaveUp", { address, error });
    for (const waiter of this.#connectWaiters.splice(0)) waiter.reject(error);
    for (const request of [...this.#waiting]) this.#fail(request, error);
  }

  #count(code: string): void {
    this.#failures[code] = (this.#failures[code] ?? 0) + 1;
  }
}
