import type { PendingConnection } from "@msg/core";
import { ErrorCode, MsgError } from "@msg/core";
import { PortTable } from "./address.js";
import { Direction, type DirectionContext } from "./direction.js";

export interface ListenerEntry {
  peer: string;
  onIncoming(pending: PendingConnection): void;
}

export interface DatagramEntry {
  peer: string;
  onMessage(packet: Uint8Array, from: string): void;
}

/**
 * The internals of one Network, shared by its peers' transports: the link directions, the
 * in-memory listeners and datagram endpoints by virtual address, each peer's ports, which real
 * addresses belong to which peer (for `wrap`), and who waits for a partition to heal. Two networks
 * share nothing, so they never interfere.
 */
export class Fabric {
  readonly context: DirectionContext;
  readonly peers = new Set<string>();
  readonly listeners = new Map<string, ListenerEntry>();
  readonly datagrams = new Map<string, DatagramEntry>();
  /** Real addresses (a wrapped listener's, a wrapped client's local end) → the peer that owns them. */
  readonly realAddresses = new Map<string, string>();
  readonly #ports = new Map<string, PortTable>();
  readonly #directions = new Map<string, Direction>();
  readonly #healWaiters = new Set<{ a: string; b: string; wake: () => void }>();

  constructor(context: DirectionContext) {
    this.context = context;
  }

  ports(peer: string): PortTable {
    let table = this.#ports.get(peer);
    if (!table) {
      table = new PortTable();
      this.#ports.set(peer, table);
    }
    return table;
  }

  /** The direction from → to, created on first use. */
  direction(from: string, to: string): Direction {
    const key = `${from}\u0000${to}`;
    let direction = this.#directions.get(key);
    if (!direction) {
      direction = new Direction(from, to, this.context);
      this.#directions.set(key, direction);
    }
    return direction;
  }

  knownPeer(name: string): void {
    if (!this.peers.has(name))
      throw new MsgError(ErrorCode.InvalidArgument, `no peer named ${JSON.stringify(name)} in this network`);
  }

  isPartitioned(a: string, b: string): boolean {
    return this.direction(a, b).partitioned || this.direction(b, a).partitioned;
  }

  setPartitioned(a: string, b: string, partitioned: boolean): void {
    this.direction(a, b).setPartitioned(partitioned);
    this.direction(b, a).setPartitioned(partitioned);
    if (partitioned) return;
    for (const waiter of [...this.#healWaiters]) {
      if (!this.isPartitioned(waiter.a, waiter.b)) {
        this.#healWaiters.delete(waiter);
        waiter.wake();
      }
    }
  }

  /**
   * Runs `wake` once a and b can reach each other (at once if they can). Returns a cancel function.
   * A connection attempt through a partition waits here, as a SYN retransmitted until the path heals.
   */
  whenReachable(a: string, b: string, wake: () => void): () => void {
    if (!this.isPartitioned(a, b)) {
      wake();
      return () => {};
    }
    const waiter = { a, b, wake };
    this.#healWaiters.add(waiter);
    return () => this.#healWaiters.delete(waiter);
  }

  close(): void {
    for (const direction of this.#directions.values()) direction.close();
    this.#healWaiters.clear();
  }
}
