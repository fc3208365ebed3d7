import { describe, expect, it } from "vitest";
import { PublishClock } from "../src/pubsub/publish-clock.js";

/** A clock that counts its readings, and a deferral queue the test runs by hand. */
function fakes() {
  let reads = 0;
  const queued: Array<() => void> = [];
  const clock = new PublishClock(
    () => ++reads,
    (callback) => queued.push(callback),
  );
  return { clock, reads: () => reads, queued };
}

describe("PublishClock", () => {
  it("reads the clock once per 32 messages of a burst and queues a single expiry per tick", () => {
    const { clock, reads, queued } = fakes();
    const stamps = Array.from({ length: 100 }, () => clock.now());
    expect(reads()).toBe(4); // messages 1, 33, 65 and 97
    expect(stamps[0]).toBe(1);
    expect(stamps[32]).toBe(2);
    expect(stamps[99]).toBe(4);
    expect(queued).toHaveLength(1);
  });

  it("reads the clock again on the first message after the tick ends", () => {
    const { clock, reads, queued } = fakes();
    clock.now();
    clock.now();
    expect(reads()).toBe(1);
    queued.shift()!();
    expect(clock.now()).toBe(2);
    expect(reads()).toBe(2);
    expect(queued).toHaveLength(1); // the new tick queues its own expiry
  });
});
