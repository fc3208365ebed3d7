import { encodeTopic } from "@msg/wire";

/**
 * UTF-8 bytes of recently published topics. Publishers send the same few topics over and over; encoding
 * each once saves work per message. Bounded: the cache is emptied when it reaches its size.
 */
export class TopicBytesCache {
  readonly #entries = new Map<string, Uint8Array>();
  readonly #capacity: number;

  constructor(capacity = 256) {
    this.#capacity = capacity;
  }

  get(topic: string): Uint8Array {
    let bytes = this.#entries.get(topic);
    if (bytes === undefined) {
      bytes = encodeTopic(topic);
      if (this.#entries.size >= this.#capacity) this.#entries.clear();
      this.#entries.set(topic, bytes);
    }
    return bytes;
  }
}
