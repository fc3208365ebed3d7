import { describe, expect, it } from "vitest";
import { FIRST_READ_BYTES, ReadBudget, ReadBuffer } from "../src/proxy/read-buffer.js";

describe("ReadBuffer", () => {
  it("reuses one buffer while reads leave it free and do not fill it", () => {
    const reads = new ReadBuffer(1 << 20, new ReadBudget(1 << 30));
    const first = reads.next();
    expect(first.length).toBe(FIRST_READ_BYTES);
    for (const bytes of [1, 100, FIRST_READ_BYTES - 1]) {
      reads.afterRead(bytes, false);
      expect(reads.next()).toBe(first);
    }
  });

  it("doubles after each full read up to its maximum, taking the growth from the budget", () => {
    const budget = new ReadBudget(1 << 30);
    const reads = new ReadBuffer(256 * 1024, budget);
    const sizes = [];
    for (let i = 0; i < 4; i++) {
      reads.afterRead(reads.size, false);
      sizes.push(reads.size);
    }
    expect(sizes).toEqual([128 * 1024, 256 * 1024, 256 * 1024, 256 * 1024]);
    expect(budget.held).toBe(256 * 1024 - FIRST_READ_BYTES);
    reads.release();
    reads.release();
    expect(budget.held).toBe(0);
  });

  it("gives the next read a fresh buffer when a write still holds the last one", () => {
    const reads = new ReadBuffer(1 << 20, new ReadBudget(1 << 30));
    const lent = reads.next();
    reads.afterRead(10, true);
    const fresh = reads.next();
    expect(fresh).not.toBe(lent);
    expect(fresh.length).toBe(lent.length);
    // A full read that also grows needs only the grown buffer.
    reads.afterRead(fresh.length, true);
    expect(reads.size).toBe(2 * FIRST_READ_BYTES);
  });

  it("stays at its size when the budget is spent, and grows again once another gives growth back", () => {
    const budget = new ReadBudget(FIRST_READ_BYTES);
    const a = new ReadBuffer(1 << 20, budget);
    const b = new ReadBuffer(1 << 20, budget);
    a.afterRead(a.size, false);
    expect(a.size).toBe(2 * FIRST_READ_BYTES);
    b.afterRead(b.size, false);
    expect(b.size).toBe(FIRST_READ_BYTES);
    a.release();
    b.afterRead(b.size, false);
    expect(b.size).toBe(2 * FIRST_READ_BYTES);
    expect(budget.held).toBe(FIRST_READ_BYTES);
  });
});
