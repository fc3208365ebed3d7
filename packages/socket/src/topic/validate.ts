import { ErrorCode, MsgError, utf8Length } from "@msg/core";
import { hasWildcardToken, TAIL_WILDCARD, tokenize } from "./tokens.js";

/**
 * Topics and patterns starting with these three characters are reserved for control frames
 * (`MSG.SUB.<pattern>`, `MSG.UNSUB.<pattern>`, docs/protocol.md, "Subscription control frames"). The test is a plain, case-sensitive string
 * prefix, exactly like msg-rs's `topic.starts_with("MSG")`: `MSG`, `MSG.x` and also `MSGX` are reserved,
 * while `msg.x` and `xMSG` are not. Reserving `MSGX` too keeps both implementations accepting the same
 * topics: a msg-rs subscriber refuses to subscribe to `MSGX`, so publishing it here would reach no one.
 */
export const RESERVED_TOPIC_PREFIX = "MSG";

/** The longest topic, in UTF-8 bytes: the pub/sub header's u16 topic length (docs/protocol.md, "Pub/Sub frames"). */
export const MAX_TOPIC_BYTES = 65_535;

/**
 * The longest pattern, in UTF-8 bytes. A pattern travels inside a control frame's topic, after
 * `MSG.SUB.` (8 bytes) to subscribe and `MSG.UNSUB.` (10 bytes) to unsubscribe; the limit is set by the
 * longer prefix so that every pattern one can subscribe to can also be unsubscribed from.
 */
export const MAX_PATTERN_BYTES = MAX_TOPIC_BYTES - "MSG.UNSUB.".length;

/** A UTF-16 code unit is at most 3 UTF-8 bytes: strings this short never need their bytes counted. */
const MAX_BYTES_PER_CODE_UNIT = 3;

/** Matches an unpaired surrogate (with the `u` flag a well-formed pair is one code point, not two). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** How much of an offending string an error message quotes. */
const QUOTE_LIMIT = 64;

function quote(text: string): string {
  return JSON.stringify(text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}…` : text);
}

function invalid(kind: string, text: string, reason: string): MsgError {
  return new MsgError(ErrorCode.InvalidTopic, `invalid ${kind} ${quote(text)}: ${reason}`);
}

/** The checks topics and patterns share: a string, not reserved, encodable as UTF-8, short enough. */
function validateCommon(kind: "topic" | "pattern", text: unknown, maxBytes: number): asserts text is string {
  if (typeof text !== "string") {
    throw new MsgError(ErrorCode.InvalidTopic, `invalid ${kind}: expected a string, got ${typeof text}`);
  }
  if (text.startsWith(RESERVED_TOPIC_PREFIX)) {
    throw invalid(kind, text, `the "${RESERVED_TOPIC_PREFIX}" prefix is reserved for control frames`);
  }
  if (LONE_SURROGATE.test(text)) {
    throw invalid(kind, text, "contains an unpaired UTF-16 surrogate, which cannot be encoded as UTF-8");
  }
  if (text.length * MAX_BYTES_PER_CODE_UNIT > maxBytes) {
    const bytes = utf8Length(text);
    if (bytes > maxBytes) throw invalid(kind, text, `${bytes} UTF-8 bytes, the limit is ${maxBytes}`);
  }
}

/**
 * Checks a topic a message is published to and throws a MsgError `invalid_topic` when it is:
 * not a string; reserved (starts with `MSG`); not encodable as UTF-8 (an unpaired surrogate); longer
 * than {@link MAX_TOPIC_BYTES} UTF-8 bytes; or has a wildcard token (`*` or `>`), which NATS also
 * forbids in published subjects since a subscriber could not tell a wildcard from a literal.
 * Empty tokens are allowed: `""`, `a.` and `a..b` are ordinary topics.
 */
export function validateTopic(topic: unknown): asserts topic is string {
  validateCommon("topic", topic, MAX_TOPIC_BYTES);
  if (hasWildcardToken(topic)) {
    throw invalid("topic", topic, "wildcard tokens (* and >) are only allowed in subscription patterns");
  }
}

/**
 * Checks a subscription pattern and throws a MsgError `invalid_topic` when it is: not a string;
 * reserved (starts with `MSG`); not encodable as UTF-8; longer than {@link MAX_PATTERN_BYTES} UTF-8
 * bytes; or has a `>` token anywhere but last. Empty tokens are literal tokens that match only empty
 * topic tokens, so the empty pattern `""` matches only the empty topic, as in msg-rs; subscribe to `>`
 * to receive every topic.
 */
export function validatePattern(pattern: unknown): asserts pattern is string {
  validateCommon("pattern", pattern, MAX_PATTERN_BYTES);
  if (!pattern.includes(TAIL_WILDCARD)) return;
  const tokens = tokenize(pattern);
  const misplaced = tokens.indexOf(TAIL_WILDCARD);
  if (misplaced !== -1 && misplaced !== tokens.length - 1) {
    throw invalid("pattern", pattern, `"${TAIL_WILDCARD}" is only allowed as the last token`);
  }
}
