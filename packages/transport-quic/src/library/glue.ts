/**
 * What the library needs from its user: crypto operations, PEM text, a logger, stream reset codecs, and
 * the config both sides share.
 */
import { createHmac, randomBytes, randomFillSync, timingSafeEqual } from "node:crypto";
import type { Socket as UdpSocket } from "node:dgram";
import type { QUICSocket } from "@matrixai/quic";
import { createLogger, type Logger } from "@msg/core";
import type { Pem } from "../options.js";
import { CloseCode, type QuicSessionSettings } from "./types.js";

export const libraryLogger = createLogger("transport.quic.library");

/** The settings both sides put in the library's config. */
export function sessionConfig(settings: QuicSessionSettings) {
  return {
    applicationProtos: [settings.alpn],
    keepAliveIntervalTime: settings.keepAliveInterval > 0 ? settings.keepAliveInterval : undefined,
    maxIdleTimeout: settings.idleTimeout,
    maxSendUdpPayloadSize: settings.initialMtu,
    readableChunkSize: settings.readChunkSize,
    initialMaxStreamsUni: 0,
  };
}

/**
 * Sets the UDP socket's receive and send buffers (`bytes`, 0 = leave them). The library keeps its
 * `dgram.Socket` in a protected field and offers no option for this. A refusal is logged, not fatal:
 * the connection works with the system's buffers, only less well under bursts.
 */
export function sizeUdpBuffers(socket: QUICSocket, bytes: number): void {
  if (bytes === 0) return;
  const udp = (socket as unknown as { socket: UdpSocket }).socket;
  try {
    udp.setRecvBufferSize(bytes);
    udp.setSendBufferSize(bytes);
  } catch (error) {
    libraryLogger.debug("cannot size the UDP socket's buffers", { bytes, error: String(error) });
  }
}

/** The reason a library stream error carries when the peer reset the stream. */
export class StreamReset extends Error {
  constructor(
    readonly direction: "read" | "write",
    readonly code: number,
  ) {
    super(`peer reset the stream's ${direction} side with code ${code}`);
  }
}

/**
 * How stream resets are described: the reason a reset stream's reader or writer fails with, and the code
 * this side resets a stream with when the library stops a connection (0 when we close it ourselves, 1
 * when the connection failed).
 */
export const streamCodec = {
  codeToReason: (direction: "read" | "write", code: number) => new StreamReset(direction, code),
  reasonToCode: (_direction: "read" | "write", reason?: unknown) =>
    reason == null ? CloseCode.Normal : CloseCode.Error,
};

/** Server crypto: HMAC-SHA256 over a per-listener random key (signs QUIC retry tokens). */
export function serverCrypto() {
  const key = randomBytes(32);
  const hmac = (secret: ArrayBuffer, data: ArrayBuffer) =>
    createHmac("sha256", bytes(secret)).update(bytes(data)).digest();
  return {
    key: key.buffer.slice(key.byteOffset, key.byteOffset + key.byteLength),
    ops: {
      async sign(secret: ArrayBuffer, data: ArrayBuffer): Promise<ArrayBuffer> {
        const mac = hmac(secret, data);
        return mac.buffer.slice(mac.byteOffset, mac.byteOffset + mac.byteLength);
      },
      async verify(secret: ArrayBuffer, data: ArrayBuffer, signature: ArrayBuffer): Promise<boolean> {
        const expected = hmac(secret, data);
        const given = bytes(signature);
        return given.byteLength === expected.byteLength && timingSafeEqual(expected, given);
      },
    },
  };
}

/** Client crypto: random bytes for connection ids. */
export const clientCrypto = {
  ops: {
    async randomBytes(data: ArrayBuffer): Promise<void> {
      randomFillSync(bytes(data));
    },
  },
};

/** The library passes ArrayBuffers or typed arrays (connection ids) where it says ArrayBuffer. */
function bytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

export function toPemText(pem: Pem): string {
  return typeof pem === "string" ? pem : Buffer.from(pem).toString("utf8");
}

export function toPemList(pems: Pem | Pem[]): string[] {
  return (Array.isArray(pems) ? pems : [pems]).map(toPemText);
}

/**
 * The library logs through a `@matrixai/logger` Logger (at INFO by default, to stderr). This routes its
 * records into msg's logging instead, at debug level, under `transport.quic.library`.
 */
export function bridgeLogger(logger: Logger, prefix = ""): never {
  const bridge = {
    getChild: (key: string) => bridgeLogger(logger, `${prefix}${key}: `),
    debug: (message?: unknown) => logger.trace(`${prefix}${String(message)}`),
    info: (message?: unknown) => logger.debug(`${prefix}${String(message)}`),
    warn: (message?: unknown) => logger.warn(`${prefix}${String(message)}`),
    error: (message?: unknown) => logger.error(`${prefix}${String(message)}`),
  };
  return bridge as never;
}
