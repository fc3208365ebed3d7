import {
  type Connection,
  type ConnectionHook,
  ErrorCode,
  type Logger,
  type MsgError,
  type Transport,
  type TransportControl,
} from "@msg/core";
import { type AcceptOptions, Acceptor } from "./acceptor.js";
import type { SocketEvents } from "./events.js";
import { FrameWriter } from "./frame-writer.js";
import { closeGracefully, closeSignal } from "./graceful-close.js";
import { tokenListServerHook } from "./hooks/token.js";
import { type InboundDecoder, type InboundFrames, InboundGuard, type InboundOptions } from "./inbound.js";
import { resolveWriteBuffer, type WriteBufferOptions } from "./options.js";
import { closedError, msgError } from "./util.js";

/** Options every binding socket (Rep, Pub) shares. */
export interface ServerOptions extends AcceptOptions, WriteBufferOptions, InboundOptions {
  /** Runs on every accepted connection before the socket protocol (authentication, ...). Default none. */
  hook?: ConnectionHook;
  /** Shorthand for `hook: tokenListServerHook(authTokens)`: accept peers presenting any of these tokens. */
  authTokens?: Iterable<Uint8Array | string>;
}

/** What every server-side session has; Rep and Pub add their own fields. */
export interface ServerSession {
  readonly connection: Connection;
  readonly writer: FrameWriter;
  /** Set once the connection has closed. */
  closed: boolean;
  readonly whenClosed: Promise<void>;
}

/** How a socket turns an admitted connection into its session, and reads from it. */
export interface SessionFactory<S extends ServerSession> {
  /** Builds the session around the shared parts. */
  open(base: ServerSession): S;
  /** The session's frame decoder, which the core feeds (and whose bad input it handles). */
  decoder(session: S): InboundDecoder;
  /** Counts `bytes` received on the session, before they are decoded. */
  received?(session: S, bytes: number): void;
  /** Called when the session's writer has handed everything to a transport that had pushed back. */
  drained?(session: S): void;
  /** Called after the session's connection has closed and it left the session set. */
  closed?(session: S): void;
}

type Fire = <K extends keyof SocketEvents & string>(event: K, payload: SocketEvents[K]) => void;

/**
 * The connection management a binding socket (Rep, Pub) delegates to: bind and control, admission
 * through the Acceptor, one session per connection with its FrameWriter, the wiring of connection
 * events, the decoding of what peers send (see InboundFrames: bad input, truncation, the socket-wide
 * bound on incomplete frames), the counting of refused and misbehaving peers, and a close that waits until every
 * connection is released. The socket keeps only its protocol: what a session decodes and sends.
 */
export class ServerCore<S extends ServerSession> {
  readonly #acceptor: Acceptor;
  readonly #factory: SessionFactory<S>;
  readonly #writeBuffer: { size: number; lingerUs: number };
  readonly #fire: Fire;
  readonly #sessions = new Set<S>();
  /** The sessions as an array, for per-message loops (iterating a Set allocates an iterator). */
  #list: S[] = [];
  readonly #inbound = new Map<S, InboundFrames>();
  readonly #guard: InboundGuard;
  #localAddress: string | undefined;
  #closed = false;

  constructor(params: {
    transport: Transport;
    options: ServerOptions;
    factory: SessionFactory<S>;
    fire: Fire;
    log: Logger;
  }) {
    const { options } = params;
    this.#factory = params.factory;
    this.#fire = params.fire;
    this.#writeBuffer = resolveWriteBuffer(options);
    this.#guard = new InboundGuard(options, params.fire, params.log);
    const hook = options.hook ?? (options.authTokens ? tokenListServerHook(options.authTokens) : undefined);
    this.#acceptor = new Acceptor({
      transport: params.transport,
      hook,
      options,
      log: params.log,
      events: {
        connection: (connection) => this.#attach(connection),
        refused: (address, error) => this.#refused(address, error),
      },
    });
  }

  get localAddress(): string | undefined {
    return this.#localAddress;
  }

  /** Live sessions, as an array (do not modify). */
  get sessions(): readonly S[] {
    return this.#list;
  }

  get connectionErrors(): Record<string, number> {
    return this.#guard.faults.counts;
  }

  async bind(address: string): Promise<string> {
    if (this.#closed) throw closedError();
    if (this.#localAddress) throw msgError(ErrorCode.InvalidState, "the socket is already bound");
    const listener = await this.#acceptor.bind(address);
    this.#localAddress = listener.localAddress;
    this.#fire("listening", { address: listener.localAddress });
    return listener.localAddress;
  }

  async control(message: TransportControl): Promise<void> {
    const listener = this.#acceptor.listener;
    if (!listener) throw msgError(ErrorCode.InvalidState, "bind before sending transport control messages");
    await listener.control(message);
  }

  /** Closes a misbehaving peer's connection, counting and reporting why. */
  dropPeer(session: S, error: MsgError): void {
    const inbound = this.#inbound.get(session);
    if (inbound) inbound.fail(error);
    else this.#guard.faults.drop(session.connection, error);
  }

  /** Counts a peer's bad input that did not cost it its connection (a refused control frame). */
  countPeerError(code: string): void {
    this.#guard.faults.count(code);
  }

  /** Refuses new connections from now on and stops listening. */
  async stopAccepting(): Promise<void> {
    this.#closed = true;
    await this.#acceptor.close();
  }

  /** Flushes, ends and waits for every connection (see closeGracefully). */
  async closeSessions(): Promise<void> {
    await Promise.all(this.#list.map((s) => closeGracefully(s.connection, s.writer, s.whenClosed)));
  }

  #attach(connection: Connection): void {
    if (this.#closed) {
      this.#acceptor.release();
      connection.destroy();
      return;
    }
    const { closed, markClosed } = closeSignal();
    const factory = this.#factory;
    const session: S = factory.open({
      connection,
      writer: new FrameWriter(connection, this.#writeBuffer, () => factory.drained?.(session)),
      closed: false,
      whenClosed: closed,
    });
    this.#sessions.add(session);
    this.#list = [...this.#sessions];
    const inbound = this.#guard.open(factory.decoder(session), connection);
    this.#inbound.set(session, inbound);
    connection.setHandler({
      onData: (chunk) => {
        factory.received?.(session, chunk.byteLength);
        inbound.push(chunk);
      },
      onDrain: () => session.writer.handleDrain(),
      onEnd: () => {
        inbound.end(this.#closed);
        session.writer.flush();
        connection.end();
      },
      onClose: (error) => {
        inbound.closed(this.#closed);
        this.#inbound.delete(session);
        session.closed = true;
        session.writer.close();
        this.#sessions.delete(session);
        this.#list = [...this.#sessions];
        this.#acceptor.release();
        markClosed();
        this.#factory.closed?.(session);
        if (!this.#closed) this.#fire("disconnected", { address: connection.remoteAddress, error });
      },
    });
    this.#fire("connected", { address: connection.remoteAddress });
  }

  #refused(address: string, error: MsgError): void {
    this.#guard.faults.count(error.code);
    if (error.code === ErrorCode.AuthRejected) this.#fire("authRejected", { address });
    else if (error.code === ErrorCode.HookFailed) this.#fire("hookFailed", { address, error });
    else this.#fire("peerError", { address, error });
  }
}
