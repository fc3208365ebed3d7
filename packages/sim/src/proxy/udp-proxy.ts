import { createSocket, type RemoteInfo, type Socket, type SocketOptions } from "node:dgram";
import { lookup as lookupCallback } from "node:dns";
import { lookup } from "node:dns/promises";
import { once } from "node:events";
import { isIP } from "node:net";
import { createLogger, ErrorCode, formatHostPort, MsgError, parseHostPort } from "@msg/core";
import { DatagramLink, Prng, realScheduler, type Scheduler } from "../engine/index.js";
import type { DirectionConfig, DirectionTotals, ProxyOptions } from "./path.js";
import { ProxyBase } from "./proxy-base.js";

const log = createLogger("sim.proxy.udp");

/**
 * Kernel socket buffers asked for (Linux caps them at net.core.rmem_max / wmem_max): a burst that
 * arrives while the event loop is busy waits in the kernel instead of being dropped there, where no
 * counter of ours would see it.
 */
const SOCKET_BUFFERS = { recvBufferSize: 4 << 20, sendBufferSize: 1 << 20 };

/**
 * dgram resolves the address of every send (and of bind and connect) through its `lookup`, and the
 * default, `dns.lookup`, answers even an IP address on the next tick: a deferred call per datagram.
 * Every address this proxy hands to its sockets is already an IP address (both ends are resolved at
 * start, clients come as IP addresses), so this lookup answers those at once; dgram then sends,
 * binds and connects synchronously. A name still goes to `dns.lookup`.
 */
const answerAddressesAtOnce: SocketOptions["lookup"] = (hostname, options, callback) => {
  const family = isIP(hostname);
  if (family === 0) lookupCallback(hostname, options, callback);
  else callback(null, hostname, family);
};

function udpSocket(family: number): Socket {
  return createSocket({
    type: family === 6 ? "udp6" : "udp4",
    lookup: answerAddressesAtOnce,
    ...SOCKET_BUFFERS,
  });
}

/** Stream faults in the policy's answer are ignored; the upstream is resolved once, at start. */
export interface UdpProxyOptions extends ProxyOptions {
  /** A mapping that carried no datagram either way for this long is removed. Default 60 000 ms. */
  idleTimeoutMs?: number;
  /** Most client mappings at once; datagrams from further clients are dropped and counted. Default 4096. */
  maxMappings?: number;
}

/** Counters of a UDP proxy since it was created (they survive stop/start). */
export interface UdpProxyStats {
  /** Client mappings created (one per client address). */
  mappingsCreated: number;
  /** Mappings open now. */
  mappings: number;
  /** Mappings removed after `idleTimeoutMs` without traffic. */
  mappingsExpired: number;
  /** Datagrams dropped because `maxMappings` mappings were open when a new client sent. */
  refused: number;
  /**
   * Errors the kernel reported on the proxy's sockets, such as the upstream refusing datagrams (an
   * ICMP port unreachable, reported on the connected upstream socket). A datagram dgram fails to hand
   * to the kernel is dropped without a report.
   */
  sendErrors: number;
  /** Client → upstream. */
  up: DirectionTotals;
  /** Upstream → client. */
  down: DirectionTotals;
}

/**
 * A UDP proxy: each client address gets its own upstream socket (so the upstream sees one peer per
 * client, and a QUIC connection keeps its 4-tuple), and each direction of that mapping goes through a
 * {@link DatagramLink} with datagram semantics (loss drops, duplicates, corrupts, reorders). Mappings
 * that stay idle expire; their number is bounded by `maxMappings`, each link's queue by the engine.
 */
export class UdpProxy extends ProxyBase<UdpProxyOptions> {
  readonly #mappings = new Map<string, ClientMapping>();
  #socket: Socket | undefined;
  #upstream: { address: string; family: 4 | 6; port: number } | undefined;
  #sweeper: NodeJS.Timeout | undefined;
  /** The mapping of the last datagram from a client: a burst from one client skips the map lookup. */
  #recent: ClientMapping | undefined;
  readonly #counts = { mappingsCreated: 0, mappingsExpired: 0, refused: 0, sendErrors: 0 };

  override get listening(): boolean {
    return this.#socket !== undefined;
  }

  get #scheduler(): Scheduler {
    return this.options.scheduler ?? realScheduler;
  }

  /** Resolves the upstream and binds; resolves with the bound address. Rejects with MsgError. */
  async start(): Promise<string> {
    if (this.#socket) return this.boundAddress!;
    // After a stop, bind again where the proxy was (port 0 picked a port once; clients kept it).
    const listen = parseHostPort(this.boundAddress ?? this.options.listen);
    const upstream = parseHostPort(this.options.upstream);
    let listenFamily: number;
    try {
      listenFamily = (await lookup(listen.host)).family;
      const resolved = await lookup(upstream.host);
      this.#upstream = { address: resolved.address, family: resolved.family as 4 | 6, port: upstream.port };
    } catch (error) {
      throw new MsgError(
        ErrorCode.InvalidAddress,
        `cannot resolve ${(error as { hostname?: string }).hostname}`,
        {
          cause: error,
        },
      );
    }
    const socket = udpSocket(listenFamily);
    try {
      // With a lookup that answers at once, bind may emit "listening" before it returns.
      const listening = once(socket, "listening");
      socket.bind(listen.port, listen.host);
      await listening;
    } catch (error) {
      socket.close();
      throw new MsgError(
        ErrorCode.BindFailed,
        `cannot bind udp ${this.options.listen}: ${(error as NodeJS.ErrnoException).code ?? error}`,
        { cause: error },
      );
    }
    socket.on("error", (error) => {
      this.#counts.sendErrors++;
      log.debug("listening socket error", { error });
    });
    socket.on("message", (packet, from) => this.#fromClient(packet, from));
    const bound = socket.address();
    this.#socket = socket;
    this.boundAddress = formatHostPort(bound.address, bound.port);
    const idle = this.#idleTimeoutMs;
    this.#sweeper = setInterval(() => this.#expireIdle(), Math.max(10, Math.min(idle / 2, 5_000)));
    this.#sweeper.unref();
    return this.boundAddress;
  }

  /** Unbinds and drops every mapping; start() binds again. */
  async stop(): Promise<void> {
    clearInterval(this.#sweeper);
    const socket = this.#socket;
    this.#socket = undefined;
    for (const key of [...this.#mappings.keys()]) this.#remove(key);
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  /** Asks the policy again for every mapping and applies the answer at once. */
  reconfigure(): void {
    for (const mapping of this.#mappings.values()) mapping.configure(this.policyFor(mapping.id));
  }

  stats(): UdpProxyStats {
    const live = [...this.#mappings.values()];
    return {
      ...this.#counts,
      mappings: live.length,
      ...this.totals.read(
        live.map((m) => m.up.stats),
        live.map((m) => m.down.stats),
      ),
    };
  }

  get #idleTimeoutMs(): number {
    return this.options.idleTimeoutMs ?? 60_000;
  }

  #fromClient(packet: Buffer, from: RemoteInfo): void {
    let mapping = this.#recent;
    if (
      mapping === undefined ||
      mapping.client.port !== from.port ||
      mapping.client.address !== from.address
    ) {
      const key = formatHostPort(from.address, from.port);
      mapping = this.#mappings.get(key);
      if (!mapping) {
        if (this.#mappings.size >= (this.options.maxMappings ?? 4096)) {
          this.#counts.refused++;
          return;
        }
        mapping = this.#open(from);
        this.#mappings.set(key, mapping);
      }
      this.#recent = mapping;
    }
    mapping.lastActive = this.#scheduler.now();
    mapping.up.send(packet);
  }

  #open(client: RemoteInfo): ClientMapping {
    const id = this.nextConnectionId();
    this.#counts.mappingsCreated++;
    const upstream = this.#upstream!;
    const listening = this.#socket!;
    const socket = udpSocket(upstream.family);
    socket.on("error", (error) => {
      this.#counts.sendErrors++;
      log.debug("upstream socket error", { error });
    });
    // Connected, the upstream socket sends without an address per datagram (cheaper in dgram and in
    // the kernel), and the kernel passes it only the upstream's datagrams. The lookup answering at
    // once makes this bind and connect before connect() returns, so the first datagram can go.
    socket.connect(upstream.port, upstream.address);
    const path = this.policyFor(id);
    const seed = this.options.seed ?? 0;
    const label = this.options.label ?? "";
    const mapping = new ClientMapping(
      id,
      { address: client.address, port: client.port },
      socket,
      new DatagramLink({
        impairment: path.up.impairment,
        prng: Prng.derive(seed, "udp", label, String(id), "up"),
        scheduler: this.#scheduler,
        passThrough: true,
        deliver: (packet) => socket.send(packet),
      }),
      new DatagramLink({
        impairment: path.down.impairment,
        prng: Prng.derive(seed, "udp", label, String(id), "down"),
        scheduler: this.#scheduler,
        passThrough: true,
        deliver: (packet) => {
          if (this.#socket === listening) listening.send(packet, client.port, client.address);
        },
      }),
    );
    mapping.lastActive = this.#scheduler.now();
    socket.on("message", (packet) => {
      mapping.lastActive = this.#scheduler.now();
      mapping.down.send(packet);
    });
    return mapping;
  }

  #expireIdle(): void {
    const cutoff = this.#scheduler.now() - this.#idleTimeoutMs;
    for (const [key, mapping] of this.#mappings) {
      if (mapping.lastActive <= cutoff) {
        this.#counts.mappingsExpired++;
        this.#remove(key);
      }
    }
  }

  #remove(key: string): void {
    const mapping = this.#mappings.get(key)!;
    this.#mappings.delete(key);
    if (this.#recent === mapping) this.#recent = undefined;
    mapping.close();
    this.totals.retire([mapping.up.stats], [mapping.down.stats]);
    this.options.policy?.forget?.(mapping.id);
  }
}

/** One client address, its own upstream socket, and a link each way. */
class ClientMapping {
  lastActive = 0;

  constructor(
    readonly id: number,
    readonly client: { readonly address: string; readonly port: number },
    readonly socket: Socket,
    readonly up: DatagramLink,
    readonly down: DatagramLink,
  ) {}

  configure(path: { up: DirectionConfig; down: DirectionConfig }): void {
    this.up.setImpairment(path.up.impairment);
    this.down.setImpairment(path.down.impairment);
  }

  close(): void {
    this.up.close();
    this.down.close();
    this.socket.close();
  }
}
