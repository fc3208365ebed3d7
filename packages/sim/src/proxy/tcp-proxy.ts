import { connect, createServer, type Server, type Socket } from "node:net";
import { createLogger, ErrorCode, MsgError, parseHostPort } from "@msg/core";
import { adoptAccepted } from "@msg/core/node";
import { Prng, realScheduler, type Scheduler, type StreamFaults, StreamLink } from "../engine/index.js";
import { listenOn } from "./listen.js";
import type { DirectionConfig, DirectionTotals, ProxyOptions } from "./path.js";
import { ProxyBase } from "./proxy-base.js";
import { ReadBudget, ReadBuffer } from "./read-buffer.js";

const log = createLogger("sim.proxy.tcp");

export interface TcpProxyOptions extends ProxyOptions {
  /** Give up connecting upstream after this long; the client is then closed and counted. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Most connections open at once; beyond it new clients are closed at once and counted. Default 1024. */
  maxConnections?: number;
  /**
   * The most a socket of the proxy reads at once. Each of a connection's two sockets reads into one
   * buffer of its own, reused read after read: 64 KiB at first, doubled each time a read fills it (a
   * bulk transfer), up to this size. Fewer, larger reads and writes are what make a bulk transfer
   * cheap to relay. Default 1 MiB.
   */
  maxReadBytes?: number;
  /**
   * How far all read buffers together may grow beyond their first 64 KiB each; when it is spent, a
   * buffer keeps its size until other connections close. So the proxy holds at most
   * 2 × 64 KiB × connections + this in read buffers. Default 64 MiB.
   */
  readBufferGrowthBytes?: number;
}

/** Counters of a TCP proxy since it was created (they survive stop/start). */
export interface TcpProxyStats {
  /** Client connections accepted. */
  accepted: number;
  /** Connections open now. */
  active: number;
  /** Clients closed at once because `maxConnections` were open. */
  refused: number;
  /** Clients closed because the upstream could not be reached. */
  upstreamFailed: number;
  /** Connections a stream fault closed or reset (timeout, reset_peer, limit_data). */
  faultClosed: number;
  /** Bytes by which the open connections' read buffers have grown beyond 64 KiB each. */
  readBufferGrowth: number;
  /** Client → upstream. */
  up: DirectionTotals;
  /** Upstream → client. */
  down: DirectionTotals;
}

/**
 * A TCP proxy that passes each client connection to the upstream through two {@link StreamLink}s, one
 * per direction, so the engine's stream semantics apply: loss and corruption become retransmission
 * delay, order is kept, and a full link pauses the socket it reads from (backpressure, not buffering).
 * The memory one connection holds is bounded by its links' queues plus one socket write buffer each way.
 */
export class TcpProxy extends ProxyBase<TcpProxyOptions> {
  readonly #connections = new Map<number, ProxiedConnection>();
  #server: Server | undefined;
  readonly #counts = { accepted: 0, refused: 0, upstreamFailed: 0, faultClosed: 0 };
  readonly #readBudget = new ReadBudget(this.options.readBufferGrowthBytes ?? 64 * 1024 * 1024);

  override get listening(): boolean {
    return this.#server !== undefined;
  }

  /** Starts listening; resolves with the bound address. Rejects with MsgError `bind_failed`. */
  async start(): Promise<string> {
    if (this.#server) return this.boundAddress!;
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
    server.on("connection", (client) => this.#accept(client));
    // After a stop, listen again where the proxy was (port 0 picked a port once; clients kept it).
    const address = await listenOn(server, this.boundAddress ?? this.options.listen);
    server.on("error", (error) => log.warn("listener error", { address, error }));
    this.#server = server;
    this.boundAddress = address;
    return this.boundAddress;
  }

  /** Stops listening and closes every open connection (toxiproxy's "down"); start() listens again. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    const closing = [...this.#connections.values()].map((connection) => connection.destroy());
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all(closing);
  }

  /** Asks the policy again for every open connection and applies the answer to its links at once. */
  reconfigure(): void {
    for (const connection of this.#connections.values()) {
      connection.configure(this.policyFor(connection.id));
    }
  }

  stats(): TcpProxyStats {
    const live = [...this.#connections.values()];
    return {
      ...this.#counts,
      active: live.length,
      readBufferGrowth: this.#readBudget.held,
      ...this.totals.read(
        live.flatMap((c) => c.linkStats("up")),
        live.flatMap((c) => c.linkStats("down")),
      ),
    };
  }

  #accept(accepted: Socket): void {
    this.#counts.accepted++;
    accepted.on("error", (error) => log.debug("client error before pairing", { error }));
    if (this.#connections.size >= (this.options.maxConnections ?? 1024)) {
      this.#counts.refused++;
      accepted.destroy();
      return;
    }
    const id = this.nextConnectionId();
    const { host, port } = parseHostPort(this.options.upstream);
    const maxReadBytes = this.options.maxReadBytes ?? 1024 * 1024;
    // Both sockets read into reused buffers of ours and hand each read to its pipe directly, without
    // a stream's per-chunk machinery (net's `onread`; see adoptAccepted for the accepted side).
    const upstreamReads = new ReadBuffer(maxReadBytes, this.#readBudget);
    const upstream = connect({
      host,
      port,
      allowHalfOpen: true,
      onread: upstreamReads.onread((chunk) => connection.fromUpstream(chunk)),
    });
    const clientReads = new ReadBuffer(maxReadBytes, this.#readBudget);
    const adoption = adoptAccepted(accepted, {
      allowHalfOpen: true,
      onread: clientReads.onread((chunk) => connection.fromClient(chunk)),
    });
    const client = adoption.socket;
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    const connection: ProxiedConnection = new ProxiedConnection(id, client, adoption.adopted, upstream, {
      seed: this.options.seed ?? 0,
      label: this.options.label ?? "",
      scheduler: this.options.scheduler ?? realScheduler,
      onFault: () => this.#counts.faultClosed++,
    });
    this.#connections.set(id, connection);
    const timer = setTimeout(
      () => upstream.destroy(new Error("connect timeout")),
      this.options.connectTimeoutMs ?? 10_000,
    );
    upstream.once("connect", () => {
      clearTimeout(timer);
      connection.pair(this.policyFor(id));
    });
    upstream.once("error", (error) => {
      clearTimeout(timer);
      if (!connection.paired) {
        this.#counts.upstreamFailed++;
        log.debug("upstream unreachable", { upstream: this.options.upstream, error });
      }
    });
    void connection.closed.then(() => {
      upstreamReads.release();
      clientReads.release();
      this.#connections.delete(id);
      this.totals.retire(connection.linkStats("up"), connection.linkStats("down"));
      this.options.policy?.forget?.(id);
    });
  }
}

interface ConnectionContext {
  seed: number;
  label: string;
  scheduler: Scheduler;
  onFault(): void;
}

/** One client paired with its upstream connection. */
class ProxiedConnection {
  readonly id: number;
  readonly closed: Promise<void>;
  readonly #client: Socket;
  /** The client socket hands its reads to fromClient (onread) rather than emitting `data`. */
  readonly #clientReadsOwnBuffer: boolean;
  readonly #upstream: Socket;
  readonly #context: ConnectionContext;
  #up: Pipe | undefined;
  #down: Pipe | undefined;
  #faulted = false;

  constructor(
    id: number,
    client: Socket,
    clientReadsOwnBuffer: boolean,
    upstream: Socket,
    context: ConnectionContext,
  ) {
    this.id = id;
    this.#client = client;
    this.#clientReadsOwnBuffer = clientReadsOwnBuffer;
    this.#upstream = upstream;
    this.#context = context;
    // A socket that fails takes its partner down with it; one that merely closed lets the partner
    // finish delivering what its link still holds (half-close).
    const bothClosed = [client, upstream].map(
      (socket, index) =>
        new Promise<void>((resolve) => {
          const partner = index === 0 ? upstream : client;
          socket.on("error", (error) => log.debug("proxied socket error", { error }));
          socket.once("close", (hadError) => {
            if (!this.paired) partner.destroy();
            else if (hadError) this.#abort(partner);
            resolve();
          });
        }),
    );
    this.closed = Promise.all(bothClosed).then(() => {
      this.#up?.link.destroy();
      this.#down?.link.destroy();
    });
  }

  get paired(): boolean {
    return this.#up !== undefined;
  }

  /** The upstream answered: start both directions with `path`. */
  pair(path: { up: DirectionConfig; down: DirectionConfig }): void {
    const { seed, label, scheduler } = this.#context;
    const fault = (error: Error, reset: boolean) => this.#fault(error, reset);
    this.#up = new Pipe(this.#client, this.#upstream, path.up, {
      prng: Prng.derive(seed, "tcp", label, String(this.id), "up"),
      scheduler,
      fault,
    });
    this.#down = new Pipe(this.#upstream, this.#client, path.down, {
      prng: Prng.derive(seed, "tcp", label, String(this.id), "down"),
      scheduler,
      fault,
    });
    const up = this.#up;
    if (!this.#clientReadsOwnBuffer) this.#client.on("data", (chunk: Buffer) => up.take(chunk, false));
  }

  /**
   * One read of the client socket, a view of its reused read buffer. Returns true when the bytes are
   * still referenced afterwards, so the buffer must not be read into again.
   */
  fromClient(chunk: Buffer): boolean {
    // The client stays paused until pair() resumes it: the pipe exists.
    return this.#up!.take(chunk, true);
  }

  /** One read of the upstream socket; as {@link fromClient}. */
  fromUpstream(chunk: Buffer): boolean {
    // Reading starts after "connect", and pair() runs in the "connect" listener: the pipe exists.
    return this.#down!.take(chunk, true);
  }

  configure(path: { up: DirectionConfig; down: DirectionConfig }): void {
    this.#up?.configure(path.up);
    this.#down?.configure(path.down);
  }

  linkStats(direction: "up" | "down") {
    const pipe = direction === "up" ? this.#up : this.#down;
    return pipe ? [pipe.link.stats] : [];
  }

  /** Closes both sockets at once; resolves when both have closed. */
  destroy(): Promise<void> {
    this.#client.destroy();
    this.#upstream.destroy();
    return this.closed;
  }

  /**
   * A link gave up on the connection. As toxiproxy: `reset_peer` resets both sockets (RST); a
   * `limit_data` or `timeout` close, or a link that ran out of retransmissions, closes both gracefully,
   * after what was already delivered has been flushed.
   */
  #fault(error: Error, reset: boolean): void {
    if (this.#faulted) return;
    this.#faulted = true;
    this.#context.onFault();
    log.debug("stream fault closed a connection", { id: this.id, error });
    this.#up?.link.destroy();
    this.#down?.link.destroy();
    for (const socket of [this.#client, this.#upstream]) {
      if (reset) this.#abort(socket);
      else socket.end(() => socket.destroy());
    }
  }

  #abort(socket: Socket): void {
    if (socket.destroyed) return;
    // An RST where the socket is connected (what a peer sees from a reset), a plain close otherwise.
    if (
      socket.readyState === "open" ||
      socket.readyState === "readOnly" ||
      socket.readyState === "writeOnly"
    ) {
      socket.resetAndDestroy();
    } else {
      socket.destroy();
    }
  }
}

/**
 * One direction of a connection: source socket → StreamLink → destination socket, with backpressure.
 * The owner hands it what the source reads (`take`).
 */
class Pipe {
  readonly link: StreamLink;
  readonly #source: Socket;
  readonly #destination: Socket;
  readonly #fault: (error: Error, reset: boolean) => void;
  #config: DirectionConfig;
  #sawData = false;
  #linkFull = false;
  #destinationFull = false;

  constructor(
    source: Socket,
    destination: Socket,
    config: DirectionConfig,
    engine: { prng: Prng; scheduler: Scheduler; fault(error: Error, reset: boolean): void },
  ) {
    this.#source = source;
    this.#destination = destination;
    this.#config = config;
    this.#fault = engine.fault;
    this.link = new StreamLink({
      impairment: config.impairment,
      faults: this.#armedFaults(),
      prng: engine.prng,
      scheduler: engine.scheduler,
      // With no impairment and no toxic, each chunk goes to the other socket inside the data
      // callback (no timer, no task per chunk); counters still move, and an impairment or toxic
      // added later takes over from the next chunk.
      passThrough: true,
      deliver: (chunk) => {
        if (destination.destroyed) return;
        if (!destination.write(chunk)) {
          this.#destinationFull = true;
          this.#gate();
        }
      },
      end: () => {
        if (!destination.destroyed) destination.end();
      },
      // Only a reset_peer fault resets; the link's other resets are closes (see #fault).
      reset: (error) => engine.fault(error, this.#config.faults?.resetPeerMs !== undefined),
      drain: () => {
        this.#linkFull = false;
        this.#gate();
      },
    });
    destination.on("drain", () => {
      this.#destinationFull = false;
      this.#gate();
    });
    source.on("end", () => this.link.end());
    source.resume();
  }

  /**
   * Takes one read of the source. `borrowed`: the chunk is a view of a read buffer the source reuses;
   * the link gets a copy when it would hold the chunk, so only a write the destination queued keeps
   * the view. Returns true when the chunk is still referenced afterwards and the source may read
   * before that write is done (always false unless borrowed). A write that filled the destination
   * pauses the source until `drain`, when the write is done: the buffer is then reused, not replaced.
   */
  take(chunk: Buffer, borrowed: boolean): boolean {
    if (!this.#sawData) {
      this.#sawData = true;
      if (this.#config.faults?.resetPeerMs !== undefined) this.link.setFaults(this.#config.faults);
    }
    const direct = this.link.passesThrough;
    if (!this.link.write(borrowed && !direct ? Buffer.from(chunk) : chunk)) {
      this.#linkFull = true;
      this.#gate();
    }
    return borrowed && direct && this.#destination.writableLength > 0 && !this.#destinationFull;
  }

  configure(config: DirectionConfig): void {
    // As toxiproxy: lifting a black hole closes the connection, since the bytes it swallowed leave a
    // hole that no stream could carry on from.
    if (this.#config.faults?.timeout && !config.faults?.timeout) {
      this.#fault(new MsgError(ErrorCode.ConnectionLost, "the timeout fault was removed"), false);
      return;
    }
    this.#config = config;
    this.link.setImpairment(config.impairment);
    this.link.setFaults(this.#armedFaults());
  }

  /**
   * The faults to give the link now. toxiproxy's reset_peer starts its timer when the first data
   * arrives in its direction, not when the connection opens, so it is held back until then.
   */
  #armedFaults(): StreamFaults | undefined {
    const faults = this.#config.faults;
    if (this.#sawData || faults?.resetPeerMs === undefined) return faults;
    const { resetPeerMs: _held, ...others } = faults;
    return others;
  }

  /** Reads from the source only while both the link and the destination socket have room. */
  #gate(): void {
    if (this.#linkFull || this.#destinationFull) this.#source.pause();
    else this.#source.resume();
  }
}
