import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import {
  type Connection,
  ErrorCode,
  formatHostPort,
  isMsgError,
  MsgError,
  type PendingConnection,
  parseHostPort,
  type TransportControl,
} from "@msg/core";
import { connectNet, NetListener, resolveHost, type SlabReads, StreamConnection } from "@msg/core/node";
import { endpointsOf } from "./endpoints.js";
import { readKernelTcpStats } from "./kernel-stats.js";
import type { ResolvedTcpOptions } from "./options.js";

/** What TCP and TLS share: binding, connecting and wrapping a TCP socket. */

export interface BindTcpParams {
  transport: string;
  address: string;
  options: ResolvedTcpOptions;
  onIncoming: (pending: PendingConnection) => void;
  /** Makes the Connection from an accepted, tuned socket (TCP: wrap; TLS: handshake, then wrap). */
  upgrade: (socket: Socket, remoteAddress: string) => Promise<Connection>;
  control?: (message: TransportControl) => Promise<void>;
  /** Resolves the host to the addresses to try, in order. Default: `resolveHost` from @msg/core/node. */
  lookup?: (host: string) => Promise<string[]>;
}

/**
 * Binds `host:port`, resolving the host and trying each of its addresses in turn until one binds.
 * Rejects with a MsgError `invalid_address` (unparsable or unresolvable) or `bind_failed` (with every
 * address's reason).
 */
export async function bindTcp(params: BindTcpParams): Promise<NetListener> {
  const { host, port } = parseHostPort(params.address);
  const candidates = await (params.lookup ?? resolveHost)(host).catch((error: NodeJS.ErrnoException) => {
    if (isMsgError(error, ErrorCode.InvalidAddress)) throw error;
    throw new MsgError(
      ErrorCode.InvalidAddress,
      `${params.transport}: cannot resolve ${params.address}: ${error.code ?? error.message}`,
      { cause: error },
    );
  });
  const failures: string[] = [];
  for (const candidate of candidates) {
    try {
      return await NetListener.listen({
        transport: params.transport,
        listen: { host: candidate, port },
        address: formatHostPort(candidate, port),
        maxPendingConnections: params.options.maxPendingConnections,
        localAddress: (server) => {
          const bound = server.address();
          if (bound === null || typeof bound === "string") throw new Error("not a TCP server");
          return formatHostPort(bound.address, bound.port);
        },
        remoteAddress: (socket) => {
          const { remoteAddress, remotePort } = endpointsOf(socket);
          return formatHostPort(remoteAddress, remotePort);
        },
        upgrade: (socket, remoteAddress) => {
          tuneSocket(socket, params.options);
          return params.upgrade(socket, remoteAddress);
        },
        onIncoming: params.onIncoming,
        ...(params.control ? { control: params.control } : {}),
      });
    } catch (error) {
      if (!isMsgError(error, ErrorCode.BindFailed)) throw error;
      failures.push(error.message);
    }
  }
  throw new MsgError(ErrorCode.BindFailed, failures.join("; "));
}

/**
 * Opens a tuned TCP socket to `host:port` (names resolved by Node, every address tried), read through
 * `slabReads` when given (plain TCP; TLS reads the socket itself). Rejects with a MsgError
 * `invalid_address`, `connect_failed` or `aborted`.
 */
export async function connectTcp(
  transport: string,
  address: string,
  options: ResolvedTcpOptions,
  signal: AbortSignal | undefined,
  slabReads?: SlabReads,
): Promise<{ socket: Socket; host: string }> {
  const { host, port } = parseHostPort(address);
  const socket = await connectNet({
    transport,
    address,
    target: { host, port },
    timeout: options.connectTimeout,
    signal,
    slabReads,
  });
  tuneSocket(socket, options);
  return { socket, host };
}

function tuneSocket(socket: Socket, options: ResolvedTcpOptions): void {
  socket.setNoDelay(options.noDelay);
  if (options.keepAlive !== false) socket.setKeepAlive(true, options.keepAlive);
}

/**
 * Wraps `stream` (the TCP socket itself, or the TLS socket over it) as a Connection named after the TCP
 * socket's endpoints, with the kernel's counters in `stats()`; `slabReads` are those the socket was
 * connected with, if any. Throws when the socket already closed.
 */
export function wrapTcp(transport: string, stream: Duplex, tcp: Socket, slabReads?: SlabReads): Connection {
  const endpoints = endpointsOf(tcp);
  return new StreamConnection(stream, {
    transport,
    localAddress: formatHostPort(endpoints.localAddress, endpoints.localPort),
    remoteAddress: formatHostPort(endpoints.remoteAddress, endpoints.remotePort),
    extraStats: () => readKernelTcpStats(endpoints),
    slabReads,
  });
}
