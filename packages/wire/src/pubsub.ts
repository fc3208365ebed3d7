import { allocBytes, nowMicros } from "@msg/core";
import { readU16, readU32, readU64, TWO_POW_32, writeU16, writeU32, writeU64 } from "./bytes.js";
import { checkInteger, checkRoom, frameTooLargeError, wireIdError } from "./errors.js";
import { FrameDecoder } from "./frame-decoder.js";
import { timestampHigh, timestampLow } from "./timestamp.js";
import { checkTopicLength, encodeTopic, TopicDecoder } from "./topic.js";
import { WireId } from "./wire-id.js";

/**
 * wire id (1) + compression (1) + topic length (2) + timestamp (8) + seq (4) + size (4) — docs/protocol.md, "Pub/Sub frames".
 * A header is this plus the topic's bytes.
 */
export const PUBSUB_FIXED_HEADER_SIZE = 20;

/** One decoded pub/sub frame. */
export interface PubSubFrame {
  /** Compression id of the payload (docs/protocol.md, "Compression"). */
  compression: number;
  /** The topic, decoded from UTF-8. */
  topic: string;
  /** UNIX time in microseconds when the frame was built, a u64. */
  timestamp: bigint;
  /** Per-connection sequence number, u32, wrapping. */
  seq: number;
  /** The payload as sent (still compressed when `compression` is not 0). */
  payload: Uint8Array;
}

/**
 * Writes a pub/sub header (20 + topic.length bytes) for an already UTF-8-encoded topic at
 * `target[offset, ...)`; returns the offset just past it. `timestamp` is in microseconds since the
 * epoch, a safe-integer number or a bigint; `seq` is taken modulo 2^32. Throws MsgError
 * invalid_argument (header does not fit, field out of range) or invalid_topic (topic over 65535 bytes).
 */
export function writePubSubHeader(
  target: Uint8Array,
  offset: number,
  compression: number,
  topic: Uint8Array,
  timestamp: number | bigint,
  seq: number,
  size: number,
): number {
  const topicLength = topic.length;
  checkTopicLength(topicLength);
  checkRoom(target, offset, PUBSUB_FIXED_HEADER_SIZE + topicLength);
  checkInteger("compression", compression, 0, 0xff);
  checkInteger("size", size, 0, 0xffffffff);
  const high = timestampHigh(timestamp);
  const low = timestampLow(timestamp);
  target[offset] = WireId.PubSub;
  target[offset + 1] = compression;
  writeU16(target, offset + 2, topicLength);
  // Topics are short: a byte loop beats TypedArray#set's fixed cost below a few dozen bytes.
  if (topicLength <= 32) for (let i = 0; i < topicLength; i++) target[offset + 4 + i] = topic[i]!;
  else target.set(topic, offset + 4);
  const tail = offset + 4 + topicLength;
  writeU64(target, tail, high, low);
  return writePubSubSeqAndSize(target, tail + 16, seq, size);
}

/**
 * Fills in the last two fields of a pub/sub header ending at `headerEnd`: seq (mod 2^32) and the payload
 * size, as {@link writePubSubHeader} writes them. For a header built once and copied per frame with only
 * these two changing; unchecked, since the header it completes was. Returns `headerEnd`.
 */
export function writePubSubSeqAndSize(
  target: Uint8Array,
  headerEnd: number,
  seq: number,
  size: number,
): number {
  writeU32(target, headerEnd - 8, seq);
  writeU32(target, headerEnd - 4, size);
  return headerEnd;
}

/** Header and payload in one new buffer. A string topic is encoded to UTF-8 (see {@link encodeTopic}). */
export function encodePubSub(frame: {
  compression: number;
  topic: string | Uint8Array;
  timestamp: number | bigint;
  seq: number;
  payload: Uint8Array;
}): Uint8Array {
  const topic = typeof frame.topic === "string" ? encodeTopic(frame.topic) : frame.topic;
  const { payload } = frame;
  const out = allocBytes(PUBSUB_FIXED_HEADER_SIZE + topic.length + payload.length);
  const end = writePubSubHeader(out, 0, frame.compression, topic, frame.timestamp, frame.seq, payload.length);
  out.set(payload, end);
  return out;
}

// ---- control frames (Sub to Pub) ----

/** Topic prefix of a subscribe control frame: `MSG.SUB.<pattern>`. */
export const SUBSCRIBE_PREFIX = "MSG.SUB.";
/** Topic prefix of an unsubscribe control frame: `MSG.UNSUB.<pattern>`. */
export const UNSUBSCRIBE_PREFIX = "MSG.UNSUB.";

const EMPTY = new Uint8Array(0);

/**
 * The control frame that subscribes to `pattern`: topic `MSG.SUB.<pattern>`, compression 0, seq 0,
 * empty payload, timestamp now (microseconds) unless given. Validating the pattern itself (reserved
 * prefix, syntax) is the socket's job; this only encodes it.
 */
export function encodeSubscribe(pattern: string, timestamp: number | bigint = nowMicros()): Uint8Array {
  return encodeControl(SUBSCRIBE_PREFIX + pattern, timestamp);
}

/** The control frame that unsubscribes from `pattern`: topic `MSG.UNSUB.<pattern>`, see {@link encodeSubscribe}. */
export function encodeUnsubscribe(pattern: string, timestamp: number | bigint = nowMicros()): Uint8Array {
  return encodeControl(UNSUBSCRIBE_PREFIX + pattern, timestamp);
}

function encodeControl(topic: string, timestamp: number | bigint): Uint8Array {
  return encodePubSub({ compression: 0, topic, timestamp, seq: 0, payload: EMPTY });
}

/** Parses a control topic; undefined when `topic` is not one (a publisher ignores anything else). */
export function parseControlTopic(topic: string):
  | {
      /** Whether the pattern is added or removed. */
      kind: "subscribe" | "unsubscribe";
      /** The pattern, without the prefix. */
      pattern: string;
    }
  | undefined {
  if (topic.startsWith(SUBSCRIBE_PREFIX)) {
    return { kind: "subscribe", pattern: topic.slice(SUBSCRIBE_PREFIX.length) };
  }
  if (topic.startsWith(UNSUBSCRIBE_PREFIX)) {
    return { kind: "unsubscribe", pattern: topic.slice(UNSUBSCRIBE_PREFIX.length) };
  }
  return undefined;
}

// ---- decoding ----

/**
 * The length of the pub/sub frame at `buf[offset]` (see FrameDecoder's `measure`): both decoders
 * below validate and size frames with this.
 */
function measurePubSub(buf: Uint8Array, offset: number, available: number, maxFrameSize: number): number {
  const wireId = buf[offset]!;
  if (wireId !== WireId.PubSub) throw wireIdError(wireId);
  if (available < 4) return -4;
  const headerSize = PUBSUB_FIXED_HEADER_SIZE + readU16(buf, offset + 2);
  if (available < headerSize) return -headerSize;
  const size = readU32(buf, offset + headerSize - 4);
  if (size > maxFrameSize) throw frameTooLargeError("pubsub frame", size, maxFrameSize);
  return headerSize + size;
}

/**
 * Incremental decoder of pub/sub frames (data and control alike). Topics are decoded as UTF-8 with
 * fatal decoding: invalid bytes fail with MsgError malformed_frame. See {@link FrameDecoder}.
 */
export class PubSubDecoder extends FrameDecoder<PubSubFrame> {
  readonly #topics = new TopicDecoder();

  protected measure(buf: Uint8Array, offset: number, available: number): number {
    return measurePubSub(buf, offset, available, this.maxFrameSize);
  }

  protected emit(buf: Uint8Array, offset: number, length: number): void {
    const topicEnd = offset + 4 + readU16(buf, offset + 2);
    this.onFrame({
      compression: buf[offset + 1]!,
      topic: this.#topics.decode(buf, offset + 4, topicEnd),
      timestamp: readU64(buf, topicEnd),
      seq: readU32(buf, topicEnd + 8),
      payload: buf.subarray(topicEnd + 16, offset + length),
    });
  }
}

/**
 * One pub/sub frame as {@link PubSubViewDecoder} hands it over: the same object for every frame,
 * refilled each time. Read it inside `onFrame`; what is kept must be copied out of it.
 */
export interface PubSubFrameView {
  /** Compression id of the payload (docs/protocol.md, "Compression"). */
  readonly compression: number;
  /** The topic, decoded from UTF-8. */
  readonly topic: string;
  /**
   * UNIX time in microseconds when the frame was built, as a number: exact up to 2^53 (the year
   * 2255); a larger u64 comes out rounded (use {@link PubSubDecoder} for the exact bigint).
   */
  readonly timestampUs: number;
  /** Per-connection sequence number, u32, wrapping. */
  readonly seq: number;
  /** The payload as sent (still compressed when `compression` is not 0), a view as in PubSubDecoder. */
  readonly payload: Uint8Array;
}

/** The writable form of the view the decoder refills. */
type MutableView = { -readonly [K in keyof PubSubFrameView]: PubSubFrameView[K] };

/**
 * The same frames as {@link PubSubDecoder}, with the same checks, for a receiver that turns each one
 * into its own object anyway: `onFrame` gets one reused {@link PubSubFrameView} with the timestamp
 * as a number, so decoding allocates only the payload view per frame (no frame object, no bigint).
 */
export class PubSubViewDecoder extends FrameDecoder<PubSubFrameView> {
  readonly #topics = new TopicDecoder();
  readonly #view: MutableView = { compression: 0, topic: "", timestampUs: 0, seq: 0, payload: EMPTY };

  protected measure(buf: Uint8Array, offset: number, available: number): number {
    return measurePubSub(buf, offset, available, this.maxFrameSize);
  }

  protected emit(buf: Uint8Array, offset: number, length: number): void {
    const topicEnd = offset + 4 + readU16(buf, offset + 2);
    const view = this.#view;
    view.compression = buf[offset + 1]!;
    view.topic = this.#topics.decode(buf, offset + 4, topicEnd);
    view.timestampUs = readU32(buf, topicEnd) * TWO_POW_32 + readU32(buf, topicEnd + 4);
    view.seq = readU32(buf, topicEnd + 8);
    view.payload = buf.subarray(topicEnd + 16, offset + length);
    this.onFrame(view);
  }
}
