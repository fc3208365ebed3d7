import { isIP } from "node:net";
import {
  type Connection,
  type ConnectOptions,
  ErrorCode,
  MsgError,
  type PendingConnection,
  parseHostPort,
  type Transport,
} from "@msg/core";
import { resolveHost } from "@msg/core/node";
import { sourceAddressFor } from "./address.js";
import { generateLocalhostCertificate } from "./certificate.js";
import { createQuicConnection, QUIC } from "./connection.js";
import { connectEngine } from "./engine/endpoint.js";
import { QuicListener } from "./listener.js";
import { type QuicTransportOptions, type ResolvedQuicOptions, resolveQuicOptions } from "./options.js";

/**
 * QUIC transport (`quic`), interoperable with msg-rs: TLS 1.3, ALPN `msg`, exactly one bidirectional
 * stream per connection, opened by the connecting side. Addresses are `host:port` (`[v6]:port`).
 *
 * `connect` completes the handshake and opens the stream but sends no byte of its own: the wire protocol
 * has no preamble, so the server sees the connection only when the socket layer first writes.
 */
export class QuicTransport implements Transport {
  readonly name = QUIC;
  readonly #options: ResolvedQuicOptions;

  /** Throws a MsgError `invalid_argument` for an option out of range. */
  constructor(options: QuicTransportOptions = {}) {
    this.#options = resolveQuicOptions(options);
  }

  async bind(address: string, onIncoming: (pending: PendingConnection) => void): Promise<QuicListener> {
    const { host, port } = parseHostPort(address);
    const hosts = await resolveHost(host);
    const options = this.#options;
    const identity =
      options.cert !== undefined && options.key !== undefined
        ? { cert: options.cert, key: options.key }
        : await generateLocalhostCertificate();
    let lastError: unknown;
    // Like TCP's bind: try each address a name resolves to, in turn.
    for (const candidate of hosts) {
      try {
        return await QuicListener.open(
          { ...options, ...identity, host: candidate, port, maxHandshakes: options.maxPendingConnections },
          options,
          onIncoming,
        );
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }

  async connect(address: string, connectOptions: ConnectOptions = {}): Promise<Connection> {
    const { signal } = connectOptions;
    if (signal?.aborted) {
      throw new MsgError(ErrorCode.Aborted, `connect to ${address} aborted`, { cause: signal.reason });
    }
    const { host, port } = parseHostPort(address);
    if (port === 0) throw new MsgError(ErrorCode.InvalidAddress, `cannot connect to port 0 (${address})`);
    // The first address the name resolves to: a QUIC attempt at a wrong address fails only by timeout,
    // so trying each address in turn would multiply the wait.
    const [ip] = await resolveHost(host);
    if (ip === undefined) throw new MsgError(ErrorCode.InvalidAddress, `host "${host}" has no address`);
    const options = this.#options;
    const session = await connectEngine(
      {
        ...options,
        host: ip,
        port,
        localHost: await sourceAddressFor(ip, port),
        servername: options.servername ?? (isIP(host) === 0 ? host : "localhost"),
        ca: options.ca,
      },
      signal,
    );
    return createQuicConnection(session, session.openStream(), options);
  }
}
