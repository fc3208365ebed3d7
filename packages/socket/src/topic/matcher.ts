import { checkInteger } from "@msg/core";
import { ResultCache, type ResultCacheStats } from "./result-cache.js";
import { hasWildcardToken, tokenize } from "./tokens.js";
import { PatternTrie } from "./trie.js";
import { validatePattern } from "./validate.js";

/** Options of {@link TopicMatcher}. */
export interface TopicMatcherOptions {
  /**
   * How many recent topics remember their match result, so that a publisher sending the same topics
   * over and over skips the trie walk. Only used while some pattern has a wildcard (exact patterns are
   * a single set lookup anyway); emptied whenever the pattern set changes, and when full; skipped for a
   * while when the topics do not fit in it (see ResultCache). `0` disables the cache. Default: `256`.
   */
  cacheSize?: number;
  /**
   * Topics longer than this many UTF-16 code units are never cached, which bounds the cache's memory to
   * about `cacheSize × maxCachedTopicLength × 2` bytes (128 KiB with the defaults). Default: `256`.
   */
  maxCachedTopicLength?: number;
}

const DEFAULT_CACHE_SIZE = 256;
const DEFAULT_MAX_CACHED_TOPIC_LENGTH = 256;

/** An integer of at least 0, else MsgError `invalid_argument` naming the option. */
function checkCount(name: string, value: number): number {
  checkInteger(name, value, 0);
  return value;
}

/**
 * The set of subscription patterns of one subscriber, answering "does this topic match any of them?"
 * with NATS semantics: topics are `.`-separated tokens, `*` matches exactly one token, `>` as the last
 * token matches one or more trailing tokens, any other token matches itself only.
 *
 * Difference from msg-rs 0.1.6 (`msg-socket/src/pub/trie.rs`), whose matcher has two bugs that this one
 * does not reproduce:
 * - `>` never matches there: the catch-all flag is stored on the `>` node but read from its parent, so
 *   `foo.>` matches only the literal topic `foo.>`; here it matches `foo.bar` and `foo.bar.baz`.
 * - it does not backtrack: it follows the exact child if one exists and never retries `*`, so with
 *   `a.b.c` and `a.*.d` subscribed, `a.b.d` is lost; here both patterns match their topics.
 * A msg-rs subscriber therefore receives, from a msg publisher, what its patterns were documented to
 * select, which is a superset of what a msg-rs publisher would send it.
 *
 * Set semantics: adding a pattern twice and removing it once removes it.
 */
export class TopicMatcher {
  /** Every pattern, wildcard or not; an exact pattern matches by a lookup here alone. */
  private readonly all = new Set<string>();
  /** The patterns with a `*` or `>` token. */
  private readonly wildcards = new PatternTrie();
  private wildcardCount = 0;
  private readonly cache: ResultCache | undefined;

  constructor(options: TopicMatcherOptions = {}) {
    const cacheSize = checkCount("cacheSize", options.cacheSize ?? DEFAULT_CACHE_SIZE);
    const maxKeyLength = checkCount(
      "maxCachedTopicLength",
      options.maxCachedTopicLength ?? DEFAULT_MAX_CACHED_TOPIC_LENGTH,
    );
    this.cache = cacheSize > 0 ? new ResultCache(cacheSize, maxKeyLength) : undefined;
  }

  /** How many distinct patterns are held. */
  get size(): number {
    return this.all.size;
  }

  /**
   * Adds a pattern; returns true if it was not there yet. Throws MsgError `invalid_topic` for an invalid
   * pattern (see validatePattern), leaving the set unchanged.
   */
  add(pattern: string): boolean {
    validatePattern(pattern);
    if (this.all.has(pattern)) return false;
    this.all.add(pattern);
    if (hasWildcardToken(pattern)) {
      this.wildcards.insert(tokenize(pattern));
      this.wildcardCount++;
    }
    this.cache?.clear();
    return true;
  }

  /**
   * Removes a pattern; returns true if it was there. A pattern that was never added (including an
   * invalid one) is simply absent: false, no error, so unsubscribing twice is harmless.
   */
  remove(pattern: string): boolean {
    if (!this.all.delete(pattern)) return false;
    if (hasWildcardToken(pattern)) {
      this.wildcards.remove(tokenize(pattern));
      this.wildcardCount--;
    }
    this.cache?.clear();
    return true;
  }

  /** True when `pattern` is in the set (compared as a string, not matched). */
  has(pattern: string): boolean {
    return this.all.has(pattern);
  }

  /**
   * True when some pattern matches `topic`. Never throws: any string is matched token by token
   * (validating published topics is the publisher's job, once per message, not once per subscriber).
   */
  matches(topic: string): boolean {
    if (this.all.has(topic)) return true;
    if (this.wildcardCount === 0) return false;
    const cache = this.cache;
    if (cache === undefined) return this.wildcards.matches(topic);
    let result = cache.get(topic);
    if (result === undefined) {
      result = this.wildcards.matches(topic);
      cache.set(topic, result);
    }
    return result;
  }

  /** The patterns, in the order they were added. */
  patterns(): string[] {
    return [...this.all];
  }

  /** Counters of the recent-results cache (all zero when it is disabled). */
  cacheStats(): ResultCacheStats {
    return this.cache?.stats() ?? { size: 0, hits: 0, misses: 0, evictions: 0, bypasses: 0 };
  }
}
