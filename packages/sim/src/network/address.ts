import { ErrorCode, MsgError } from "@msg/core";

/** A peer's name: letters, digits, `.`, `_`, `-` (no `:`, which separates the port). */
const PEER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function checkPeerName(name: string): void {
  if (typeof name !== "string" || !PEER_NAME.test(name)) {
    throw new MsgError(
      ErrorCode.InvalidArgument,
      `invalid peer name ${JSON.stringify(name)}: use letters, digits, ".", "_" and "-"`,
    );
  }
}

/** Parses a virtual address `peer:port` (port 0-65535; 0 asks for a free one when binding). */
export function parseSimAddress(address: string): { host: string; port: number } {
  const colon = typeof address === "string" ? address.lastIndexOf(":") : -1;
  const host = colon > 0 ? address.slice(0, colon) : "";
  const portText = colon > 0 ? address.slice(colon + 1) : "";
  const port = Number(portText);
  if (!PEER_NAME.test(host) || !/^\d{1,5}$/.test(portText) || port > 65535) {
    throw new MsgError(
      ErrorCode.InvalidAddress,
      `invalid emulator address ${JSON.stringify(address)}: expected "peer:port"`,
    );
  }
  return { host, port };
}

export function formatSimAddress(host: string, port: number): string {
  return `${host}:${port}`;
}

const EPHEMERAL_FIRST = 49152;
const EPHEMERAL_LAST = 65535;

/** One peer's port numbers: fixed ones asked for by bind, ephemeral ones for listeners on 0 and client ends. */
export class PortTable {
  readonly #used = new Set<number>();
  #cursor = EPHEMERAL_FIRST;

  /** Takes `port`, or a free ephemeral port for 0; undefined when taken or none is free. */
  take(port: number): number | undefined {
    if (port !== 0) {
      if (this.#used.has(port)) return undefined;
      this.#used.add(port);
      return port;
    }
    for (let tries = 0; tries <= EPHEMERAL_LAST - EPHEMERAL_FIRST; tries++) {
      const candidate = this.#cursor;
      this.#cursor = candidate === EPHEMERAL_LAST ? EPHEMERAL_FIRST : candidate + 1;
      if (!this.#used.has(candidate)) {
        this.#used.add(candidate);
        return candidate;
      }
    }
    return undefined;
  }

  release(port: number): void {
    this.#used.delete(port);
  }
}
