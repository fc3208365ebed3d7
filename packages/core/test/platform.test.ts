import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as web from "../src/platform/browser.js";
import * as node from "../src/platform/node.js";

/**
 * The two sides of #platform must agree: the web one (browsers) computes with Uint8Array and
 * TextEncoder what the Node one gets from Buffer. Both run here, in Node.
 */
describe("#platform: the web implementation agrees with Node's", () => {
  it("utf8Length is the length of the UTF-8 encoding, lone surrogates included", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        expect(web.utf8Length(text)).toBe(node.utf8Length(text));
        expect(web.utf8Length(text)).toBe(web.utf8Encode(text).byteLength);
      }),
      { numRuns: 500, seed: 42 },
    );
    for (const text of ["", "a", "é", "€", "😀", "\ud800", "\udc00", "a\ud800b", "\ud800\ud800\udc00"]) {
      expect(web.utf8Length(text)).toBe(Buffer.byteLength(text, "utf8"));
    }
  });

  it("utf8Encode gives the same bytes", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        expect([...web.utf8Encode(text)]).toEqual([...node.utf8Encode(text)]);
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it("concatBytes joins, cuts at total, and zero-fills past the chunks", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }),
        fc.option(fc.nat({ max: 600 }), { nil: undefined }),
        (chunks, total) => {
          expect([...web.concatBytes(chunks, total)]).toEqual([...node.concatBytes(chunks, total)]);
        },
      ),
      { numRuns: 300, seed: 3 },
    );
  });

  it("allocBytes gives a writable array of the size asked, a plain Uint8Array on the web", () => {
    const bytes = web.allocBytes(5);
    expect(bytes).toHaveLength(5);
    expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
    expect(node.allocBytes(5)).toBeInstanceOf(Buffer);
  });

  it("atTurnEnd runs before timers on both, in the order queued", async () => {
    for (const side of [web, node]) {
      const order: string[] = [];
      const timer = new Promise<void>((resolve) =>
        setTimeout(() => {
          order.push("timer");
          resolve();
        }, 0),
      );
      side.atTurnEnd(() => order.push("first"));
      side.atTurnEnd(() => order.push("second"));
      const nextTurn = new Promise<void>((resolve) =>
        side.onNextTurn(() => {
          order.push("next turn");
          resolve();
        }),
      );
      order.push("sync");
      await Promise.all([timer, nextTurn]);
      expect(order.slice(0, 3)).toEqual(["sync", "first", "second"]);
      expect(order).toContain("next turn");
    }
  });

  it("the web side reads no environment and lets timers be", () => {
    expect(web.environmentVariable("PATH")).toBeUndefined();
    const timer = setTimeout(() => {}, 1);
    expect(() => web.unrefTimer(timer)).not.toThrow();
    clearTimeout(timer);
    expect(web.MAX_BYTE_LENGTH).toBe(2 ** 31 - 1);
  });
});
