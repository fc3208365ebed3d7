import { describe, expect, it } from "vitest";
import { ManualScheduler, Prng, realScheduler } from "../src/index.js";
import { mean } from "./helpers.js";

describe("Prng", () => {
  it("repeats its sequence for a seed and differs across seeds and labels", () => {
    const draw = (prng: Prng) => Array.from({ length: 8 }, () => prng.nextUint32());
    expect(draw(new Prng(7))).toEqual(draw(new Prng(7)));
    expect(draw(new Prng(7))).not.toEqual(draw(new Prng(8)));
    expect(draw(Prng.derive(7, "eu", "us"))).toEqual(draw(Prng.derive(7, "eu", "us")));
    expect(draw(Prng.derive(7, "eu", "us"))).not.toEqual(draw(Prng.derive(7, "us", "eu")));
    expect(draw(Prng.derive(7, "ab", "c"))).not.toEqual(draw(Prng.derive(7, "a", "bc")));
  });

  it("is uniform enough: mean 0.5 and every decile near 10 %", () => {
    const prng = new Prng(1);
    const values = Array.from({ length: 100_000 }, () => prng.next());
    expect(mean(values)).toBeCloseTo(0.5, 2);
    const deciles = new Array(10).fill(0);
    for (const value of values) deciles[Math.floor(value * 10)]++;
    for (const count of deciles) expect(Math.abs(count - 10_000)).toBeLessThan(500);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
  });
});

describe("ManualScheduler", () => {
  it("runs tasks in time order, same-time tasks in scheduling order, and honours cancel", () => {
    const scheduler = new ManualScheduler();
    const ran: string[] = [];
    scheduler.at(5, () => ran.push(`b@${scheduler.now()}`));
    scheduler.at(2.5, () => {
      ran.push(`a@${scheduler.now()}`);
      scheduler.at(2.5, () => ran.push("a2"));
    });
    scheduler.at(5, () => ran.push("c"));
    const cancel = scheduler.at(4, () => ran.push("cancelled"));
    cancel();
    scheduler.advance(4.9);
    expect(ran).toEqual(["a@2.5", "a2"]);
    expect(scheduler.now()).toBe(4.9);
    scheduler.advance(1);
    expect(ran).toEqual(["a@2.5", "a2", "b@5", "c"]);
  });
});

describe("realScheduler", () => {
  it("fires a task due in 3.5 ms no earlier, and not much later (honest margin for a busy machine)", async () => {
    const start = realScheduler.now();
    const firedAt = await new Promise<number>((resolve) =>
      realScheduler.at(start + 3.5, () => resolve(realScheduler.now())),
    );
    expect(firedAt - start).toBeGreaterThanOrEqual(3.5);
    expect(firedAt - start).toBeLessThan(200);
  });

  it("runs tasks in time order even when scheduled out of order", async () => {
    const start = realScheduler.now();
    const order: number[] = [];
    await new Promise<void>((resolve) => {
      realScheduler.at(start + 6, () => {
        order.push(6);
        resolve();
      });
      realScheduler.at(start + 0.2, () => order.push(0.2));
      realScheduler.at(start + 2, () => order.push(2));
    });
    expect(order).toEqual([0.2, 2, 6]);
  });
});
