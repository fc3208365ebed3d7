import { encodeTopic } from "@msg/wire";
import { validateTopic } from "../topic/index.js";

/**
 * Validated UTF-8 bytes of recently published topics. Publishers send the same few topics over and
 * over; validating and encoding each once saves work per message. Bounded: the cache is emptied when
 * it reaches its size.
 */
export class TopicBytesCache {
  readonly #entries = new Map<string, Uint8Array>();
  readonly #capacity: number;

  constructor(capacity = 256) {
    this.#capacity = capacity;
  }

  /** The topic's bytes; throws MsgError `invalid_topic` for a reserved, wildcard or oversized topic. */
  get(topic: string): Uint8Array {
    let bytes = this.#entries.get(topic);
    if (bytes === undefined) {
      validateTopic(topic);
      bytes = encodeTopic(topic);
      if (this.#entries.size >= this.#capacity) this.#entries.clear();
      this.#entries.set(topic, bytes);
    }
    return bytes;
  }
}
