import { ErrorCode, MsgError } from "@msg/core";

export function unsupportedCompression(type: number): MsgError {
  return new MsgError(ErrorCode.UnsupportedCompression, `unsupported compression type: ${type}`);
}

/** `detail` is an Error from a codec library or a message; the codec's name prefixes the text. */
export function decompressionFailed(codec: string, detail: unknown): MsgError {
  return new MsgError(ErrorCode.DecompressionFailed, codecMessage(codec, detail), {
    cause: detail instanceof Error ? detail : undefined,
  });
}

export function compressionFailed(codec: string, error: unknown): MsgError {
  return new MsgError(ErrorCode.CompressionFailed, codecMessage(codec, error), { cause: error });
}

/** `size` is the decompressed size when known (declared by the payload, or produced). */
export function decompressedTooLarge(codec: string, limit: number, size?: number): MsgError {
  const what = size === undefined ? "more than" : `${size} bytes,`;
  return new MsgError(
    ErrorCode.DecompressedTooLarge,
    `${codec} payload decompresses to ${what} above the ${limit}-byte maxDecompressedSize`,
  );
}

/** "codec: message", without doubling a prefix the library already wrote ("snappy: corrupt input"). */
function codecMessage(codec: string, detail: unknown): string {
  const text = detail instanceof Error ? detail.message : String(detail);
  return text.startsWith(`${codec}: `) ? text : `${codec}: ${text}`;
}
