import type { SecureContextOptions } from "node:tls";
import { createSecureContext } from "node:tls";
import { ErrorCode, MsgError } from "@msg/core";
import type { TlsTransportOptions } from "@msg/transport-tcp";
import type { WsTransportOptions } from "./options.js";

/**
 * Options of {@link WssTransport}: the TLS options of `@msg/transport-tcp`'s `TlsTransport` that apply
 * (same meanings and defaults). One object serves both roles: a server uses `cert`, `key`, `ca` and
 * `requireClientCert`; a client uses `ca`, `servername`, `rejectUnauthorized` and, for mutual TLS,
 * `cert` and `key`. `TlsTransport`'s `confirmTimeout` has no counterpart: the server's answer to the
 * upgrade request already proves that it accepted the client's certificate.
 */
export type WssTransportOptions = WsTransportOptions &
  Pick<
    TlsTransportOptions,
    | "cert"
    | "key"
    | "ca"
    | "requireClientCert"
    | "servername"
    | "rejectUnauthorized"
    | "minVersion"
    | "maxVersion"
  >;

/** The secure-context part of the options (certificates, CA list, versions), for either role. */
export function contextOptions(options: WssTransportOptions): SecureContextOptions {
  return {
    ...(options.cert !== undefined ? { cert: options.cert } : {}),
    ...(options.key !== undefined ? { key: options.key } : {}),
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
    minVersion: options.minVersion ?? "TLSv1.2",
    maxVersion: options.maxVersion ?? "TLSv1.3",
  };
}

/** Builds a secure context once to check certificates and keys. Throws `invalid_argument` naming the problem. */
export function checkContext(options: SecureContextOptions, role: string): void {
  try {
    createSecureContext(options);
  } catch (error) {
    throw new MsgError(
      ErrorCode.InvalidArgument,
      `wss: unusable ${role} certificate, key or CA: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
