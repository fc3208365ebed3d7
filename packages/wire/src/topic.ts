import { ErrorCode, MsgError, utf8Encode } from "@msg/core";

/** Topic length is a u16 on the wire (docs/protocol.md, "Pub/Sub frames"). */
export const MAX_TOPIC_LENGTH = 0xffff;

/** Topics up to this length take the ASCII fast path and the one-entry cache. */
const SHORT_TOPIC = 64;

// fatal: invalid UTF-8 is an error, not U+FFFD; ignoreBOM: a leading BOM is part of the topic, kept as is.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Encodes a topic (or a pattern) to UTF-8 for the wire. Throws MsgError invalid_topic when the string
 * holds a lone surrogate (it would not survive the round trip) or encodes to more than 65535 bytes.
 */
export function encodeTopic(topic: string): Uint8Array {
  if (!(topic as string & { isWellFormed(): boolean }).isWellFormed()) {
    throw new MsgError(ErrorCode.InvalidTopic, "topic contains a lone surrogate, which UTF-8 cannot carry");
  }
  const bytes = utf8Encode(topic);
  checkTopicLength(bytes.length);
  return bytes;
}

export function checkTopicLength(length: number): void {
  if (length > MAX_TOPIC_LENGTH) {
    throw new MsgError(
      ErrorCode.InvalidTopic,
      `topic is ${length} bytes long in UTF-8, above the ${MAX_TOPIC_LENGTH}-byte limit of the wire format`,
    );
  }
}

/**
 * Decodes topics of incoming frames. A subscriber mostly sees the same few topics over and over, so the
 * last short topic is kept and its string reused when the same bytes come again (one byte comparison
 * instead of a string allocation).
 */
export class TopicDecoder {
  readonly #lastBytes = new Uint8Array(SHORT_TOPIC);
  #lastLength = -1;
  #lastText = "";

  /** Decodes `buf[start, end)`; throws MsgError malformed_frame if it is not valid UTF-8. */
  decode(buf: Uint8Array, start: number, end: number): string {
    const length = end - start;
    if (length === this.#lastLength && this.#sameAsLast(buf, start, length)) return this.#lastText;
    if (length > SHORT_TOPIC) return decodeUtf8(buf, start, end);
    const text = decodeShort(buf, start, end);
    this.#lastBytes.set(buf.subarray(start, end));
    this.#lastLength = length;
    this.#lastText = text;
    return text;
  }

  #sameAsLast(buf: Uint8Array, start: number, length: number): boolean {
    const last = this.#lastBytes;
    for (let i = 0; i < length; i++) if (buf[start + i] !== last[i]) return false;
    return true;
  }
}

function decodeShort(buf: Uint8Array, start: number, end: number): string {
  let ascii = 0;
  for (let i = start; i < end; i++) ascii |= buf[i]!;
  if (ascii < 0x80) return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
  return decodeUtf8(buf, start, end);
}

function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  try {
    return utf8.decode(buf.subarray(start, end));
  } catch (error) {
    throw new MsgError(ErrorCode.MalformedFrame, "pubsub topic is not valid UTF-8", { cause: error });
  }
}
