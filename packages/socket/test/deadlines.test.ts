import { withTimeout } from "@msg/core/testing";
import { describe, expect, it } from "vitest";
import { DeadlineTimer } from "../src/deadlines.js";

describe("DeadlineTimer", () => {
  it("expires each item at its own deadline, earliest first, and skips items removed before", async () => {
    const expired: string[] = [];
    let resolveAll!: () => void;
    const all = new Promise<void>((resolve) => {
      resolveAll = resolve;
    });
    const timer = new DeadlineTimer<{ name: string; deadline: number }>((item) => {
      expired.push(item.name);
      if (expired.length === 3) resolveAll();
    });
    const now = performance.now();
    const late = { name: "late", deadline: now + 60 };
    const early = { name: "early", deadline: now + 20 };
    const removed = { name: "removed", deadline: now + 10 };
    const middle = { name: "middle", deadline: now + 40 };
    timer.add(late);
    timer.add(early);
    timer.add(removed);
    timer.add(middle);
    timer.delete(removed);
    await withTimeout(all, 2000, "three expiries");
    expect(expired).toEqual(["early", "middle", "late"]);
    expect(performance.now() - now).toBeGreaterThanOrEqual(59);
    expect(timer.size).toBe(0);
    timer.clear();
  });

  it("an item added with an earlier deadline re-arms the timer for it", async () => {
    let timer!: DeadlineTimer<{ deadline: number }>;
    const start = performance.now();
    const expired = new Promise<number>((resolve) => {
      timer = new DeadlineTimer<{ deadline: number }>(() => resolve(performance.now()));
      timer.add({ deadline: start + 10_000 });
      timer.add({ deadline: start + 20 });
    });
    expect((await withTimeout(expired, 2000, "early expiry")) - start).toBeLessThan(1000);
    timer.clear(); // the 10 s item must not keep the process alive
  });
});
