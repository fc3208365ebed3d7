import { CompressionType, type Compressor } from "@msg/core";
import { waitFor, withTimeout } from "@msg/core/testing";
import { TcpTransport } from "@msg/transport-tcp";
import { describe, expect, it, vi } from "vitest";
import { PubSocket, type SubMessage } from "../src/index.js";
import { subscribedSub, useCleanup } from "./support/sockets.js";

/**
 * A slow asynchronous decompressor, under the test's control: zstd payloads (the one asynchronous
 * codec) are "decompressed" to themselves, each only when the test releases it. Everything else in
 * @msg/wire is the real thing.
 */
const slow = vi.hoisted(() => ({
  started: 0,
  finished: 0,
  maxPending: 0,
  held: [] as (() => void)[],
  release(): void {
    for (const resolve of this.held.splice(0)) resolve();
  },
}));

vi.mock("@msg/wire", async (importOriginal) => {
  const wire = await importOriginal<typeof import("@msg/wire")>();
  return {
    ...wire,
    decompress: (type: number, data: Uint8Array, max: number) => {
      if (type !== CompressionType.Zstd) return wire.decompress(type, data, max);
      slow.started++;
      slow.maxPending = Math.max(slow.maxPending, slow.started - slow.finished);
      return new Promise<Uint8Array>((resolve) => {
        slow.held.push(() => {
          slow.finished++;
          resolve(data);
        });
      });
    },
  };
});

/** Marks payloads as zstd without changing them, so the Sub sends them to the slow decompressor. */
const markedZstd: Compressor = { type: CompressionType.Zstd, compress: (data) => data };

describe("Sub asynchronous decompression", () => {
  const track = useCleanup();

  it("holds at most 64 pending decompressions per publisher, pausing reading, and delivers all in order", async () => {
    const pub = track(
      new PubSocket(new TcpTransport(), {
        compressor: markedZstd,
        minCompressSize: 0,
        maxQueueBytes: 64 * 1024 * 1024, // hold everything: this test is about the Sub's bound
        maxQueueMessages: 1000,
      }),
    );
    const sub = await subscribedSub(track, pub, "cap");

    // 100 KiB each: a TCP read (at most 64 KiB) completes at most one frame, so the count of
    // decompressions started when reading pauses is exact.
    const total = 300;
    const payload = (i: number) => Buffer.alloc(100 * 1024, i % 251);
    for (let i = 0; i < total; i++) void pub.publish("cap", payload(i));

    await waitFor(() => slow.started >= 64, 10_000, "64 decompressions to start");
    // "Stopped reading" has no event: wait until the publisher's queue for the Sub is non-empty and
    // holds still. A Sub that kept reading would drain it, and start more decompressions meanwhile.
    let last = -1;
    await waitFor(
      () => {
        const queued = pub.subscribers()[0]?.queuedMessages ?? 0;
        const still = queued > 0 && queued === last;
        last = queued;
        return still;
      },
      10_000,
      "the publisher's queue to fill and hold still",
      300,
    );
    expect(slow.started).toBe(64);

    const received: SubMessage[] = [];
    const iterate = (async () => {
      for await (const message of sub) if (received.push(message) === total) break;
    })();
    // Release decompressions as they arrive until every message is through.
    await waitFor(
      () => {
        slow.release();
        return received.length === total;
      },
      20_000,
      `all ${total} messages (got ${received.length})`,
    );
    await withTimeout(iterate, 1000, "iteration to end");
    expect(slow.maxPending).toBe(64);
    expect(received.map((message) => message.seq)).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(received.every((message, i) => Buffer.from(message.payload).equals(payload(i)))).toBe(true);
    expect(sub.stats().droppedMessagesTotal).toBe(0);
  });
});
