import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IdTable } from "../src/req/id-table.js";

interface Item {
  readonly id: number;
}

/** Checks the table against a Map holding the same items. */
function expectSame(table: IdTable<Item>, model: Map<number, Item>, probe: number[]): void {
  expect(table.size).toBe(model.size);
  for (const id of probe) expect(table.get(id)).toBe(model.get(id));
  for (const [id, item] of model) expect(table.get(id)).toBe(item);
  expect(new Set(table.values())).toEqual(new Set(model.values()));
}

describe("IdTable", () => {
  it("behaves as a Map by id under any sequence of adds and deletes (ids crowded and wrapping)", () => {
    // Ids from a small range and from around 2^32 make probe runs collide, wrap the slot array
    // and exercise the backward shift of deletion.
    const id = fc.oneof(
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 0xffffffe0, max: 0xffffffff }),
      // Homes in the last slots and the first: probe runs that wrap from the end to the start.
      fc.constantFrom(14, 15, 30, 31, 46, 47, 0, 16, 32, 0xfffffffe, 0xffffffff),
    );
    const op = fc.record({ add: fc.boolean(), id });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const table = new IdTable<Item>();
        const model = new Map<number, Item>();
        for (const { add, id } of ops) {
          const held = model.get(id);
          if (add && held === undefined) {
            const item = { id };
            table.add(item);
            model.set(id, item);
          } else if (!add) {
            // Deleting an item that is not held (never added, or an equal id but another object) is a no-op.
            expect(table.delete(held ?? { id })).toBe(held !== undefined);
            model.delete(id);
          }
          expect(table.has(id)).toBe(model.has(id));
        }
        expectSame(table, model, [0, 1, 17, 0xffffffff]);
      }),
      { numRuns: 300 },
    );
  });

  it("grows past its first slots and keeps every item reachable; clear empties it", () => {
    const table = new IdTable<Item>();
    const model = new Map<number, Item>();
    for (let id = 1000; id < 1000 + 5000; id += 3) {
      const item = { id };
      table.add(item);
      model.set(id, item);
    }
    expectSame(table, model, [999, 1001, 7000]);
    for (const item of [...model.values()].filter((_, i) => i % 2 === 0)) {
      expect(table.delete(item)).toBe(true);
      model.delete(item.id);
    }
    expectSame(table, model, [1000, 1003]);
    table.clear();
    expect(table.size).toBe(0);
    expect(table.values()).toEqual([]);
    expect(table.get(1003)).toBeUndefined();
  });
});
