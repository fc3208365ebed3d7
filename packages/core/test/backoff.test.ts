import { describe, expect, it } from "vitest";
import { Backoff } from "../src/index.js";

describe("Backoff", () => {
  it("doubles from the initial delay up to the cap, without jitter", () => {
    const backoff = new Backoff({ initialDelay: 100, maxDelay: 1000, jitter: 0 });
    expect([1, 2, 3, 4, 5, 6].map(() => backoff.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it("stops after maxAttempts and starts again after reset", () => {
    const backoff = new Backoff({ initialDelay: 10, maxAttempts: 2, jitter: 0 });
    expect(backoff.next()).toBe(10);
    expect(backoff.next()).toBe(20);
    expect(backoff.next()).toBeUndefined();
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBe(10);
  });

  it("spreads delays within ±jitter and never above the cap", () => {
    const values = [0, 0.25, 0.5, 0.75, 0.999];
    let i = 0;
    const backoff = new Backoff({ initialDelay: 1000, maxDelay: 1000, jitter: 0.2 }, () => values[i++ % 5]!);
    const delays = values.map(() => backoff.next()!);
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(800);
      expect(delay).toBeLessThanOrEqual(1000);
    }
    expect(delays[0]).toBe(800);
  });
});
