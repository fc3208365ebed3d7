import { encodeTopic } from "@msg/wire";
import { validateTopic } from "../topic/index.js";

/**
 * A topic published recently: its validated UTF-8 bytes, and the subscribers it went to, which the
 * publisher keeps up to date (see PubSocket's routes).
 */
export interface PublishedTopic<Target> {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** The subscribers whose subscriptions matched this topic when it was last routed. */
  targets: readonly Target[];
  /** What the targets were computed from: the subscriber list, and its subscriptions' version. */
  routedFor: readonly Target[] | undefined;
  routedAtVersion: number;
}

/**
 * Validated UTF-8 bytes of recently published topics, with their routes. Publishers send the same
 * few topics over and over; validating and encoding each once saves work per message, and the last
 * topic is checked first (a loop publishing on one topic skips the lookup). Bounded: the cache is
 * emptied when it reaches its size.
 */
export class TopicCache<Target> {
  readonly #entries = new Map<string, PublishedTopic<Target>>();
  readonly #capacity: number;
  #last: PublishedTopic<Target> | undefined;

  constructor(capacity = 256) {
    this.#capacity = capacity;
  }

  /** The topic's entry; throws MsgError `invalid_topic` for a reserved, wildcard or oversized topic. */
  get(topic: string): PublishedTopic<Target> {
    const last = this.#last;
    if (last !== undefined && last.name === topic) return last;
    let entry = this.#entries.get(topic);
    if (entry === undefined) {
      validateTopic(topic);
      entry = {
        name: topic,
        bytes: encodeTopic(topic),
        targets: [],
        routedFor: undefined,
        routedAtVersion: -1,
      };
      if (this.#entries.size >= this.#capacity) this.#entries.clear();
      this.#entries.set(topic, entry);
    }
    this.#last = entry;
    return entry;
  }

  /**
   * Drops every cached route (each is recomputed at its topic's next publish), so that no entry keeps
   * a subscriber that has gone: called when one closes.
   */
  forgetRoutes(): void {
    for (const entry of this.#entries.values()) {
      entry.targets = [];
      entry.routedFor = undefined;
    }
  }
}
