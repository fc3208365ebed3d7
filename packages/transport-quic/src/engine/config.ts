import type { QuicSessionSettings } from "../library/types.js";
import type { Pem } from "../options.js";
import type { NativeConfig, Quiche } from "./native.js";

/**
 * Signature algorithms offered and accepted in the TLS 1.3 handshake: BoringSSL's, less the RSA-PSS-PSS
 * and Ed448 ones it does not implement. msg-rs's self-signed certificates are ECDSA P-256.
 */
const SIGALGS = [
  "rsa_pkcs1_sha256",
  "rsa_pkcs1_sha384",
  "rsa_pkcs1_sha512",
  "rsa_pss_rsae_sha256",
  "rsa_pss_rsae_sha384",
  "rsa_pss_rsae_sha512",
  "ecdsa_secp256r1_sha256",
  "ecdsa_secp384r1_sha384",
  "ecdsa_secp521r1_sha512",
  "ed25519",
].join(":");

/** Flow-control windows: 10 MiB per connection, 1 MiB per stream, auto-tuned up to quiche's maxima. */
const INITIAL_MAX_DATA = 10 * 1024 * 1024;
const INITIAL_MAX_STREAM_DATA = 1024 * 1024;

/** The TLS side of a config: a server's identity, or what a client verifies. */
export type TlsSettings =
  | { role: "server"; cert: Pem; key: Pem }
  | { role: "client"; verifyPeer: boolean; ca: Pem | Pem[] | undefined };

/**
 * A quiche config for one side: TLS 1.3 (quiche speaks nothing else) with ALPN `settings.alpn`, one
 * bidirectional stream opened by the client, no unidirectional streams, no migration.
 */
export function nativeConfig(quiche: Quiche, settings: QuicSessionSettings, tls: TlsSettings): NativeConfig {
  const config =
    tls.role === "server"
      ? quiche.Config.withBoringSslCtx(false, false, null, [pemBytes(tls.key)], [pemBytes(tls.cert)], SIGALGS)
      : quiche.Config.withBoringSslCtx(
          tls.verifyPeer,
          false,
          tls.ca === undefined
            ? null
            : Buffer.from((Array.isArray(tls.ca) ? tls.ca : [tls.ca]).map(pemText).join("\n")),
          null,
          null,
          SIGALGS,
        );
  config.setApplicationProtos([settings.alpn]);
  config.grease(true);
  config.setMaxIdleTimeout(settings.idleTimeout);
  config.setMaxRecvUdpPayloadSize(quiche.MAX_DATAGRAM_SIZE);
  config.setMaxSendUdpPayloadSize(settings.initialMtu);
  config.setInitialMaxData(INITIAL_MAX_DATA);
  config.setInitialMaxStreamDataBidiLocal(INITIAL_MAX_STREAM_DATA);
  config.setInitialMaxStreamDataBidiRemote(INITIAL_MAX_STREAM_DATA);
  config.setInitialMaxStreamDataUni(0);
  // The server accepts one stream from the client; the client accepts none from the server.
  config.setInitialMaxStreamsBidi(tls.role === "server" ? 1 : 0);
  config.setInitialMaxStreamsUni(0);
  config.setMaxStreamWindow(quiche.MAX_STREAM_WINDOW);
  config.setMaxConnectionWindow(quiche.MAX_CONNECTION_WINDOW);
  config.setDisableActiveMigration(true);
  return config;
}

function pemBytes(pem: Pem): Uint8Array {
  return typeof pem === "string" ? Buffer.from(pem, "utf8") : pem;
}

function pemText(pem: Pem): string {
  return typeof pem === "string" ? pem : Buffer.from(pem).toString("utf8");
}
