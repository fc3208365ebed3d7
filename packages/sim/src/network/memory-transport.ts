import {
  type Connection,
  type ConnectOptions,
  ErrorCode,
  type Listener,
  MsgError,
  type PendingConnection,
  type Transport,
} from "@msg/core";
import { formatSimAddress, parseSimAddress } from "./address.js";
import type { Fabric } from "./fabric.js";
import { MemoryConnection } from "./memory-connection.js";

export interface MemoryTransportOptions {
  /**
   * How long `connect` waits for an answer (a partition makes it wait) before failing with
   * `connect_failed`. Default 10000 ms (Linux gives up after about 127 s; tests want less).
   */
  connectTimeoutMs?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** `connectTimeoutMs` with its default, checked (both transports of a peer take it). */
export function connectTimeoutOf(options: { connectTimeoutMs?: number }): number {
  const timeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!(timeout > 0)) {
    throw new MsgError(ErrorCode.InvalidArgument, `connectTimeoutMs must be above 0, got ${timeout}`);
  }
  return timeout;
}

/**
 * A peer's in-memory transport: virtual addresses `peer:port`, connections that live in this process
 * and run through the network's links. Connecting takes one round trip of the links' base latency (the
 * SYN and its answer); a partition holds it until it heals or `connectTimeoutMs` passes.
 */
export class MemoryTransport implements Transport {
  readonly name = "sim";
  readonly #fabric: Fabric;
  readonly #peer: string;
  readonly #connectTimeoutMs: number;

  constructor(fabric: Fabric, peer: string, options: MemoryTransportOptions = {}) {
    this.#fabric = fabric;
    this.#peer = peer;
    this.#connectTimeoutMs = connectTimeoutOf(options);
  }

  async bind(address: string, onIncoming: (pending: PendingConnection) => void): Promise<Listener> {
    const { host, port } = parseSimAddress(address);
    if (host !== this.#peer) {
      throw new MsgError(
        ErrorCode.InvalidAddress,
        `peer ${this.#peer} cannot bind ${address}: a peer binds its own name`,
      );
    }
    const ports = this.#fabric.ports(this.#peer);
    const bound = ports.take(port);
    if (bound === undefined) throw new MsgError(ErrorCode.BindFailed, `${address}: address in use`);
    const localAddress = formatSimAddress(host, bound);
    const fabric = this.#fabric;
    fabric.listeners.set(localAddress, { peer: this.#peer, onIncoming });
    let open = true;
    return {
      localAddress,
      control: async (message) => {
        throw new MsgError(
          ErrorCode.UnsupportedControl,
          `the sim transport has no control message ${JSON.stringify(message.type)}`,
        );
      },
      close: async () => {
        if (!open) return;
        open = false;
        fabric.listeners.delete(localAddress);
        ports.release(bound);
      },
    };
  }

  connect(address: string, options: ConnectOptions = {}): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const { signal } = options;
      if (signal?.aborted) {
        reject(new MsgError(ErrorCode.Aborted, `connect to ${address} aborted`, { cause: signal.reason }));
        return;
      }
      const { host } = parseSimAddress(address);
      const fabric = this.#fabric;
      if (!fabric.peers.has(host)) {
        reject(
          new MsgError(
            ErrorCode.ConnectFailed,
            `connect to ${address}: no peer named ${host} in this network`,
          ),
        );
        return;
      }
      const from = this.#peer;
      const out = fabric.direction(from, host);
      const back = fabric.direction(host, from);
      const scheduler = out.scheduler;
      const ports = fabric.ports(from);
      const localPort = ports.take(0);
      if (localPort === undefined) {
        reject(new MsgError(ErrorCode.ConnectFailed, `connect to ${address}: peer ${from} has no free port`));
        return;
      }
      const localAddress = formatSimAddress(from, localPort);
      let client: MemoryConnection | undefined;
      let settled = false;
      const cancels: (() => void)[] = [];
      const settle = (error: MsgError | undefined) => {
        if (settled) return;
        settled = true;
        for (const cancel of cancels) cancel();
        signal?.removeEventListener("abort", onAbort);
        if (!error && client) {
          resolve(client);
          return;
        }
        // Whatever reached the server closes; the port goes back.
        if (client) client.destroy();
        else ports.release(localPort);
        reject(error);
      };
      const onAbort = () =>
        settle(new MsgError(ErrorCode.Aborted, `connect to ${address} aborted`, { cause: signal?.reason }));
      signal?.addEventListener("abort", onAbort, { once: true });
      cancels.push(
        scheduler.at(scheduler.now() + this.#connectTimeoutMs, () =>
          settle(
            new MsgError(
              ErrorCode.ConnectFailed,
              `connect to ${address} timed out after ${this.#connectTimeoutMs} ms`,
            ),
          ),
        ),
      );
      // The SYN crosses the link (waiting out a partition), the answer comes back.
      const arrive = () => {
        const listener = fabric.listeners.get(address);
        const answerAt = scheduler.now() + back.baseLatencyMs;
        if (!listener) {
          cancels.push(
            scheduler.at(answerAt, () =>
              settle(new MsgError(ErrorCode.ConnectFailed, `connect to ${address}: connection refused`)),
            ),
          );
          return;
        }
        const [clientEnd, serverEnd] = MemoryConnection.pair(
          { localAddress, remoteAddress: address, direction: out, onClosed: () => ports.release(localPort) },
          { localAddress: address, remoteAddress: localAddress, direction: back },
        );
        client = clientEnd;
        listener.onIncoming({
          remoteAddress: localAddress,
          accept: async () => serverEnd,
          reject: () => serverEnd.destroy(),
        });
        cancels.push(scheduler.at(answerAt, () => settle(undefined)));
      };
      cancels.push(
        fabric.whenReachable(from, host, () => {
          cancels.push(scheduler.at(scheduler.now() + out.baseLatencyMs, arrive));
        }),
      );
    });
  }
}
