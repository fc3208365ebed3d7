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
    const items = new Set<{ name: string; deadline: number }>();
    const timer = new DeadlineTimer(
      () => items,
      (item) => {
        items.delete(item);
        expired.push(item.name);
        if (expired.length === 3) resolveAll();
      },
    );
    const now = performance.now();
    const late = { name: "late", deadline: now + 60 };
    const early = { name: "early", deadline: now + 20 };
    const removed = { name: "removed", deadline: now + 10 };
    const middle = { name: "middle", deadline: now + 40 };
    for (const item of [late, early, removed, middle]) {
      items.add(item);
      timer.watch(item.deadline);
    }
    items.delete(removed); // finished before its deadline: the owner stops listing it, nothing more
    await withTimeout(all, 2000, "three expiries");
    expect(expired).toEqual(["early", "middle", "late"]);
    expect(performance.now() - now).toBeGreaterThanOrEqual(59);
    expect(items.size).toBe(0);
    timer.clear();
  });

  it("an item added with an earlier deadline re-arms the timer for it", async () => {
    let timer!: DeadlineTimer<{ deadline: number }>;
    const start = performance.now();
    const items = new Set([{ deadline: start + 10_000 }, { deadline: start + 20 }]);
    const expired = new Promise<number>((resolve) => {
      timer = new DeadlineTimer(
        () => items,
        (item) => {
          items.delete(item);
          resolve(performance.now());
        },
      );
      for (const item of items) timer.watch(item.deadline);
    });
    expect((await withTimeout(expired, 2000, "early expiry")) - start).toBeLessThan(1000);
    timer.clear(); // the 10 s item must not keep the process alive
  });
});

describe("DeadlineTimer with deadlines a timer cannot hold", () => {
  it("never expires an infinite deadline and does not spin on it", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    const expired: string[] = [];
    let done!: () => void;
    const finite = new Promise<void>((resolve) => {
      done = resolve;
    });
    const items = new Set([
      { name: "forever", deadline: Number.POSITIVE_INFINITY },
      { name: "soon", deadline: performance.now() + 20 },
    ]);
    const timer = new DeadlineTimer(
      () => items,
      (item) => {
        items.delete(item);
        expired.push(item.name);
        done();
      },
    );
    for (const item of items) timer.watch(item.deadline);
    await withTimeout(finite, 2000, "the finite deadline");
    await new Promise((resolve) => setTimeout(resolve, 50)); // room for a spinning timer to show
    process.off("warning", onWarning);
    expect(expired).toEqual(["soon"]);
    expect(items.size).toBe(1);
    expect(warnings).not.toContain("TimeoutOverflowWarning");
    timer.clear();
  });
});
