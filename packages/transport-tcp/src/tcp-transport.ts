import {
  type Connection,
  type ConnectOptions,
  ErrorCode,
  type PendingConnection,
  type Transport,
  toMsgError,
} from "@msg/core";
import { type NetListener, SlabReads } from "@msg/core/node";
import { type ResolvedTcpOptions, resolveTcpOptions, type TcpTransportOptions } from "./options.js";
import { bindTcp, connectTcp, wrapTcp } from "./tcp-socket.js";

/**
 * Plain TCP. Addresses are `host:port`, `[v6]:port` or `name:port`; port 0 binds an ephemeral port.
 * Listeners understand no control messages.
 */
export class TcpTransport implements Transport {
  readonly name = "tcp";
  readonly #options: ResolvedTcpOptions;

  constructor(options: TcpTransportOptions = {}) {
    this.#options = resolveTcpOptions(options);
  }

  bind(address: string, onIncoming: (pending: PendingConnection) => void): Promise<NetListener> {
    return bindTcp({
      transport: this.name,
      address,
      options: this.#options,
      onIncoming,
      upgrade: async (accepted) => {
        // Read through slabs as connected sockets are, once moved out of the server's socket.
        const { socket, slabReads } = SlabReads.forAccepted(accepted);
        return wrapTcp(this.name, socket, socket, slabReads);
      },
    });
  }

  async connect(address: string, options: ConnectOptions = {}): Promise<Connection> {
    // node:net's onread into slabs: less work per read than the socket's stream (see SlabReads).
    const reads = new SlabReads();
    const { socket } = await connectTcp(this.name, address, this.#options, options.signal, reads);
    try {
      return wrapTcp(this.name, socket, socket, reads);
    } catch (error) {
      socket.destroy();
      throw toMsgError(error, ErrorCode.ConnectFailed, `${this.name}: connect to ${address}`);
    }
  }
}
