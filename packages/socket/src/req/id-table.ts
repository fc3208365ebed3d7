/** Fewest slots a table has. */
const MIN_SLOTS = 16;

/** Marks a slot whose item was deleted: lookups go on past it, adds may reuse it. No u32 id is -1. */
const DELETED = Object.freeze({ id: -1 });

/**
 * The Req socket's requests in flight, found by their wire id: an open-addressing hash table
 * (linear probing) holding the items themselves, each keyed by its own `id`, a u32 that must not
 * change while the item is in the table and must be unique in it.
 *
 * Why not a `Map`: a sequential client adds one request and deletes it again on every round trip,
 * and V8 reallocates a Map's table each time it empties (it shrinks when under a quarter full); set,
 * get and delete cost 65-70 ns per request there, against about 20 ns here (with one request in
 * flight or 2048). Ids are handed out in sequence, so `id & mask` puts each item in its own home
 * slot in the common case.
 *
 * Deleting leaves a marker instead of moving later items back: with sequential ids the items form
 * one long run of slots, which a backward shift would walk to its end on every delete (thousands of
 * slots with thousands of requests in flight). Once items and markers fill half the slots, the table
 * is rebuilt without markers, at four times the items held (at least 16 slots): a rebuild of C slots
 * comes after at least C/4 adds, so each costs O(1) on average. Memory: fewer than 8 slots (8 bytes
 * each) per item held at the last rebuild (the one being added counted), and never below 16.
 */
export class IdTable<T extends { readonly id: number }> {
  #slots: (T | typeof DELETED | undefined)[] = new Array(MIN_SLOTS).fill(undefined);
  #mask = MIN_SLOTS - 1;
  #size = 0;
  #deleted = 0;

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
      if (item === undefined) return undefined;
      if (item.id === id) return item as T;
    }
  }

  /** True when an item with this id is held. */
  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  /** Adds `item`; no item with the same id may be held. */
  add(item: T): void {
    if ((this.#size + this.#deleted + 1) * 2 > this.#slots.length) this.#rebuild(this.#size + 1);
    const slots = this.#slots;
    const mask = this.#mask;
    let i = item.id & mask;
    for (;;) {
      const held = slots[i];
      if (held === undefined) break;
      if (held === DELETED) {
        this.#deleted--;
        break;
      }
      i = (i + 1) & mask;
    }
    slots[i] = item;
    this.#size++;
  }

  /** Removes `item` (this very object); false when it was not held. */
  delete(item: T): boolean {
    const slots = this.#slots;
    const mask = this.#mask;
    for (let i = item.id & mask; ; i = (i + 1) & mask) {
      const held = slots[i];
      if (held === undefined) return false;
      if (held === item) {
        slots[i] = DELETED;
        this.#size--;
        this.#deleted++;
        return true;
      }
    }
  }

  /** Removes every item. */
  clear(): void {
    this.#slots.fill(undefined);
    this.#size = 0;
    this.#deleted = 0;
  }

  /** The items held, in no particular order (a copy: the table may change while it is used). */
  values(): T[] {
    const items: T[] = [];
    for (const item of this.#slots) if (item !== undefined && item !== DELETED) items.push(item as T);
    return items;
  }

  /** Re-places the items without markers, in a table sized for `count` items at a quarter full. */
  #rebuild(count: number): void {
    const items = this.values();
    let slots = MIN_SLOTS;
    while (slots < count * 4) slots *= 2;
    if (slots === this.#slots.length) this.#slots.fill(undefined);
    else this.#slots = new Array(slots).fill(undefined);
    this.#mask = slots - 1;
    this.#deleted = 0;
    this.#size = 0;
    for (const item of items) this.add(item);
  }
}
