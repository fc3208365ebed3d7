import {
  CompressionType,
  type ConnectAttemptStats,
  type Connection,
  type ConnectionHook,
  concatBytes,
  createLogger,
  ErrorCode,
  formatHostPort,
  type MsgError,
  nowMicros,
  type PublisherStats,
  parseHostPort,
  type SubSocketStats,
  type Transport,
  toMsgError,
} from "@msg/core";
import {
  decompress,
  encodeSubscribe,
  encodeUnsubscribe,
  type PubSubFrameView,
  PubSubViewDecoder,
} from "@msg/wire";
import { AsyncQueue } from "../async-queue.js";
import { type CompressionOptions, type ResolvedCompression, resolveCompression } from "../compression.js";
import { Dialer, type ReconnectOptions } from "../dialer.js";
import { type SocketEvents, TypedEmitter } from "../events.js";
import { tokenClientHook } from "../hooks/token.js";
import { InboundGuard, type InboundOptions } from "../inbound.js";
import { validatePattern } from "../topic/index.js";
import { closedError, msgError } from "../util.js";
import { validateSubOptions } from "../validate-options.js";
import type { FullQueuePolicy } from "./pub-socket.js";
import { SubscriptionWriter } from "./subscription-writer.js";

export interface SubOptions extends ReconnectOptions, CompressionOptions, InboundOptions {
  /**
   * Messages received but not yet taken by the application's loop. When full, `whenFull` applies.
   * Default 8192 (as msg-rs).
   */
  ingressQueueSize?: number;
  /**
   * When the ingress queue is full: `drop` new messages (counted in `droppedMessagesTotal`, emitted as
   * `messageDropped`; as msg-rs), or `block`: stop reading from every publisher until the loop has
   * taken some, so the network pushes back and each publisher's own `whenFull` decides (with `block`
   * there too, nothing is lost end to end). Under `block` the queue may exceed its size by the
   * messages of the read that filled it. Default `drop`.
   */
  whenFull?: FullQueuePolicy;
  /** Runs after every connect and reconnect, before subscriptions are sent. Default none. */
  hook?: ConnectionHook;
  /** Shorthand for `hook: tokenClientHook(authToken)`. */
  authToken?: Uint8Array | string;
}

/** One received message. */
export interface SubMessage {
  /** The topic it was published on. */
  topic: string;
  /** The payload, decompressed. */
  payload: Uint8Array;
  /** The address of the publisher it came from, as given to `connect`. */
  publisher: string;
  /** The publisher's per-connection sequence number; a jump means messages were lost. */
  seq: number;
  /** When the publisher built the frame, in microseconds since the UNIX epoch. */
  timestamp: number;
}

/** The events of a Sub socket: the shared {@link SocketEvents}. */
export type SubEvents = SocketEvents;

/** One publisher this socket dials. */
interface Upstream {
  address: string;
  dialer: Dialer;
  connection: Connection | undefined;
  /** Sends subscription changes on `connection`, respecting its backpressure. */
  subscriptions: SubscriptionWriter | undefined;
  /** The seq expected next on the current connection (undefined before the first message). */
  expectedSeq: number | undefined;
  /** Its counters; the connect-attempt figures come from the dialer. */
  stats: Omit<PublisherStats, keyof ConnectAttemptStats>;
  latencySamples: number;
  /** Keeps messages of this publisher in order when some decompress asynchronously. */
  chain: Promise<void> | undefined;
  /** Messages in that chain (decompressing, or waiting behind one that is). */
  chained: number;
  /** Reading paused because `chained` reached its limit. */
  chainPaused: boolean;
}

const log = createLogger("socket.sub");

/** Messages of one publisher decompressing asynchronously (zstd) at once before reading pauses. */
const MAX_CHAINED = 64;

/** One message in this many feeds the average latency (a power of two). */
const LATENCY_SAMPLE_EVERY = 16;

/**
 * The subscribing side of publish/subscribe. Connects to any number of publishers (fan-in); the
 * subscriptions apply to all of them, present and future, and are sent again after every reconnect.
 *
 * ```ts
 * const sub = new SubSocket(new TcpTransport());
 * sub.connect("127.0.0.1:4000");
 * await sub.subscribe("prices.>");
 * for await (const message of sub) console.log(message.topic, message.seq);
 * ```
 */
export class SubSocket extends TypedEmitter<SubEvents> implements AsyncIterable<SubMessage> {
  readonly #transport: Transport;
  readonly #options: SubOptions;
  readonly #hook: ConnectionHook | undefined;
  readonly #compression: ResolvedCompression;
  readonly #queue: AsyncQueue<SubMessage>;
  readonly #policy: FullQueuePolicy;
  /** `block` policy: reading from every publisher is paused because the ingress queue is full. */
  #readingPaused = false;
  readonly #upstreams = new Map<string, Upstream>();
  readonly #patterns = new Set<string>();
  #closed = false;
  readonly #stats = { messagesReceivedTotal: 0, droppedMessagesTotal: 0, bytesRx: 0 };
  readonly #inbound: InboundGuard;

  constructor(transport: Transport, options: SubOptions = {}) {
    super();
    validateSubOptions(options);
    this.#inbound = new InboundGuard(options, (event, payload) => this.fire(event, payload), log);
    this.#transport = transport;
    this.#options = options;
    this.#hook =
      options.hook ?? (options.authToken !== undefined ? tokenClientHook(options.authToken) : undefined);
    this.#compression = resolveCompression(options);
    this.#policy = options.whenFull ?? "drop";
    this.#queue = new AsyncQueue(options.ingressQueueSize ?? 8192, () => this.#resumeReading());
  }

  /** The subscribed patterns. */
  get subscriptions(): string[] {
    return [...this.#patterns];
  }

  /**
   * Adds a publisher and connects to it in the background (first attempt immediate, then backoff).
   * Resolves once connected, rejects if this publisher is given up on; awaiting it is optional.
   * `0.0.0.0` and `::` are dialled as localhost, as msg-rs does.
   */
  connect(address: string): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    const target = dialable(address);
    if (this.#upstreams.has(target)) {
      return Promise.reject(msgError(ErrorCode.InvalidState, `already connected to ${target}`));
    }
    let settle!: { resolve(): void; reject(error: MsgError): void };
    const ready = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    ready.catch(() => {}); // optional to await
    const upstream: Upstream = {
      address: target,
      connection: undefined,
      subscriptions: undefined,
      expectedSeq: undefined,
      stats: { bytesRx: 0, messagesReceived: 0, averageLatencyUs: 0, seqGaps: 0, missing: 0 },
      latencySamples: 0,
      chain: undefined,
      chained: 0,
      chainPaused: false,
      dialer: new Dialer({
        transport: this.#transport,
        address: target,
        hook: this.#hook,
        options: this.#options,
        log,
        events: {
          connected: (connection) => {
            this.#attach(upstream, connection);
            settle.resolve();
          },
          reconnectScheduled: (delayMs, attempt, error) =>
            this.fire("reconnectScheduled", { address: target, delayMs, attempt, error }),
          hookFailed: (error) => this.fire("hookFailed", { address: target, error }),
          authRejected: () => this.fire("authRejected", { address: target }),
          gaveUp: (error) => {
            this.fire("gaveUp", { address: target, error });
            settle.reject(error);
          },
        },
      }),
    };
    this.#upstreams.set(target, upstream);
    upstream.dialer.start();
    return ready;
  }

  /** Stops receiving from one publisher and forgets it. */
  async disconnect(address: string): Promise<void> {
    const target = dialable(address);
    const upstream = this.#upstreams.get(target);
    if (!upstream) throw msgError(ErrorCode.InvalidArgument, `not connected to ${target}`);
    this.#upstreams.delete(target);
    upstream.dialer.stop();
  }

  /**
   * Subscribes to a pattern (NATS syntax: `.` separated tokens, `*` one token, `>` the rest) on every
   * publisher, now and after every (re)connect. Subscribing twice is the same as once.
   *
   * Resolves once the subscription has been handed to the transport of every publisher connected at
   * the time of the call (at once when none is: each gets it when it connects). While a publisher's
   * connection pushes back, that waits for it to drain, or to close. It does not mean the publisher has
   * applied it (the protocol has no acknowledgement; the Pub fires `subscribed` when it has), so a
   * message published right after may still miss it.
   * Rejects with `invalid_topic` for a reserved (`MSG...`) or oversized pattern, `socket_closed` after close.
   */
  async subscribe(pattern: string): Promise<void> {
    if (this.#closed) throw closedError();
    validatePattern(pattern);
    this.#patterns.add(pattern);
    await this.#broadcast(pattern, encodeSubscribe(pattern));
  }

  /** Removes a subscription from every publisher; resolves as `subscribe` does. */
  async unsubscribe(pattern: string): Promise<void> {
    if (this.#closed) throw closedError();
    validatePattern(pattern);
    this.#patterns.delete(pattern);
    await this.#broadcast(pattern, encodeUnsubscribe(pattern));
  }

  /** Iterates over incoming messages with `for await`; ends when the socket closes. */
  [Symbol.asyncIterator](): AsyncIterator<SubMessage> {
    return this.#queue[Symbol.asyncIterator]();
  }

  /**
   * The incoming messages in batches: each batch is every message received and not yet taken (at most
   * `maxMessages`, default the `ingressQueueSize`), in order, and never empty. It waits for at least
   * one message, then takes all that arrived in the same turn. One promise per batch rather than
   * one per message: the fast way to receive many small messages. Ends when the socket closes.
   *
   * ```ts
   * for await (const batch of sub.batches()) for (const message of batch) handle(message);
   * ```
   */
  batches(options: { maxMessages?: number } = {}): AsyncIterable<SubMessage[]> {
    const max = options.maxMessages ?? this.#queue.capacity;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw msgError(ErrorCode.InvalidArgument, `maxMessages must be a whole number >= 1, got ${max}`);
    }
    return this.#queue.batches(max);
  }

  /** The incoming messages (the socket itself is iterable too). */
  messages(): AsyncIterable<SubMessage> {
    return this.#queue;
  }

  /** A snapshot of the socket's counters, with per-publisher figures. */
  stats(): SubSocketStats {
    const publishers: Record<string, PublisherStats> = {};
    for (const upstream of this.#upstreams.values()) {
      publishers[upstream.address] = { ...upstream.stats, ...upstream.dialer.attemptStats() };
    }
    return { ...this.#stats, publishers, connectionErrors: this.#inbound.faults.counts };
  }

  /** Disconnects from every publisher and ends iteration. Stops every timer. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const upstream of this.#upstreams.values()) upstream.dialer.stop();
    this.#upstreams.clear();
    this.#queue.end();
    this.fire("closed", {});
  }

  /** Closes the socket (for `await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #broadcast(pattern: string, frame: Uint8Array): Promise<unknown> {
    const sends: Promise<void>[] = [];
    for (const upstream of this.#upstreams.values()) {
      if (upstream.subscriptions) sends.push(upstream.subscriptions.send(pattern, frame));
    }
    return Promise.all(sends);
  }

  #attach(upstream: Upstream, connection: Connection): void {
    upstream.connection = connection;
    // Subscriptions go first, on every (re)connect: one write for all of them.
    const initial =
      this.#patterns.size > 0
        ? concatBytes([...this.#patterns].map((pattern) => encodeSubscribe(pattern)))
        : undefined;
    const subscriptions = new SubscriptionWriter(connection, initial);
    upstream.subscriptions = subscriptions;
    upstream.expectedSeq = undefined; // a new connection numbers from 0 again
    upstream.chain = undefined;
    upstream.chained = 0;
    upstream.chainPaused = false;
    const decoder = new PubSubViewDecoder({
      maxFrameSize: this.#compression.maxFrameSize,
      onFrame: (frame) => this.#onMessage(upstream, frame),
    });
    const inbound = this.#inbound.open(decoder, connection, upstream.address);
    connection.setHandler({
      onData: (chunk) => {
        this.#stats.bytesRx += chunk.byteLength;
        upstream.stats.bytesRx += chunk.byteLength;
        inbound.push(chunk);
      },
      onEnd: () => {
        inbound.end(this.#closed);
        connection.end();
      },
      onDrain: () => subscriptions.drained(),
      onClose: (error) => {
        subscriptions.closed();
        // A publisher this socket stopped dialling (close, disconnect) was cut off by us.
        inbound.closed(this.#closed || this.#upstreams.get(upstream.address) !== upstream);
        if (upstream.connection !== connection) return;
        upstream.connection = undefined;
        upstream.subscriptions = undefined;
        if (!this.#closed) this.fire("disconnected", { address: upstream.address, error });
        upstream.dialer.disconnected(error);
      },
    });
    if (this.#readingPaused) connection.pause();
    this.fire("connected", { address: upstream.address });
  }

  #onMessage(upstream: Upstream, frame: PubSubFrameView): void {
    this.#trackSeq(upstream, frame.seq);
    const { topic, seq, timestampUs } = frame; // the view is refilled by the next frame
    if (frame.compression === CompressionType.None && upstream.chain === undefined) {
      this.#deliver(upstream, topic, seq, timestampUs, frame.payload);
      return;
    }
    let payload: Uint8Array | Promise<Uint8Array>;
    try {
      payload = decompress(frame.compression, frame.payload, this.#compression.maxDecompressedSize);
    } catch (error) {
      this.#undecodable(upstream, error);
      return;
    }
    if (payload instanceof Uint8Array && upstream.chain === undefined) {
      this.#deliver(upstream, topic, seq, timestampUs, payload);
      return;
    }
    this.#deliverInOrder(upstream, topic, seq, timestampUs, payload);
  }

  /**
   * Asynchronous codec: deliver in arrival order behind earlier messages of this publisher. What
   * waits in the chain is bounded: at MAX_CHAINED messages, reading from this publisher pauses. Kept
   * out of `#onMessage`: its closures would cost that hot path a context allocation per message.
   */
  #deliverInOrder(
    upstream: Upstream,
    topic: string,
    seq: number,
    timestampUs: number,
    payload: Uint8Array | Promise<Uint8Array>,
  ): void {
    const connection = upstream.connection;
    if (++upstream.chained >= MAX_CHAINED && !upstream.chainPaused) {
      upstream.chainPaused = true;
      connection?.pause();
    }
    const previous = upstream.chain ?? Promise.resolve();
    const chain = previous
      .then(() => payload)
      .then(
        (bytes) => this.#deliver(upstream, topic, seq, timestampUs, bytes),
        (error) => this.#undecodable(upstream, error),
      )
      .finally(() => {
        if (upstream.chain === chain) upstream.chain = undefined;
        if (--upstream.chained <= MAX_CHAINED / 2 && upstream.chainPaused) {
          upstream.chainPaused = false;
          if (upstream.connection === connection && !this.#readingPaused) connection?.resume();
        }
      });
    upstream.chain = chain;
  }

  #deliver(upstream: Upstream, topic: string, seq: number, timestamp: number, payload: Uint8Array): void {
    if (this.#closed) return;
    const stats = upstream.stats;
    stats.messagesReceived++;
    this.#stats.messagesReceivedTotal++;
    // The average latency is sampled (1 message in 16, the first always): a clock read per message
    // was 7% of receiving a small one.
    if ((stats.messagesReceived & (LATENCY_SAMPLE_EVERY - 1)) === 1) {
      upstream.latencySamples++;
      stats.averageLatencyUs += (nowMicros() - timestamp - stats.averageLatencyUs) / upstream.latencySamples;
    }
    const message: SubMessage = { topic, payload, publisher: upstream.address, seq, timestamp };
    if (this.#policy === "block") {
      this.#queue.pushOverLimit(message);
      if (this.#queue.full) this.#pauseReading();
      return;
    }
    if (!this.#queue.push(message)) {
      this.#stats.droppedMessagesTotal++;
      this.fire("messageDropped", { reason: "ingress_queue_full", address: upstream.address });
    }
  }

  /** `block` policy: the ingress queue is full; stop reading from every publisher. */
  #pauseReading(): void {
    if (this.#readingPaused) return;
    this.#readingPaused = true;
    for (const upstream of this.#upstreams.values()) upstream.connection?.pause();
  }

  /** The loop took messages from a full queue: read again once it is below its size. */
  #resumeReading(): void {
    if (!this.#readingPaused || this.#queue.full) return;
    this.#readingPaused = false;
    for (const upstream of this.#upstreams.values()) {
      if (!upstream.chainPaused) upstream.connection?.resume();
    }
  }

  #trackSeq(upstream: Upstream, seq: number): void {
    if (upstream.expectedSeq !== undefined && seq !== upstream.expectedSeq) {
      upstream.stats.seqGaps++;
      upstream.stats.missing += (seq - upstream.expectedSeq) >>> 0;
    }
    upstream.expectedSeq = (seq + 1) >>> 0;
  }

  #undecodable(upstream: Upstream, error: unknown): void {
    const failure = toMsgError(error, ErrorCode.DecompressionFailed);
    this.#stats.droppedMessagesTotal++;
    log.warn("message dropped: payload does not decompress", {
      address: upstream.address,
      error: failure.message,
    });
    this.fire("messageDropped", { reason: failure.code, address: upstream.address, error: failure });
  }
}

/** msg-rs dials `0.0.0.0`/`::` targets as localhost; so does this. Other addresses pass unchanged. */
function dialable(address: string): string {
  try {
    const { host, port } = parseHostPort(address);
    if (host === "0.0.0.0") return formatHostPort("127.0.0.1", port);
    if (host === "::") return formatHostPort("::1", port);
  } catch {
    // not host:port (an IPC path): use as is
  }
  return address;
}
