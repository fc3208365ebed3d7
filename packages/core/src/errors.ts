/**
 * Every error msg raises is a {@link MsgError} with a stable, documented `code`: switch on the code,
 * never on the message text. Codes are shared by all packages so that, for example, a malformed
 * frame reads the same whether it arrived over TCP or QUIC.
 */
export const ErrorCode = {
  // Wire (frame decoding): the connection that sent it is closed, nothing else is affected.
  /** The first byte of a frame is not the wire id the decoder expects. */
  WireId: "wire_id",
  /** A frame declares a length above the socket's `maxFrameSize`. */
  FrameTooLarge: "frame_too_large",
  /** The stream ended in the middle of a frame. */
  EofMidFrame: "eof_mid_frame",
  /** A frame carries a field that cannot be valid (e.g. a topic that is not UTF-8). */
  MalformedFrame: "malformed_frame",
  /**
   * The socket's frames received in part, over all its connections, passed `maxPartialFrameBytes`:
   * the connection holding the most was closed.
   */
  PartialFramesOverLimit: "partial_frames_over_limit",
  /** A frame stayed incomplete longer than `incompleteFrameTimeout`: that connection was closed. */
  IncompleteFrameTimeout: "incomplete_frame_timeout",

  // Compression: the one message fails.
  /** The compression id in a header is not one of 0-4. */
  UnsupportedCompression: "unsupported_compression",
  /** The payload does not decompress (corrupt, truncated, wrong checksum). */
  DecompressionFailed: "decompression_failed",
  /** The payload would decompress to more than `maxDecompressedSize`. */
  DecompressedTooLarge: "decompressed_too_large",
  /** The compressor itself failed; senders fall back to sending uncompressed. */
  CompressionFailed: "compression_failed",
  /** A native codec package is not installed; the message names the package. */
  CodecUnavailable: "codec_unavailable",

  // Requests and sockets.
  /** No response within the request's timeout (counted from the call). */
  Timeout: "timeout",
  /** Both the in-flight window and the waiting queue are full. */
  HighWaterMarkReached: "high_water_mark_reached",
  /** The socket was closed while the operation was pending, or used after close. */
  SocketClosed: "socket_closed",
  /** The connection carrying the request broke before its response arrived. */
  ConnectionLost: "connection_lost",
  /** The operation was cancelled through its AbortSignal. */
  Aborted: "aborted",
  /** The peer refused our token (docs/protocol.md, "Token handshake"). */
  AuthRejected: "auth_rejected",
  /** A connection hook failed or timed out (other than a rejected token). */
  HookFailed: "hook_failed",
  /** Connecting failed, and the retry budget is spent. */
  ConnectFailed: "connect_failed",
  /** The server already has `maxClients` connections. */
  MaxClients: "max_clients",
  /** A topic or pattern is invalid (reserved `MSG` prefix, longer than 65535 bytes, ...). */
  InvalidTopic: "invalid_topic",
  /** An argument or option is out of range. */
  InvalidArgument: "invalid_argument",
  /** The socket is in the wrong state for the call (e.g. publish before bind). */
  InvalidState: "invalid_state",

  // Transports.
  /** An address could not be parsed or resolved. */
  InvalidAddress: "invalid_address",
  /** Binding failed (address in use, permission, ...). */
  BindFailed: "bind_failed",
  /** The transport cannot carry out a control message. */
  UnsupportedControl: "unsupported_control",
  /** TLS or QUIC handshake failed. */
  HandshakeFailed: "handshake_failed",
  /**
   * The transport's optional native library is not installed (or does not load on this platform);
   * the message names the package. Retrying cannot help: a client gives up at once.
   */
  TransportUnavailable: "transport_unavailable",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The one error type of msg: a stable {@link ErrorCode} in `code`, a readable message, and the underlying error as `cause` where there is one. */
export class MsgError extends Error {
  /** Always `MsgError`. */
  override readonly name = "MsgError";
  /** What went wrong, as a stable code: switch on this, not on the message. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** True when `error` is a MsgError, optionally with the given code. */
export function isMsgError(error: unknown, code?: ErrorCode): error is MsgError {
  return error instanceof MsgError && (code === undefined || error.code === code);
}

/** Wraps anything thrown into a MsgError with `code`, keeping an existing MsgError as it is. */
export function toMsgError(error: unknown, code: ErrorCode, context?: string): MsgError {
  if (error instanceof MsgError) return error;
  const text = error instanceof Error ? error.message : String(error);
  return new MsgError(code, context ? `${context}: ${text}` : text, { cause: error });
}
