/** Counters of a `ResultCache` (the topic matcher's cache of match results), cumulative since it was created. */
export interface ResultCacheStats {
  /** Entries held now (at most the cache's capacity). */
  size: number;
  /** Lookups answered from the cache. */
  hits: number;
  /** Lookups that found nothing, including those made while the cache was bypassed. */
  misses: number;
  /** Entries dropped to make room (all at once when full). Clearing on a pattern change is not counted. */
  evictions: number;
  /** Times the cache filled up with fewer hits than entries and was bypassed for a while. */
  bypasses: number;
}

/**
 * How many lookups, as a multiple of the capacity, skip a cache that has just proved useless (it
 * filled up while fewer than half its lookups hit), before it is tried again.
 */
const BYPASS_CAPACITY_MULTIPLE = 16;

/**
 * A bounded map from recently matched topics to their result.
 *
 * - When full it is emptied and refilled, which costs nothing per hit or miss, unlike LRU bookkeeping.
 * - A publisher whose topics fit in it gets nearly only hits. One whose topics do not (many distinct
 *   topics) would pay a lookup and an insertion on every message for nothing; so when it fills up with
 *   fewer hits than entries since the last refill, lookups skip it for a while, then it is tried again.
 * - Long keys are never stored, so memory stays below about `capacity × maxKeyLength × 2` bytes.
 *
 * `capacity` must be at least 1 (TopicMatcher creates no cache at all for a size of 0).
 */
export class ResultCache {
  private readonly entries = new Map<string, boolean>();
  private hits = 0;
  private misses = 0;
  private evictions = 0;
  private bypasses = 0;
  private hitsSinceRefill = 0;
  /** Lookups (a get that misses, then its set) left to skip while bypassed. */
  private bypassLeft = 0;

  constructor(
    private readonly capacity: number,
    private readonly maxKeyLength: number,
  ) {}

  /** The cached result, or undefined (a miss). */
  get(key: string): boolean | undefined {
    if (this.bypassLeft > 0) {
      this.misses++;
      return undefined;
    }
    const result = this.entries.get(key);
    if (result === undefined) {
      this.misses++;
    } else {
      this.hits++;
      this.hitsSinceRefill++;
    }
    return result;
  }

  /** Records the result of a lookup that missed (every miss is followed by a set). */
  set(key: string, result: boolean): void {
    if (this.bypassLeft > 0) {
      this.bypassLeft--;
      return;
    }
    if (key.length > this.maxKeyLength) return;
    if (this.entries.size >= this.capacity) {
      if (this.hitsSinceRefill < this.entries.size) {
        this.bypassLeft = this.capacity * BYPASS_CAPACITY_MULTIPLE;
        this.bypasses++;
      }
      this.evictions += this.entries.size;
      this.entries.clear();
      this.hitsSinceRefill = 0;
      if (this.bypassLeft > 0) return;
    }
    this.entries.set(key, result);
  }

  /** Forgets every entry (the patterns changed); an ongoing bypass ends too. */
  clear(): void {
    this.entries.clear();
    this.hitsSinceRefill = 0;
    this.bypassLeft = 0;
  }

  stats(): ResultCacheStats {
    return {
      size: this.entries.size,
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
      bypasses: this.bypasses,
    };
  }
}
