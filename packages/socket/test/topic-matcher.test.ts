import { ErrorCode, isMsgError } from "@msg/core";
import { describe, expect, it } from "vitest";
import { TopicMatcher } from "../src/topic/index.js";

function matcherOf(...patterns: string[]): TopicMatcher {
  const matcher = new TopicMatcher();
  for (const pattern of patterns) matcher.add(pattern);
  return matcher;
}

function expectMatches(matcher: TopicMatcher, yes: string[], no: string[]): void {
  expect(yes.filter((topic) => !matcher.matches(topic))).toEqual([]);
  expect(no.filter((topic) => matcher.matches(topic))).toEqual([]);
}

describe("TopicMatcher: NATS semantics (docs/pubsub.md, Topics and patterns)", () => {
  it("matches an exact pattern token by token, nothing longer, shorter or similar", () => {
    expectMatches(
      matcherOf("foo.bar"),
      ["foo.bar"],
      ["foo", "foo.bar.baz", "foo.ba", "foo.barr", "bar.foo", ""],
    );
  });

  it("`*` matches exactly one token, in any position", () => {
    expectMatches(
      matcherOf("foo.*"),
      ["foo.bar", "foo.x", "foo.*", "foo."],
      ["foo", "foo.bar.baz", "bar.foo"],
    );
    expectMatches(matcherOf("*.bar"), ["foo.bar", "x.bar", ".bar"], ["bar", "foo.bar.baz", "foo.baz"]);
    expectMatches(matcherOf("*"), ["foo", "", "*", ">"], ["foo.bar", "."]);
    expectMatches(matcherOf("a.*.*.d"), ["a.b.c.d", "a.x.y.d"], ["a.b.d", "a.b.c.e", "a.b.c.d.e"]);
  });

  it("`>` as the last token matches one or more trailing tokens (msg-rs: never matches)", () => {
    expectMatches(
      matcherOf("foo.>"),
      ["foo.bar", "foo.bar.baz", "foo.a.b.c.d", "foo."],
      ["foo", "bar.foo", ""],
    );
    expectMatches(matcherOf(">"), ["a", "a.b", "a.b.c", ""], []);
    expectMatches(matcherOf("a.*.>"), ["a.b.c", "a.b.c.d"], ["a.b", "a", "b.b.c"]);
  });

  it("backtracks from an exact token to `*` (msg-rs: no backtracking)", () => {
    const matcher = matcherOf("a.b.c", "a.*.d");
    expectMatches(matcher, ["a.b.c", "a.b.d", "a.x.d"], ["a.x.c", "a.b.e", "a.b"]);
  });

  it("backtracks across several levels and into `>`", () => {
    const matcher = matcherOf("a.b.*.d", "a.*.c.e", "a.b.c.x.>");
    expectMatches(matcher, ["a.b.c.e", "a.b.z.d", "a.q.c.e", "a.b.c.x.y"], ["a.b.c.f", "a.b.c.x", "a.q.z.d"]);
  });

  it("treats tokens that only contain `*` or `>` as literals", () => {
    expectMatches(matcherOf("a*", "b.>c"), ["a*", "b.>c"], ["ab", "a", "b.c", "b.x"]);
  });

  it("empty tokens are literal: the empty pattern matches only the empty topic", () => {
    // The wire vectors subscribe to the empty pattern (control topic exactly "MSG.SUB.").
    expectMatches(matcherOf(""), [""], ["a", ".", "a.b"]);
    expectMatches(matcherOf("a..b"), ["a..b"], ["a.b", "a.x.b"]);
    expectMatches(matcherOf("a.*.b"), ["a..b", "a.x.b"], ["a.b"]);
  });

  it("matches topics of the control-frame vectors' patterns", () => {
    const matcher = matcherOf("HELLO", "foo.*", "foo.>");
    expectMatches(matcher, ["HELLO", "foo.bar", "foo.bar.baz"], ["HELLO.x", "foo", "hello"]);
  });

  it("matches nothing when empty, and any string without throwing", () => {
    const matcher = new TopicMatcher();
    expectMatches(matcher, [], ["", "a", "MSG.SUB.a", "\uD800"]);
    matcher.add("*.>");
    expectMatches(matcher, ["MSG.SUB.a", "x.\uD800"], ["\uD800", ""]);
  });
});

describe("TopicMatcher: set semantics", () => {
  it("adding twice then removing once removes the pattern", () => {
    const matcher = new TopicMatcher();
    expect(matcher.add("a.*")).toBe(true);
    expect(matcher.add("a.*")).toBe(false);
    expect(matcher.size).toBe(1);
    expect(matcher.matches("a.b")).toBe(true);
    expect(matcher.remove("a.*")).toBe(true);
    expect(matcher.size).toBe(0);
    expect(matcher.matches("a.b")).toBe(false);
    expect(matcher.remove("a.*")).toBe(false);
  });

  it("lists patterns in insertion order and reports membership", () => {
    const matcher = matcherOf("b", "a.>", "c.*", "b");
    expect(matcher.patterns()).toEqual(["b", "a.>", "c.*"]);
    expect(matcher.has("a.>")).toBe(true);
    expect(matcher.has("a.b")).toBe(false);
    matcher.remove("a.>");
    expect(matcher.patterns()).toEqual(["b", "c.*"]);
  });

  it("removing a pattern keeps the patterns that share its trie path", () => {
    const matcher = matcherOf("a.*", "a.*.b", "a.>", "a.x");
    matcher.remove("a.*");
    expectMatches(matcher, ["a.y.b", "a.y", "a.x", "a.y.z"], []);
    matcher.remove("a.>");
    expectMatches(matcher, ["a.y.b", "a.x"], ["a.y", "a.y.z"]);
    matcher.remove("a.*.b");
    expectMatches(matcher, ["a.x"], ["a.y.b", "a.y"]);
  });

  it("rejects an invalid pattern with invalid_topic and keeps the set unchanged", () => {
    const matcher = matcherOf("a");
    for (const bad of ["a.>.b", "MSG.x", "MSGX", "\uDC00"]) {
      let thrown: unknown;
      try {
        matcher.add(bad);
      } catch (error) {
        thrown = error;
      }
      expect(isMsgError(thrown, ErrorCode.InvalidTopic), bad).toBe(true);
    }
    expect(matcher.patterns()).toEqual(["a"]);
  });

  it("removing an invalid or unknown pattern is a harmless false", () => {
    const matcher = matcherOf("a");
    expect(matcher.remove("a.>.b")).toBe(false);
    expect(matcher.remove("MSG")).toBe(false);
    expect(matcher.remove("b")).toBe(false);
    expect(matcher.patterns()).toEqual(["a"]);
  });
});

describe("TopicMatcher: recent-results cache", () => {
  it("serves repeated wildcard lookups from the cache", () => {
    const matcher = matcherOf("a.*");
    expect(matcher.matches("a.b")).toBe(true);
    expect(matcher.matches("a.b")).toBe(true);
    expect(matcher.matches("x.y")).toBe(false);
    expect(matcher.matches("x.y")).toBe(false);
    expect(matcher.cacheStats()).toEqual({ size: 2, hits: 2, misses: 2, evictions: 0, bypasses: 0 });
  });

  it("forgets cached results when a pattern is added or removed", () => {
    const matcher = matcherOf("z.*");
    expect(matcher.matches("a.b")).toBe(false);
    matcher.add("a.*");
    expect(matcher.matches("a.b")).toBe(true);
    matcher.remove("a.*");
    expect(matcher.matches("a.b")).toBe(false);
    matcher.add("a.>");
    expect(matcher.matches("a.b")).toBe(true);
    expect(matcher.cacheStats().hits).toBe(0);
  });

  it("does not clear the cache when add or remove changes nothing", () => {
    const matcher = matcherOf("a.*");
    matcher.matches("a.b");
    matcher.add("a.*");
    matcher.remove("never.added");
    expect(matcher.cacheStats().size).toBe(1);
  });

  it("empties itself when full and refills with a working set that fits", () => {
    const matcher = new TopicMatcher({ cacheSize: 4 });
    matcher.add("t.*");
    for (let round = 0; round < 3; round++) for (let i = 0; i < 4; i++) matcher.matches(`t.${i}`);
    expect(matcher.matches("t.4")).toBe(true); // full, but it earned its keep: refill
    expect(matcher.cacheStats()).toEqual({ size: 1, hits: 8, misses: 5, evictions: 4, bypasses: 0 });
  });

  it("bypasses a cache the topics do not fit in, then tries it again", () => {
    const matcher = new TopicMatcher({ cacheSize: 4 });
    matcher.add("t.*");
    for (let i = 0; i < 5; i++) expect(matcher.matches(`t.${i}`)).toBe(true);
    expect(matcher.cacheStats()).toEqual({ size: 0, hits: 0, misses: 5, evictions: 4, bypasses: 1 });
    // 16 x capacity lookups skip it, answered by the trie alone.
    for (let i = 0; i < 64; i++) expect(matcher.matches("t.0")).toBe(true);
    expect(matcher.cacheStats()).toMatchObject({ size: 0, hits: 0, misses: 69 });
    expect(matcher.matches("t.0")).toBe(true);
    expect(matcher.matches("t.0")).toBe(true);
    expect(matcher.cacheStats()).toMatchObject({ size: 1, hits: 1, misses: 70 });
  });

  it("ends a bypass when the patterns change", () => {
    const matcher = new TopicMatcher({ cacheSize: 2 });
    matcher.add("t.*");
    for (let i = 0; i < 3; i++) matcher.matches(`t.${i}`);
    expect(matcher.cacheStats().bypasses).toBe(1);
    matcher.add("u.*");
    matcher.matches("u.1");
    matcher.matches("u.1");
    expect(matcher.cacheStats()).toMatchObject({ size: 1, hits: 1 });
  });

  it("never caches topics longer than maxCachedTopicLength", () => {
    const matcher = new TopicMatcher({ maxCachedTopicLength: 8 });
    matcher.add("*.>");
    expect(matcher.matches(`a.${"x".repeat(100)}`)).toBe(true);
    expect(matcher.matches("a.short")).toBe(true);
    expect(matcher.cacheStats().size).toBe(1);
  });

  it("works without a cache (cacheSize 0)", () => {
    const matcher = new TopicMatcher({ cacheSize: 0 });
    matcher.add("a.*");
    expect(matcher.matches("a.b")).toBe(true);
    expect(matcher.matches("b.b")).toBe(false);
    expect(matcher.cacheStats()).toEqual({ size: 0, hits: 0, misses: 0, evictions: 0, bypasses: 0 });
  });

  it("rejects a negative or fractional cache option with invalid_argument", () => {
    for (const options of [{ cacheSize: -1 }, { cacheSize: 1.5 }, { maxCachedTopicLength: Number.NaN }]) {
      expect(() => new TopicMatcher(options)).toThrow(
        expect.objectContaining({ code: ErrorCode.InvalidArgument }),
      );
    }
  });
});
