import { ErrorCode, MsgError, type Transport } from "@msg/core";
import {
  DEFAULT_MSS,
  type Impairment,
  type LinkStats,
  realScheduler,
  type Scheduler,
  type StreamFaults,
} from "../engine/index.js";
import { checkPeerName, formatSimAddress } from "./address.js";
import { DatagramEndpoint, type DatagramHandler } from "./datagram-endpoint.js";
import type { TraceListener } from "./direction.js";
import { Fabric } from "./fabric.js";
import { MemoryTransport, type MemoryTransportOptions } from "./memory-transport.js";
import { type WrapOptions, WrappedTransport } from "./wrap.js";

export interface NetworkOptions {
  /**
   * Seeds every link's PRNG (each direction, and each connection on it, gets its own stream derived
   * from this seed and the ends' names). Default: a random seed, readable as `network.seed` so a
   * run can be replayed.
   */
  seed?: number;
  /** Time and timers. Default: the event loop (realScheduler). */
  scheduler?: Scheduler;
  /** Segment size for stream links, bytes. Default 1448. */
  mss?: number;
  /** `stream` (default): TCP semantics. `raw`: loss and corruption really damage stream bytes (for testing decoders). */
  streamMode?: "stream" | "raw";
  /** Receives every decision of every link (for determinism tests and debugging). */
  trace?: TraceListener;
}

/** One direction between two peers, as linkem's `Link(src, dst)`. */
export interface Link {
  readonly from: string;
  readonly to: string;
}

/** The link from `from` to `to` (one direction). */
export function link(from: Peer | string, to: Peer | string): Link {
  return { from: typeof from === "string" ? from : from.name, to: typeof to === "string" ? to : to.name };
}

/**
 * An emulated network, shaped like msg-rs linkem: peers joined by directional links, each with its
 * own impairment. Every pair of peers is connected; a link without an impairment is perfect.
 *
 * ```ts
 * const net = new Network({ seed: 7 });
 * const eu = net.addPeer("eu"), us = net.addPeer("us");
 * net.applyImpairment(link(eu, us), { latencyMs: 40, jitterMs: 5, loss: 0.1 });
 * ```
 */
export class Network {
  readonly seed: number;
  readonly #fabric: Fabric;
  readonly #peers = new Map<string, Peer>();

  constructor(options: NetworkOptions = {}) {
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
    if (!Number.isFinite(seed))
      throw new MsgError(ErrorCode.InvalidArgument, `seed must be a finite number, got ${seed}`);
    const mss = options.mss ?? DEFAULT_MSS;
    if (!Number.isInteger(mss) || mss < 1)
      throw new MsgError(ErrorCode.InvalidArgument, `mss must be an integer >= 1, got ${mss}`);
    this.seed = seed;
    this.#fabric = new Fabric({
      seed,
      scheduler: options.scheduler ?? realScheduler,
      mss,
      mode: options.streamMode ?? "stream",
      trace: options.trace,
    });
  }

  /** Adds a peer (a host in linkem's terms); names are unique within the network. */
  addPeer(name: string): Peer {
    checkPeerName(name);
    if (this.#peers.has(name))
      throw new MsgError(ErrorCode.InvalidArgument, `peer ${JSON.stringify(name)} already exists`);
    const peer = new Peer(this.#fabric, name);
    this.#peers.set(name, peer);
    this.#fabric.peers.add(name);
    return peer;
  }

  peer(name: string): Peer | undefined {
    return this.#peers.get(name);
  }

  get peers(): Peer[] {
    return [...this.#peers.values()];
  }

  /**
   * Sets the link's impairment, replacing the previous one (as linkem). Applies to data sent after the
   * call, on connections open now and later. Throws a MsgError `invalid_argument` for a bad value,
   * leaving the previous impairment in place.
   */
  applyImpairment(target: Link, impairment: Impairment): void {
    this.#direction(target).setImpairment(impairment);
  }

  /** Makes the link perfect again. */
  clearImpairment(target: Link): void {
    this.#direction(target).setImpairment(undefined);
  }

  /** Sets toxiproxy-style stream faults on every connection over the link, now and later (replacing the previous ones). */
  setFaults(target: Link, faults: StreamFaults | undefined): void {
    this.#direction(target).setFaults(faults);
  }

  /**
   * Cuts a and b apart, both ways: streams hold their data (as TCP retransmits into a dead path) and
   * deliver it after `heal`; datagrams are dropped; new connections wait for the heal (and time out).
   */
  partition(a: Peer | string, b: Peer | string): void {
    const ends = link(a, b);
    this.#direction(ends);
    this.#fabric.setPartitioned(ends.from, ends.to, true);
  }

  heal(a: Peer | string, b: Peer | string): void {
    const ends = link(a, b);
    this.#direction(ends);
    this.#fabric.setPartitioned(ends.from, ends.to, false);
  }

  /** Totals for the link over every connection it carried and its datagrams (peakQueueBytes: the largest of one connection). */
  stats(target: Link): LinkStats {
    return this.#direction(target).stats();
  }

  /** Drops everything in flight on every link (connections see nothing more). For the end of a test. */
  close(): void {
    this.#fabric.close();
  }

  #direction(target: Link) {
    this.#fabric.knownPeer(target.from);
    this.#fabric.knownPeer(target.to);
    if (target.from === target.to)
      throw new MsgError(
        ErrorCode.InvalidArgument,
        `a link joins two different peers, got ${target.from} twice`,
      );
    return this.#fabric.direction(target.from, target.to);
  }
}

/** A host of the network: it binds, connects and sends datagrams through the network's links. */
export class Peer {
  readonly name: string;
  readonly #fabric: Fabric;

  /** @internal Created by Network.addPeer. */
  constructor(fabric: Fabric, name: string) {
    this.#fabric = fabric;
    this.name = name;
  }

  /** This peer's virtual address at `port` (0: any free port when binding). */
  address(port = 0): string {
    return formatSimAddress(this.name, port);
  }

  /** An in-memory transport (virtual addresses, no kernel sockets) whose connections run over this network. */
  transport(options?: MemoryTransportOptions): Transport {
    return new MemoryTransport(this.#fabric, this.name, options);
  }

  /** `inner` (TCP, TLS, IPC, ...) with this peer's outgoing links applied to the bytes it writes. */
  wrap(inner: Transport, options?: WrapOptions): Transport {
    return new WrappedTransport(inner, this.#fabric, this.name, options);
  }

  /** Opens an in-memory datagram endpoint at `port` (0: any free port). */
  bindDatagram(port: number, onMessage: DatagramHandler): DatagramEndpoint {
    return new DatagramEndpoint(this.#fabric, this.name, port, onMessage);
  }
}
