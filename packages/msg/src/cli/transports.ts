import {
  type CompressionName,
  type Compressor,
  compressionNames,
  ErrorCode,
  type Transport,
} from "@msg/core";
import { createCompressor } from "@msg/wire";
import { integer, readPem } from "./args.js";
import { asUsage, UsageError } from "./command.js";

export interface TransportFlags {
  transport?: string;
  cert?: string;
  key?: string;
  ca?: string;
  servername?: string;
  "require-client-cert"?: boolean;
}

/**
 * Builds the transport named by `--transport` for the given side, from the certificate flags. Each
 * transport package is loaded only when asked for (QUIC's native library is not loaded for TCP).
 */
export async function createTransport(flags: TransportFlags, side: "server" | "client"): Promise<Transport> {
  const cert = readPem(flags.cert);
  const key = readPem(flags.key);
  const ca = readPem(flags.ca);
  switch (flags.transport ?? "tcp") {
    case "tcp": {
      const { TcpTransport } = await import("@msg/transport-tcp");
      return new TcpTransport();
    }
    case "ipc": {
      const { IpcTransport } = await import("@msg/transport-ipc");
      return new IpcTransport();
    }
    case "tls": {
      const { TlsTransport } = await import("@msg/transport-tcp");
      if (side === "server") {
        if (!cert || !key)
          throw new UsageError(ErrorCode.InvalidArgument, "--transport tls needs --cert and --key");
        return new TlsTransport({ cert, key, ca, requireClientCert: flags["require-client-cert"] ?? false });
      }
      return new TlsTransport({ ca, cert, key, servername: flags.servername });
    }
    case "quic": {
      const { QuicTransport } = await import("@msg/transport-quic");
      if (side === "server") return new QuicTransport(cert && key ? { cert, key } : {});
      return new QuicTransport({
        ...(ca ? { verifyPeer: true, ca } : {}),
        ...(flags.servername ? { servername: flags.servername } : {}),
      });
    }
    case "ws": {
      const { WsTransport } = await import("@msg/transport-ws");
      return new WsTransport();
    }
    case "wss": {
      const { WssTransport } = await import("@msg/transport-ws");
      if (side === "server") {
        if (!cert || !key)
          throw new UsageError(ErrorCode.InvalidArgument, "--transport wss needs --cert and --key");
        return new WssTransport({ cert, key, ca, requireClientCert: flags["require-client-cert"] ?? false });
      }
      return new WssTransport({ ca, cert, key, servername: flags.servername });
    }
    default:
      throw new UsageError(
        ErrorCode.InvalidArgument,
        `unknown --transport "${flags.transport}" (tcp, tls, ipc, quic, ws or wss)`,
      );
  }
}

/**
 * The compressor named by `--compress`, or undefined for `none`. A native codec that is not installed
 * fails here, once, with `codec_unavailable` (a socket would otherwise fall back to sending every
 * payload uncompressed, saying so only in its log).
 */
async function createCompressorFlag(
  name: string | undefined,
  level: string | undefined,
): Promise<Compressor | undefined> {
  if (name === undefined || name === "none") return undefined;
  if (!(compressionNames as readonly string[]).includes(name)) {
    throw new UsageError(
      ErrorCode.InvalidArgument,
      `unknown --compress "${name}" (${compressionNames.join(", ")})`,
    );
  }
  const options = level === undefined ? {} : { level: integer(level, "level", 0) };
  const compressor = asUsage(() => createCompressor(name as CompressionName, options));
  await compressor.compress(new Uint8Array(1));
  return compressor;
}

/** A sending socket's compression options, from `--compress`, `--level` and `--min-compress-size`. */
export async function compressionOptions(flags: {
  compress: string;
  level?: string | undefined;
  "min-compress-size": string;
}): Promise<{ compressor: Compressor | undefined; minCompressSize: number }> {
  return {
    compressor: await createCompressorFlag(flags.compress, flags.level),
    minCompressSize: integer(flags["min-compress-size"], "min-compress-size"),
  };
}
