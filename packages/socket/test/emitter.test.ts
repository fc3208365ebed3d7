import { on, once } from "node:events";
import { describe, expect, it } from "vitest";
import { TypedEmitter } from "../src/index.js";

interface TestEvents {
  tick: { n: number };
  done: Record<string, never>;
}

class Ticker extends TypedEmitter<TestEvents> {
  tick(n: number): void {
    this.fire("tick", { n });
  }
  done(): void {
    this.fire("done", {});
  }
}

describe("TypedEmitter", () => {
  it("calls listeners in the order added, with the event object and the emitter as this", () => {
    const ticker = new Ticker();
    const calls: string[] = [];
    let self: unknown;
    ticker.on("tick", function (this: unknown, { n }) {
      self = this;
      calls.push(`a${n}`);
    });
    ticker.on("tick", ({ n }) => calls.push(`b${n}`));
    ticker.tick(1);
    expect(calls).toEqual(["a1", "b1"]);
    expect(self).toBe(ticker);
  });

  it("once runs a listener for one event only; off removes it by the listener given", () => {
    const ticker = new Ticker();
    const seen: number[] = [];
    ticker.once("tick", ({ n }) => seen.push(n));
    ticker.tick(1);
    ticker.tick(2);
    expect(seen).toEqual([1]);
    const never = () => seen.push(-1);
    ticker.once("tick", never);
    expect(ticker.listenerCount("tick", never)).toBe(1);
    ticker.off("tick", never);
    ticker.tick(3);
    expect(seen).toEqual([1]);
    expect(ticker.listenerCount("tick")).toBe(0);
  });

  it("off removes the most recent registration of a listener added twice", () => {
    const ticker = new Ticker();
    const seen: number[] = [];
    const listener = ({ n }: { n: number }) => seen.push(n);
    ticker.on("tick", listener);
    ticker.on("tick", listener);
    ticker.off("tick", listener);
    ticker.tick(1);
    expect(seen).toEqual([1]);
  });

  it("a listener added or removed during an emit takes effect from the next emit", () => {
    const ticker = new Ticker();
    const calls: string[] = [];
    const late = () => calls.push("late");
    const second = () => calls.push("second");
    ticker.on("tick", () => {
      calls.push("first");
      ticker.on("tick", late);
      ticker.off("tick", second);
    });
    ticker.on("tick", second);
    ticker.tick(1);
    expect(calls).toEqual(["first", "second"]);
    calls.length = 0;
    ticker.tick(2);
    expect(calls).toEqual(["first", "late"]);
  });

  it("prepend, listeners, rawListeners, eventNames and removeAllListeners", () => {
    const ticker = new Ticker();
    const calls: string[] = [];
    const a = () => calls.push("a");
    const b = () => calls.push("b");
    const c = () => calls.push("c");
    ticker.on("tick", a);
    ticker.prependListener("tick", b);
    ticker.prependOnceListener("tick", c);
    expect(ticker.listeners("tick")).toEqual([c, b, a]);
    expect(ticker.rawListeners("tick")[0]).not.toBe(c);
    ticker.tick(1);
    ticker.tick(2);
    expect(calls).toEqual(["c", "b", "a", "b", "a"]);
    ticker.on("done", a);
    expect(ticker.eventNames()).toEqual(["tick", "done"]);
    ticker.removeAllListeners("tick");
    expect(ticker.eventNames()).toEqual(["done"]);
    ticker.removeAllListeners();
    expect(ticker.eventNames()).toEqual([]);
  });

  it("fire without listeners does nothing; emit reports whether anyone listened", () => {
    const ticker = new Ticker();
    expect(() => ticker.tick(1)).not.toThrow();
    expect(ticker.emit("tick", { n: 1 })).toBe(false);
    ticker.on("tick", () => {});
    expect(ticker.emit("tick", { n: 1 })).toBe(true);
  });

  it("emit('error') with no listener throws, as Node's EventEmitter", () => {
    const ticker = new Ticker();
    const problem = new Error("boom");
    expect(() => ticker.emit("error", problem)).toThrow(problem);
    ticker.addListener("error", () => {});
    expect(ticker.emit("error", problem)).toBe(true);
  });

  it("a listener's exception reaches the code that fired, as with EventEmitter", () => {
    const ticker = new Ticker();
    ticker.on("tick", () => {
      throw new Error("listener failed");
    });
    expect(() => ticker.tick(1)).toThrow("listener failed");
  });

  it("setMaxListeners is kept for compatibility and never warns", () => {
    const ticker = new Ticker();
    expect(ticker.getMaxListeners()).toBe(10);
    expect(ticker.setMaxListeners(1)).toBe(ticker);
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    for (let i = 0; i < 20; i++) ticker.on("tick", () => {});
    process.off("warning", onWarning);
    expect(warnings).toEqual([]);
    expect(ticker.listenerCount("tick")).toBe(20);
  });

  it("works with events.once and events.on from node:events, and leaves no listener behind", async () => {
    const ticker = new Ticker();
    const next = once(ticker, "tick");
    ticker.tick(7);
    expect(await next).toEqual([{ n: 7 }]);
    expect(ticker.listenerCount("tick")).toBe(0);
    expect(ticker.listenerCount("error")).toBe(0);

    const stop = new AbortController();
    const stream = on(ticker, "tick", { signal: stop.signal });
    queueMicrotask(() => {
      ticker.tick(1);
      ticker.tick(2);
    });
    const seen: number[] = [];
    try {
      for await (const [event] of stream) {
        seen.push((event as { n: number }).n);
        if (seen.length === 2) stop.abort();
      }
    } catch (error) {
      expect((error as Error).name).toBe("AbortError");
    }
    expect(seen).toEqual([1, 2]);
    expect(ticker.listenerCount("tick")).toBe(0);
  });
});
