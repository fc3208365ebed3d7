import {
  CompressionType,
  createLogger,
  ErrorCode,
  type MsgError,
  type PubSocketStats,
  type Transport,
  unrefTimer,
} from "@msg/core";
import { PUBSUB_FIXED_HEADER_SIZE, PubSubDecoder, type PubSubFrame, parseControlTopic } from "@msg/wire";
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
import { type SocketEvents, TypedEmitter } from "../events.js";
import { ServerCore, type ServerOptions, type ServerSession } from "../server-core.js";
import { TopicMatcher } from "../topic/index.js";
import { closedError, msgError } from "../util.js";
import { validatePubOptions } from "../validate-options.js";
import { PublishClock } from "./publish-clock.js";
import { type PublishedTopic, TopicCache } from "./topic-cache.js";

/** What `publish` does when a subscriber's queue is full. */
export type FullQueuePolicy = "drop" | "block";

export interface PubOptions extends ServerOptions, CompressionOptions {
  /**
   * Messages queued for one subscriber (not yet taken by the transport). Default 1024 (msg-rs's
   * high-water mark).
   */
  maxQueueMessages?: number;
  /** Bytes queued for one subscriber. Default 8 MiB. Publisher memory is bounded by this per subscriber. */
  maxQueueBytes?: number;
  /**
   * When a subscriber's queue is full: `drop` the message for that subscriber (counted per subscriber
   * and emitted as `messageDropped`; the others still get it), or `block`: `publish` waits until every
   * matching subscriber has room. Default `drop`.
   */
  whenFull?: FullQueuePolicy;
  /**
   * Distinct patterns one subscriber may hold. A subscriber asking for more is disconnected
   * (`peerError`, counted as `invalid_argument`). Default 10000.
   */
  maxSubscriptions?: number;
  /**
   * Publishes waiting at once (for room under `block`, or for an asynchronous codec) when the caller
   * does not await them. Beyond it `publish` rejects with `high_water_mark_reached`. Default 8192.
   */
  maxWaitingPublishes?: number;
}

export interface PubEvents extends SocketEvents {
  /** A subscriber's subscription changed (after it was applied). */
  subscribed: {
    /** The subscriber's address. */
    address: string;
    /** The pattern added. */
    pattern: string;
  };
  /** A subscriber's unsubscription was applied. */
  unsubscribed: {
    /** The subscriber's address. */
    address: string;
    /** The pattern removed. */
    pattern: string;
  };
}

/** Per-subscriber figures, for `subscribers()`. */
export interface SubscriberInfo {
  /** The subscriber's address. */
  address: string;
  /** Its subscriptions. */
  patterns: string[];
  /** Messages sent to this subscriber. */
  sent: number;
  /** Messages dropped for this subscriber (its queue was full); each left a gap in its seq numbers. */
  dropped: number;
  /** Messages waiting in its queue now. */
  queuedMessages: number;
  /** Bytes waiting in its queue now. */
  queuedBytes: number;
}

/** One subscriber connection. */
interface PubSession extends ServerSession {
  decoder: PubSubDecoder;
  matcher: TopicMatcher;
  /**
   * Messages offered to this subscriber so far, sent or dropped: the next one's seq (mod 2^32). A
   * message dropped here keeps its number, so the subscriber sees the loss as a jump.
   */
  seq: number;
  sent: number;
  dropped: number;
  /** `block` policy: publishers waiting for this session to have room. */
  roomWaiters: (() => void)[];
}

const log = createLogger("socket.pub");

/**
 * The publishing side of publish/subscribe. Binds; each subscriber gets its own session with its
 * subscriptions, a sequence number counting the messages offered to it (numbered before the decision
 * to send or drop, so a message dropped here is a gap the subscriber sees), and a queue bounded in
 * messages and bytes.
 *
 * ```ts
 * const pub = new PubSocket(new TcpTransport());
 * await pub.bind("127.0.0.1:0");
 * await pub.publish("prices.eu.btc", payload);
 * ```
 */
export class PubSocket extends TypedEmitter<PubEvents> {
  readonly #core: ServerCore<PubSession>;
  readonly #compression: ResolvedCompression;
  readonly #maxQueueMessages: number;
  readonly #maxQueueBytes: number;
  readonly #policy: FullQueuePolicy;
  readonly #maxSubscriptions: number;
  readonly #maxWaitingPublishes: number;
  #waitingPublishes = 0;
  readonly #clock = new PublishClock();
  readonly #topics = new TopicCache<PubSession>();
  /** Bumped by every subscription change, so a topic's cached route is recomputed (see `#targets`). */
  #subscriptionVersion = 0;
  #closed = false;
  /** `block` policy: the last publish still waiting, so later ones keep their order. */
  #blockedTail: Promise<void> | undefined;
  readonly #stats = { bytesTx: 0, messagesPublished: 0, droppedMessagesTotal: 0 };

  constructor(transport: Transport, options: PubOptions = {}) {
    super();
    validatePubOptions(options);
    this.#compression = resolveCompression(options);
    this.#maxQueueMessages = options.maxQueueMessages ?? 1024;
    this.#maxQueueBytes = options.maxQueueBytes ?? 8 * 1024 * 1024;
    this.#policy = options.whenFull ?? "drop";
    this.#maxSubscriptions = options.maxSubscriptions ?? 10_000;
    this.#maxWaitingPublishes = options.maxWaitingPublishes ?? 8192;
    this.#core = new ServerCore<PubSession>({
      transport,
      options,
      log,
      // PubEvents extends SocketEvents: the core only fires the shared ones.
      fire: (event, payload) => this.fire(event, payload as PubEvents[typeof event]),
      factory: {
        open: (base) => this.#open(base),
        decoder: (session) => session.decoder,
        drained: (session) => this.#wakeRoomWaiters(session),
        closed: (session) => {
          this.#topics.forgetRoutes();
          this.#wakeRoomWaiters(session);
        },
      },
    });
  }

  /** The bound address (with the real port), or undefined before `bind`. */
  get localAddress(): string | undefined {
    return this.#core.localAddress;
  }

  /** Subscribers connected now. */
  get subscriberCount(): number {
    return this.#core.sessions.length;
  }

  /** Starts listening; resolves with the actual address. */
  bind(address: string): Promise<string> {
    return this.#core.bind(address);
  }

  /** Sends a control message to the bound transport (e.g. a TLS certificate swap). */
  control(message: { type: string; [field: string]: unknown }): Promise<void> {
    return this.#core.control(message);
  }

  /**
   * Publishes `payload` on `topic` to every subscriber whose subscriptions match. The payload is
   * compressed once (above `minCompressSize`) and the same bytes go to every subscriber.
   *
   * Returns `undefined` when the message is already queued for every matching subscriber (the usual
   * case under the `drop` policy: nothing to wait for, nothing allocated), or a Promise when it has to
   * wait: for room under `block`, or for an asynchronous codec. `await pub.publish(...)` works either
   * way. Errors come as a rejected Promise: `invalid_state` before bind, `invalid_topic` for a reserved,
   * wildcard or oversized topic, `frame_too_large` for a payload over `maxFrameSize` (after
   * compression), `socket_closed` after close.
   */
  publish(topic: string, payload: Uint8Array | string): Promise<void> | undefined {
    const published = this.#publishable(topic);
    if (published instanceof Promise) return published;
    const data = toBytes(payload);
    const compress = compresses(this.#compression, data.byteLength);
    // Refused whether or not anyone subscribes, so the error does not depend on timing.
    const tooLarge = compress ? undefined : this.#oversize(data);
    if (tooLarge) return Promise.reject(tooLarge);
    this.#stats.messagesPublished++;
    if (this.#core.sessions.length === 0) return undefined; // no subscribers: a no-op, as in msg-rs
    if (!compress && !this.#blockedTail) return this.#track(this.#fanOut(published, 0, data));
    if (this.#waitingPublishes >= this.#maxWaitingPublishes) return this.#tooManyWaiting();
    // Compression may be asynchronous, and a publish must not overtake one still waiting.
    const prepared = compress ? prepareOutgoing(this.#compression, data, log) : { type: 0, data };
    return this.#track(this.#publishAfter(this.#blockedTail, published, prepared));
  }

  /**
   * The waiting half of `publish`: once `previous` (the publish before) has settled and the payload
   * is compressed, fan out. Kept out of `publish`: a closure there would cost a context allocation
   * on every call (see `#fanOutAfter`).
   */
  async #publishAfter(
    previous: Promise<void> | undefined,
    topic: PublishedTopic<PubSession>,
    prepared: WirePayload | Promise<WirePayload>,
  ): Promise<void> {
    await previous;
    const wire = await prepared;
    const compressedTooLarge = this.#oversize(wire.data);
    if (compressedTooLarge) throw compressedTooLarge;
    await this.#fanOut(topic, wire.type, wire.data);
  }

  /**
   * Publishes every payload on `topic`, in order: the same as calling `publish` for each, message by
   * message (each has its own seq; under `drop` each is dropped or sent on its own), with the checks
   * and the per-call work done once. The payloads are checked before any is sent: if one is too
   * large, none is published and the promise rejects with `frame_too_large`.
   *
   * The messages written at once (while no subscriber pushes back) carry the same timestamp.
   *
   * Returns `undefined` when every message is already queued, or a Promise when some had to wait (for
   * room under `block`, or for an asynchronous codec); it resolves once the last one is queued. While
   * it waits it counts towards `maxWaitingPublishes` (compressed payloads count one each).
   *
   * ```ts
   * await pub.publishMany("prices.eu.btc", [tick1, tick2, tick3]);
   * ```
   */
  publishMany(topic: string, payloads: readonly (Uint8Array | string)[]): Promise<void> | undefined {
    const published = this.#publishable(topic);
    if (published instanceof Promise) return published;
    const data = payloads.map(toBytes);
    let compressAny = false;
    for (const bytes of data) {
      const compress = compresses(this.#compression, bytes.byteLength);
      compressAny ||= compress;
      const tooLarge = compress ? undefined : this.#oversize(bytes);
      if (tooLarge) return Promise.reject(tooLarge);
    }
    if (compressAny) return this.#publishEach(topic, data);
    this.#stats.messagesPublished += data.length;
    if (this.#core.sessions.length === 0 || data.length === 0) return undefined;
    if (!this.#blockedTail) return this.#fanOutFrom(published, data, 0);
    if (this.#waitingPublishes >= this.#maxWaitingPublishes) return this.#tooManyWaiting();
    return this.#track(this.#fanOutAfter(this.#blockedTail, published, data, 0));
  }

  /** `frame_too_large` for a payload (as it goes on the wire) over `maxFrameSize`, else undefined. */
  #oversize(bytes: Uint8Array): MsgError | undefined {
    return oversizeError("message", bytes.byteLength, this.#compression);
  }

  /** The rejection of a publish that would exceed `maxWaitingPublishes`. */
  #tooManyWaiting(): Promise<never> {
    return Promise.reject(
      msgError(ErrorCode.HighWaterMarkReached, `${this.#maxWaitingPublishes} publishes already waiting`),
    );
  }

  /** The topic's cache entry, or the rejection of a publish that cannot happen (closed, not bound, bad topic). */
  #publishable(topic: string): PublishedTopic<PubSession> | Promise<never> {
    if (this.#closed) return Promise.reject(closedError());
    if (!this.#core.localAddress)
      return Promise.reject(msgError(ErrorCode.InvalidState, "publish before bind"));
    try {
      return this.#topics.get(topic);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** publishMany with compression: each message through `publish`, which keeps them in order. */
  #publishEach(topic: string, data: Uint8Array[]): Promise<void> | undefined {
    const waiting: Promise<void>[] = [];
    for (const bytes of data) {
      const published = this.publish(topic, bytes);
      if (published) waiting.push(published);
    }
    // Every promise is awaited, so none of their rejections goes unhandled.
    return waiting.length === 0 ? undefined : Promise.all(waiting).then(() => undefined);
  }

  /**
   * Writes `data[from..]` to the matching sessions, in order, until a message has to wait for room
   * (`block`); the rest then follows once it has it, behind it in the publish order.
   */
  #fanOutFrom(
    topic: PublishedTopic<PubSession>,
    data: Uint8Array[],
    from: number,
  ): Promise<void> | undefined {
    for (let i = this.#writeRun(topic, data, from); i < data.length; i++) {
      const waiting = this.#fanOut(topic, 0, data[i]!);
      if (waiting === undefined) continue;
      if (i === data.length - 1) return this.#track(waiting);
      return this.#track(this.#fanOutAfter(waiting, topic, data, i + 1));
    }
    return undefined;
  }

  /**
   * `#fanOutFrom(..., from)` once `previous` has settled. Kept apart from the loops above: a closure
   * there would make V8 allocate a context for their variables on every call, waiting or not.
   */
  async #fanOutAfter(
    previous: Promise<void>,
    topic: PublishedTopic<PubSession>,
    data: Uint8Array[],
    from: number,
  ): Promise<void> {
    await previous;
    await this.#fanOutFrom(topic, data, from);
  }

  /**
   * The fast part of {@link PubSocket.publishMany}: while no matching session's transport pushes
   * back, every session has room (see `#hasRoom`), so messages from `data[from]` on go straight into
   * the write batches, with the topic matched once per call instead of once per message. Returns the
   * index of the first message not written: at a session's first push-back, the rest goes through
   * `#fanOut` and its limits. The same order, seqs and counters as `#fanOut` message by message;
   * the messages of one run share one clock reading (they were handed over in one call).
   */
  #writeRun(topic: PublishedTopic<PubSession>, data: Uint8Array[], from: number): number {
    const topicBytes = topic.bytes;
    const targets = this.#targets(topic);
    for (const session of targets) if (!session.closed && session.writer.blocked) return from;
    const frameBytes = PUBSUB_FIXED_HEADER_SIZE + topicBytes.byteLength;
    const timestamp = this.#clock.now();
    if (targets.length === 1 && !targets[0]!.closed) {
      // One subscriber (the common case): the writer takes the whole run in one call.
      const session = targets[0]!;
      const end = session.writer.writePubSubRun(0, topicBytes, timestamp, session.seq, data, from);
      let bytes = 0;
      for (let k = from; k < end; k++) bytes += data[k]!.byteLength;
      session.seq = (session.seq + end - from) >>> 0;
      session.sent += end - from;
      this.#stats.bytesTx += (end - from) * frameBytes + bytes;
      return end;
    }
    let i = from;
    while (i < data.length) {
      const payload = data[i++]!;
      let blocked = false;
      for (let t = 0; t < targets.length; t++) {
        const session = targets[t]!;
        if (session.closed) continue;
        const seq = session.seq;
        session.seq = (seq + 1) >>> 0;
        session.writer.writePubSub(0, topicBytes, timestamp, seq, payload);
        session.sent++;
        this.#stats.bytesTx += frameBytes + payload.byteLength;
        blocked ||= session.writer.blocked;
      }
      if (blocked) break;
    }
    return i;
  }

  /** Remembers a publish still waiting, so later ones queue behind it and keep their order. */
  #track(waiting: Promise<void> | undefined): Promise<void> | undefined {
    if (waiting === undefined) return undefined;
    this.#waitingPublishes++;
    const tail: Promise<void> = waiting.finally(() => {
      this.#waitingPublishes--;
      if (this.#blockedTail === tail) this.#blockedTail = undefined;
    });
    tail.catch(() => {}); // the caller gets `waiting` and its rejection; the tail is bookkeeping
    this.#blockedTail = tail;
    return waiting;
  }

  /** Per-subscriber figures. */
  subscribers(): SubscriberInfo[] {
    return this.#core.sessions.map((s) => ({
      address: s.connection.remoteAddress,
      patterns: s.matcher.patterns(),
      sent: s.sent,
      dropped: s.dropped,
      queuedMessages: s.writer.queuedFrames,
      queuedBytes: s.writer.queuedBytes,
    }));
  }

  /** A snapshot of the socket's counters; per-subscriber figures are in {@link PubSocket.subscribers}. */
  stats(): PubSocketStats {
    return {
      ...this.#stats,
      activeClients: this.#core.sessions.length,
      connectionErrors: this.#core.connectionErrors,
    };
  }

  /**
   * Stops accepting, flushes what is queued within `linger` ms (default 0: hand queued data to the
   * transport and close), and closes every subscriber connection: resolves once they are closed
   * (a subscriber gets 1 s to close its side before its connection is destroyed).
   */
  async close(options: { linger?: number } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#core.stopAccepting();
    const deadline = Date.now() + (options.linger ?? 0);
    for (const session of this.#core.sessions) {
      session.writer.flush();
      while (!session.closed && session.writer.queuedBytes > 0 && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          session.roomWaiters.push(resolve);
          unrefTimer(setTimeout(resolve, deadline - Date.now()));
        });
      }
    }
    for (const session of this.#core.sessions) this.#wakeRoomWaiters(session);
    await this.#core.closeSessions();
    this.fire("closed", {});
  }

  /** Closes the socket (for `await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Writes the message to every matching session. Returns undefined, or (policy `block`) a promise
   * that resolves once the sessions that were full had room and got the message.
   */
  #fanOut(topic: PublishedTopic<PubSession>, type: number, data: Uint8Array): Promise<void> | undefined {
    const timestamp = this.#clock.now();
    const topicBytes = topic.bytes;
    let waits: Promise<void>[] | undefined;
    const targets = this.#targets(topic);
    for (let i = 0; i < targets.length; i++) {
      const session = targets[i]!;
      if (session.closed) continue;
      const seq = session.seq;
      session.seq = (seq + 1) >>> 0;
      if (this.#hasRoom(session, data.byteLength)) {
        this.#send(session, topicBytes, timestamp, seq, type, data);
      } else if (this.#policy === "block") {
        waits ??= [];
        waits.push(this.#sendWhenRoom(session, topicBytes, timestamp, seq, type, data));
      } else {
        this.#drop(session, topic.name);
      }
    }
    return waits === undefined ? undefined : Promise.all(waits).then(() => undefined);
  }

  /**
   * The sessions whose subscriptions match `topic` now. Matched once and kept with the topic while
   * the session list and every subscription stay as they were: a loop publishing on one topic does
   * not match it again per message and subscriber. Closed sessions may be in it; callers skip them.
   */
  #targets(topic: PublishedTopic<PubSession>): readonly PubSession[] {
    if (topic.routedFor === this.#core.sessions && topic.routedAtVersion === this.#subscriptionVersion) {
      return topic.targets;
    }
    // Kept out of this method: its closure over `topic` would cost a context allocation per call.
    return this.#route(topic);
  }

  /** Matches `topic` against every session now, and keeps the result with it (see `#targets`). */
  #route(topic: PublishedTopic<PubSession>): readonly PubSession[] {
    const sessions = this.#core.sessions;
    topic.targets = sessions.filter((session) => session.matcher.matches(topic.name));
    topic.routedFor = sessions;
    topic.routedAtVersion = this.#subscriptionVersion;
    return topic.targets;
  }

  #hasRoom(session: PubSession, bytes: number): boolean {
    const { writer } = session;
    // While the transport takes data, frames only pass through the write batch (itself bounded by
    // writeBufferSize); the queue limits apply to what piles up once the subscriber stops reading.
    if (!writer.blocked) return true;
    if (writer.queuedFrames >= this.#maxQueueMessages) return false;
    // An empty queue always takes one message, however large, so oversized messages are not stuck.
    return writer.queuedBytes === 0 || writer.queuedBytes + bytes <= this.#maxQueueBytes;
  }

  /** `#send` once the session has room (unless it closed meanwhile): the waiting half of `#fanOut`, kept out of it (see `#fanOutAfter`). */
  async #sendWhenRoom(
    session: PubSession,
    topic: Uint8Array,
    timestamp: number,
    seq: number,
    type: number,
    data: Uint8Array,
  ): Promise<void> {
    await this.#whenRoom(session, data.byteLength);
    if (!session.closed) this.#send(session, topic, timestamp, seq, type, data);
  }

  async #whenRoom(session: PubSession, bytes: number): Promise<void> {
    while (!session.closed && !this.#closed && !this.#hasRoom(session, bytes)) {
      await new Promise<void>((resolve) => session.roomWaiters.push(resolve));
    }
  }

  #send(
    session: PubSession,
    topic: Uint8Array,
    timestamp: number,
    seq: number,
    type: number,
    data: Uint8Array,
  ): void {
    session.writer.writePubSub(type, topic, timestamp, seq, data);
    session.sent++;
    this.#stats.bytesTx += PUBSUB_FIXED_HEADER_SIZE + topic.byteLength + data.byteLength;
  }

  #drop(session: PubSession, topic: string): void {
    session.dropped++;
    this.#stats.droppedMessagesTotal++;
    this.fire("messageDropped", {
      reason: "subscriber_queue_full",
      address: session.connection.remoteAddress,
    });
    if (session.dropped === 1 || session.dropped % 10_000 === 0) {
      log.warn("subscriber queue full; dropping", {
        address: session.connection.remoteAddress,
        topic,
        dropped: session.dropped,
      });
    }
  }

  #open(base: ServerSession): PubSession {
    const session: PubSession = {
      ...base,
      decoder: new PubSubDecoder({
        // Control frames carry only a topic: a subscriber has no reason to send large frames.
        maxFrameSize: Math.min(this.#compression.maxFrameSize, 64 * 1024),
        onFrame: (frame) => this.#onControl(session, frame),
      }),
      matcher: new TopicMatcher(),
      seq: 0,
      sent: 0,
      dropped: 0,
      roomWaiters: [],
    };
    return session;
  }

  #wakeRoomWaiters(session: PubSession): void {
    for (const wake of session.roomWaiters.splice(0)) wake();
  }

  /** A frame from a subscriber: subscribe/unsubscribe; anything else is ignored (docs/protocol.md, "Subscription control frames"). */
  #onControl(session: PubSession, frame: PubSubFrame): void {
    const control = parseControlTopic(frame.topic);
    if (!control) return;
    const address = session.connection.remoteAddress;
    if (frame.compression > CompressionType.Lz4) {
      // Not a frame msg-rs or this library sends: refused and counted; the connection stays.
      this.#core.countPeerError(ErrorCode.UnsupportedCompression);
      log.warn("ignored a subscription frame with an unknown compression id", {
        address,
        compression: frame.compression,
      });
      return;
    }
    this.#subscriptionVersion++; // every cached route is recomputed at its next use
    try {
      if (control.kind === "subscribe") {
        if (session.matcher.size >= this.#maxSubscriptions && !session.matcher.has(control.pattern)) {
          const error = msgError(
            ErrorCode.InvalidArgument,
            `subscriber exceeded maxSubscriptions (${this.#maxSubscriptions})`,
          );
          this.#core.dropPeer(session, error);
          return;
        }
        session.matcher.add(control.pattern);
        this.fire("subscribed", { address, pattern: control.pattern });
      } else {
        session.matcher.remove(control.pattern);
        this.fire("unsubscribed", { address, pattern: control.pattern });
      }
    } catch (error) {
      // An invalid pattern from a peer is its problem: log and ignore it, keep the connection.
      log.debug("ignored invalid subscription", { address, pattern: control.pattern, error });
    }
  }
}
