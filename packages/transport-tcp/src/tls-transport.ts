import {
  type Connection,
  type ConnectOptions,
  ErrorCode,
  type PendingConnection,
  type Transport,
  toMsgError,
} from "@msg/core";
import type { NetListener } from "@msg/core/node";
import { type ResolvedTcpOptions, resolveTcpOptions } from "./options.js";
import { bindTcp, connectTcp, wrapTcp } from "./tcp-socket.js";
import { TlsClientSide } from "./tls-client.js";
import { type TlsTransportOptions, validateTlsOptions } from "./tls-options.js";
import { TlsServerSide } from "./tls-server.js";

/**
 * TCP with TLS 1.2/1.3 (node:tls), mutual TLS optional. Accepted connections are offered before their
 * handshake: `accept()` runs it, bounded by `handshakeTimeout`, so a slow or silent client never holds
 * up other accepts. Listeners understand `{ type: "tls.setCertificates", cert, key, ca? }`.
 */
export class TlsTransport implements Transport {
  readonly name = "tls";
  readonly #options: TlsTransportOptions;
  readonly #tcp: ResolvedTcpOptions;
  readonly #client: TlsClientSide;

  constructor(options: TlsTransportOptions = {}) {
    validateTlsOptions(options);
    this.#options = options;
    this.#tcp = resolveTcpOptions(options);
    this.#client = new TlsClientSide(options);
  }

  /** Rejects with `invalid_argument` without `cert` and `key`, else as TcpTransport#bind. */
  async bind(address: string, onIncoming: (pending: PendingConnection) => void): Promise<NetListener> {
    const server = new TlsServerSide(this.#options);
    return bindTcp({
      transport: this.name,
      address,
      options: this.#tcp,
      onIncoming,
      upgrade: async (socket, remoteAddress) => {
        const secure = await server.handshake(socket, remoteAddress);
        return wrapTcp(this.name, secure, socket);
      },
      control: (message) => server.control(message),
    });
  }

  async connect(address: string, options: ConnectOptions = {}): Promise<Connection> {
    const { socket, host } = await connectTcp(this.name, address, this.#tcp, options.signal);
    try {
      const secure = await this.#client.handshake(socket, host, address, options.signal);
      return wrapTcp(this.name, secure, socket);
    } catch (error) {
      socket.destroy();
      throw toMsgError(error, ErrorCode.HandshakeFailed, `${this.name}: connect to ${address}`);
    }
  }
}
