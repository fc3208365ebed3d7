import type { Socket } from "node:net";
import { formatHostPort } from "@msg/core";

/** The four numbers that name a TCP connection, as the kernel reports them. */
export interface TcpEndpoints {
  /** This side's IP address (IPv4-mapped IPv6 written as IPv4). */
  localAddress: string;
  /** This side's port. */
  localPort: number;
  /** The peer's IP address (IPv4-mapped IPv6 written as IPv4). */
  remoteAddress: string;
  /** The peer's port. */
  remotePort: number;
}

/** Reads a connected socket's endpoints; throws when it is already closed (they are gone then). */
export function endpointsOf(socket: Socket): TcpEndpoints {
  const { localAddress, localPort, remoteAddress, remotePort } = socket;
  if (!localAddress || localPort === undefined || !remoteAddress || remotePort === undefined) {
    throw new Error("socket has no endpoints (already closed)");
  }
  return { localAddress, localPort, remoteAddress, remotePort };
}

/**
 * Writes an address as `host:port` / `[v6]:port`. An IPv4 peer seen through a dual-stack IPv6 socket
 * (`::ffff:127.0.0.1`) is written as plain IPv4, so both ends name a connection the same way.
 */
export function formatEndpoint(address: string, port: number): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return formatHostPort(mapped?.[1] ?? address, port);
}
