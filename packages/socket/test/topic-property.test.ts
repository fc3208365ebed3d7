import { ErrorCode, isMsgError } from "@msg/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TopicMatcher, validatePattern, validateTopic } from "../src/topic/index.js";

// ---- The reference: the NATS rules written down as directly as possible, with no trie and no cache.

function referenceTokenMatch(pattern: readonly string[], topic: readonly string[]): boolean {
  const [head, ...rest] = pattern;
  if (head === undefined) return topic.length === 0;
  if (head === ">" && rest.length === 0) return topic.length >= 1;
  if (topic.length === 0) return false;
  if (head !== "*" && head !== topic[0]) return false;
  return referenceTokenMatch(rest, topic.slice(1));
}

function referenceMatches(patterns: Iterable<string>, topic: string): boolean {
  for (const pattern of patterns) {
    if (referenceTokenMatch(pattern.split("."), topic.split("."))) return true;
  }
  return false;
}

function referencePatternIsValid(pattern: string): boolean {
  const tokens = pattern.split(".");
  const tail = tokens.indexOf(">");
  return !pattern.startsWith("MSG") && (tail === -1 || tail === tokens.length - 1);
}

function referenceTopicIsValid(topic: string): boolean {
  return !topic.startsWith("MSG") && !topic.split(".").some((token) => token === "*" || token === ">");
}

function rejectsWithInvalidTopic(validate: () => void): boolean {
  try {
    validate();
    return false;
  } catch (error) {
    if (isMsgError(error, ErrorCode.InvalidTopic)) return true;
    throw error;
  }
}

// ---- Generators over a small alphabet, so that patterns and topics collide often.

/** Topic tokens: a few literals, the empty token, and wildcard characters that a topic treats literally. */
const topicToken = fc.constantFrom("a", "b", "c", "", "*", ">");
const topic = fc.array(topicToken, { minLength: 1, maxLength: 6 }).map((tokens) => tokens.join("."));

/** Valid patterns: literals and `*` anywhere, optionally `>` last. */
const pattern = fc
  .tuple(fc.array(fc.constantFrom("a", "b", "c", "", "*"), { maxLength: 5 }), fc.boolean())
  .map(([tokens, tail]) => (tail ? [...tokens, ">"] : tokens).join("."));

/** Any arrangement of tokens, valid or not, including the reserved prefix. */
const anyText = fc
  .array(fc.constantFrom("a", "", "*", ">", "MSG", "MSGX", "M", "SG"), { maxLength: 6 })
  .map((tokens) => tokens.join("."));

type Command =
  | { kind: "add"; pattern: string }
  | { kind: "remove"; pattern: string }
  | { kind: "removeAdded"; index: number }
  | { kind: "matches"; topic: string };

/**
 * Commands draw from a smaller space than the generators above, so that a topic looked up (and
 * cached) is often matched by a pattern added or removed later, which is what exposes a stale cache.
 * `removeAdded` removes one of the patterns currently held, so removals hit often too.
 */
const commandPattern = fc
  .tuple(fc.array(fc.constantFrom("a", "*"), { maxLength: 2 }), fc.boolean())
  .map(([tokens, tail]) => (tail ? [...tokens, ">"] : tokens).join("."));
const commandTopic = fc
  .array(fc.constantFrom("a", "b"), { minLength: 1, maxLength: 3 })
  .map((tokens) => tokens.join("."));

const command: fc.Arbitrary<Command> = fc.oneof(
  commandPattern.map((p): Command => ({ kind: "add", pattern: p })),
  fc.oneof(commandPattern, pattern).map((p): Command => ({ kind: "remove", pattern: p })),
  fc.nat().map((index): Command => ({ kind: "removeAdded", index })),
  fc.oneof(commandTopic, commandTopic, topic).map((t): Command => ({ kind: "matches", topic: t })),
  fc.oneof(commandTopic, commandTopic, topic).map((t): Command => ({ kind: "matches", topic: t })),
);

describe("TopicMatcher against the reference matcher (fast-check)", () => {
  it("matches exactly when some pattern matches by the reference rules", () => {
    fc.assert(
      fc.property(
        fc.array(pattern, { maxLength: 12 }),
        fc.array(topic, { maxLength: 20 }),
        (patterns, topics) => {
          const matcher = new TopicMatcher();
          for (const p of patterns) matcher.add(p);
          for (const t of topics)
            expect(matcher.matches(t), `topic ${JSON.stringify(t)}`).toBe(referenceMatches(patterns, t));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("interleaved add/remove/matches equal a plain Set plus the reference, whatever the cache holds", () => {
    for (const cacheSize of [0, 3, 256]) {
      fc.assert(
        fc.property(fc.array(command, { maxLength: 60, size: "max" }), (commands) => {
          const matcher = new TopicMatcher({ cacheSize });
          const model = new Set<string>();
          for (const c of commands) {
            if (c.kind === "add") {
              expect(matcher.add(c.pattern)).toBe(!model.has(c.pattern));
              model.add(c.pattern);
            } else if (c.kind === "remove") {
              expect(matcher.remove(c.pattern)).toBe(model.delete(c.pattern));
            } else if (c.kind === "removeAdded") {
              const held = [...model];
              const victim = held[c.index % Math.max(held.length, 1)];
              if (victim === undefined) continue;
              expect(matcher.remove(victim)).toBe(true);
              model.delete(victim);
            } else {
              expect(matcher.matches(c.topic), `topic ${JSON.stringify(c.topic)}`).toBe(
                referenceMatches(model, c.topic),
              );
            }
            expect(matcher.size).toBe(model.size);
            expect(matcher.cacheStats().size).toBeLessThanOrEqual(cacheSize);
          }
          expect(matcher.patterns()).toEqual([...model]);
        }),
        { numRuns: 500 },
      );
    }
  });

  it("after removing every pattern, nothing matches any more", () => {
    fc.assert(
      fc.property(
        fc.array(pattern, { maxLength: 12 }),
        fc.array(topic, { maxLength: 10 }),
        (patterns, topics) => {
          const matcher = new TopicMatcher();
          for (const p of patterns) matcher.add(p);
          for (const t of topics) matcher.matches(t);
          for (const p of patterns) matcher.remove(p);
          expect(matcher.size).toBe(0);
          for (const t of [...topics, ...patterns]) expect(matcher.matches(t)).toBe(false);
        },
      ),
    );
  });
});

describe("validation against the reference rules (fast-check)", () => {
  it("validatePattern rejects exactly the reserved prefix and a `>` before the end", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(rejectsWithInvalidTopic(() => validatePattern(text))).toBe(!referencePatternIsValid(text));
      }),
      { numRuns: 2000 },
    );
  });

  it("validateTopic rejects exactly the reserved prefix and wildcard tokens", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(rejectsWithInvalidTopic(() => validateTopic(text))).toBe(!referenceTopicIsValid(text));
      }),
      { numRuns: 2000 },
    );
  });

  it("rejects a string exactly when it does not survive a UTF-8 round trip (lone surrogates)", () => {
    const safePrefix = (text: string) => `t${text.replaceAll("*", "x").replaceAll(">", "x")}`;
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 12 }), (raw) => {
        const text = safePrefix(raw);
        const encodable = Buffer.from(text, "utf8").toString("utf8") === text;
        expect(rejectsWithInvalidTopic(() => validateTopic(text))).toBe(!encodable);
        expect(rejectsWithInvalidTopic(() => validatePattern(text))).toBe(!encodable);
      }),
      { numRuns: 500 },
    );
  });
});
