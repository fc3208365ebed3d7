import type { Socket } from "node:net";

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
