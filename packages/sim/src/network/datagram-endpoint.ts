import { ErrorCode, MsgError } from "@msg/core";
import { formatSimAddress, parseSimAddress } from "./address.js";
import type { Fabric } from "./fabric.js";

/** Receives a datagram and the address of the endpoint that sent it. */
export type DatagramHandler = (packet: Uint8Array, from: string) => void;

/**
 * An in-memory datagram endpoint (UDP-like) at `peer:port`. What it sends crosses the network's
 * datagram link for (this peer → the destination's peer), with netem's datagram semantics: loss,
 * duplication, corruption and reordering are real. A datagram to an address nobody holds is dropped
 * silently, as UDP does.
 */
export class DatagramEndpoint {
  readonly address: string;
  readonly #fabric: Fabric;
  readonly #peer: string;
  readonly #port: number;
  #closed = false;

  constructor(fabric: Fabric, peer: string, port: number, onMessage: DatagramHandler) {
    const ports = fabric.ports(`${peer}/udp`);
    const bound = ports.take(port);
    if (bound === undefined) throw new MsgError(ErrorCode.BindFailed, `${peer}:${port}/udp: address in use`);
    this.#fabric = fabric;
    this.#peer = peer;
    this.#port = bound;
    this.address = formatSimAddress(peer, bound);
    fabric.datagrams.set(this.address, { peer, onMessage });
  }

  /** Sends one datagram to `to` (`peer:port`). The packet must not be modified afterwards. */
  send(packet: Uint8Array, to: string): void {
    if (this.#closed)
      throw new MsgError(ErrorCode.SocketClosed, `datagram endpoint ${this.address} is closed`);
    const { host } = parseSimAddress(to);
    this.#fabric.knownPeer(host);
    const from = this.address;
    this.#fabric.direction(this.#peer, host).sendDatagram(packet, (delivered) => {
      this.#fabric.datagrams.get(to)?.onMessage(delivered, from);
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#fabric.datagrams.delete(this.address);
    this.#fabric.ports(`${this.#peer}/udp`).release(this.#port);
  }
}
