import { isIP, connect as netConnect, type Socket } from "node:net";
import { type ConnectionOptions, connect as tlsConnect } from "node:tls";
import { ErrorCode, formatHostPort, MsgError } from "@msg/core";
import { formatWsUrl, type WsAddress } from "./address.js";
import { openConnection } from "./open.js";
import type { ResolvedWsOptions } from "./options.js";
import type { WsConnection } from "./ws-connection.js";
import { loadWs } from "./ws-library.js";

export interface WsConnectParams {
  /** `ws` or `wss`: the transport's name, for errors. */
  transport: string;
  /** The address as the user wrote it, for errors. */
  address: string;
  target: WsAddress;
  options: ResolvedWsOptions;
  /** wss: what `tls.connect` takes besides host and port (certificates, CA, servername, versions). */
  tls?: ConnectionOptions | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Opens a WebSocket with `ws` and wraps it as a Connection once the server has answered the upgrade.
 * Rejects with a MsgError: `connect_failed` (no TCP connection within `connectTimeout`: refused,
 * unreachable, unresolvable), `handshake_failed` (TLS failed, the server answered the upgrade with an
 * HTTP error such as 403 for an origin it refuses, 404 for a path it does not serve, 503 when it
 * refused the connection, or no answer within `handshakeTimeout`), or `aborted`.
 *
 * This is the Node half of the client; it owns the TCP/TLS socket so that the connection's addresses
 * are the real endpoints. A browser client opens the platform's WebSocket instead and hands a
 * MessageSocket over it to the same WsConnection.
 */
export async function connectWebSocket(params: WsConnectParams): Promise<WsConnection> {
  const { transport, address, target, options, signal } = params;
  const fail = (code: ErrorCode, why: string, cause?: unknown) =>
    new MsgError(code, `${transport}: connect to ${address} failed: ${why}`, { cause });
  const { WebSocket } = await loadWs();
  if (signal?.aborted) {
    throw new MsgError(ErrorCode.Aborted, `${transport}: connect to ${address} aborted`, {
      cause: signal.reason,
    });
  }
  return new Promise((resolve, reject) => {
    let raw: Socket | undefined;
    let connected = false;
    let settled = false;
    const settle = (error?: MsgError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (!error) return;
      ws.terminate();
      reject(error);
    };
    const onAbort = () =>
      settle(
        new MsgError(ErrorCode.Aborted, `${transport}: connect to ${address} aborted`, {
          cause: signal?.reason,
        }),
      );
    let timer = setTimeout(
      () =>
        settle(
          fail(ErrorCode.ConnectFailed, `ETIMEDOUT (no TCP connection within ${options.connectTimeout} ms)`),
        ),
      options.connectTimeout,
    );
    const onTcpConnected = () => {
      connected = true;
      clearTimeout(timer);
      timer = setTimeout(
        () =>
          settle(
            fail(ErrorCode.HandshakeFailed, `no WebSocket handshake within ${options.handshakeTimeout} ms`),
          ),
        options.handshakeTimeout,
      );
    };
    const ws = new WebSocket(
      `${formatWsUrl(target.scheme, target.host, target.port, target.path)}${target.query}`,
      {
        perMessageDeflate: options.perMessageDeflate,
        maxPayload: options.maxPayload,
        followRedirects: false,
        headers: { ...options.headers },
        ...(options.origin !== undefined ? { origin: options.origin } : {}),
        // Our own socket, not one built from `ws`'s request options: only host, port and TLS apply.
        createConnection: () => {
          const tcp = { host: target.host, port: target.port };
          raw =
            params.tls === undefined
              ? netConnect(tcp)
              : tlsConnect({ ...withServername(params.tls, target.host), ...tcp });
          raw.once("connect", onTcpConnected);
          return raw;
        },
      },
    );
    ws.on("error", (error: NodeJS.ErrnoException) => {
      const why = error.code ? `${error.code}: ${error.message}` : error.message;
      // Before the TCP connection: the peer is not there. After: TLS or the upgrade went wrong.
      settle(fail(connected ? ErrorCode.HandshakeFailed : ErrorCode.ConnectFailed, why, error));
    });
    ws.on("unexpected-response", (_request, response) => {
      const status = `${response.statusCode} ${response.statusMessage ?? ""}`.trim();
      settle(
        fail(
          ErrorCode.HandshakeFailed,
          `the server answered the upgrade with HTTP ${status}${hint(response.statusCode)}`,
        ),
      );
    });
    ws.on("open", () => {
      if (settled || !raw) return;
      settle();
      resolve(
        openConnection(
          ws,
          transport,
          {
            localAddress: formatHostPort(raw.localAddress ?? "", raw.localPort ?? 0),
            remoteAddress: formatWsUrl(
              target.scheme,
              raw.remoteAddress ?? target.host,
              raw.remotePort ?? target.port,
              target.path,
            ),
          },
          options,
        ),
      );
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** As `tls.connect` is used by TlsTransport: SNI with the host name, none for an IP address, unless set. */
function withServername(tls: ConnectionOptions, host: string): ConnectionOptions {
  if (tls.servername !== undefined || isIP(host)) return tls;
  return { ...tls, servername: host };
}

function hint(status: number | undefined): string {
  switch (status) {
    case 403:
      return " (its allowedOrigins refuse this Origin)";
    case 404:
      return " (no msg listener at this path)";
    case 503:
      return " (it refused the connection: rejected, or too many pending)";
    default:
      return "";
  }
}
