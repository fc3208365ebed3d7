/** Fewest slots a table has; it doubles whenever it would become more than half full. */
const MIN_SLOTS = 16;

/**
 * The Req socket's requests in flight, found by their wire id: an open-addressing hash table (linear
 * probing, deletion by backward shift) holding the items themselves, each keyed by its own `id`, a
 * u32 that must not change while the item is in the table and must be unique in it.
 *
 * Why not a `Map`: a sequential client adds one request and deletes it again on every round trip,
 * and V8 reallocates a Map's table each time it empties (it shrinks when under a quarter full); set,
 * get and delete cost about 70 ns per round trip there, against under 10 ns here. Ids are handed out
 * in sequence, so `id & mask` spreads them over the slots without collisions in the common case.
 * Memory: it does not shrink, so it keeps fewer than four slots (8 bytes each) per item at its peak
 * (for a Req socket, at most `maxPendingRequests` items).
 */
export class IdTable<T extends { readonly id: number }> {
  #slots: (T | undefined)[] = new Array<T | undefined>(MIN_SLOTS).fill(undefined);
  #mask = MIN_SLOTS - 1;
  #size = 0;

  /** Items held. */
  get size(): number {
    return this.#size;
  }

  /** The item with this id, if any. */
  get(id: number): T | undefined {
    const slots = this.#slots;
    const mask = this.#mask;
    for (let i = id & mask; ; i = (i + 1) & mask) {
      const item = slots[i];
      if (item === undefined || item.id === id) return item;
    }
  }

  /** True when an item with this id is held. */
  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  /** Adds `item`; no item with the same id may be held. */
  add(item: T): void {
    if ((this.#size + 1) * 2 > this.#slots.length) this.#grow();
    this.#place(item);
    this.#size++;
  }

  /** Removes `item` (this very object); false when it was not held. */
  delete(item: T): boolean {
    const slots = this.#slots;
    const mask = this.#mask;
    let hole = item.id & mask;
    for (;;) {
      const held = slots[hole];
      if (held === undefined) return false;
      if (held === item) break;
      hole = (hole + 1) & mask;
    }
    // Backward shift: pull later items of the same probe run into the hole when their home slot
    // allows it, so that every item stays reachable from its home without tombstones.
    for (let next = (hole + 1) & mask; ; next = (next + 1) & mask) {
      const moved = slots[next];
      if (moved === undefined) break;
      const home = moved.id & mask;
      // `moved` may fill the hole unless its home lies cyclically in (hole, next].
      const homeAfterHole = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (!homeAfterHole) {
        slots[hole] = moved;
        hole = next;
      }
    }
    slots[hole] = undefined;
    this.#size--;
    return true;
  }

  /** Removes every item. */
  clear(): void {
    this.#slots.fill(undefined);
    this.#size = 0;
  }

  /** The items held, in no particular order (a copy: the table may change while it is used). */
  values(): T[] {
    const items: T[] = [];
    for (const item of this.#slots) if (item !== undefined) items.push(item);
    return items;
  }

  #place(item: T): void {
    const slots = this.#slots;
    const mask = this.#mask;
    let i = item.id & mask;
    while (slots[i] !== undefined) i = (i + 1) & mask;
    slots[i] = item;
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Array<T | undefined>(old.length * 2).fill(undefined);
    this.#mask = this.#slots.length - 1;
    for (const item of old) if (item !== undefined) this.#place(item);
  }
}
