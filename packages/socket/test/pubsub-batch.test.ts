import { ErrorCode, isMsgError } from "@msg/core";
import { rejectionOf, waitFor, withTimeout } from "@msg/core/testing";
import { TcpTransport } from "@msg/transport-tcp";
import { createCompressor } from "@msg/wire";
import { describe, expect, it } from "vitest";
import { AsyncQueue, PubSocket, type SubMessage, SubSocket } from "../src/index.js";
import { pausedSubscriber } from "./support/raw-subscriber.js";
import { subscribedSub, useCleanup } from "./support/sockets.js";

/** `n` payloads of `size` bytes numbered from `first`: the index in the first 4 bytes. */
function numbered(first: number, n: number, size: number): Buffer[] {
  return Array.from({ length: n }, (_, k) => {
    const payload = Buffer.alloc(size, 7);
    payload.writeUInt32BE(first + k, 0);
    return payload;
  });
}

/** Reads `sub.batches()` until `total` messages arrived; returns them and the batch sizes. */
async function receiveBatches(sub: SubSocket, total: number, maxMessages?: number) {
  const messages: SubMessage[] = [];
  const sizes: number[] = [];
  const batches = sub.batches(maxMessages === undefined ? {} : { maxMessages });
  await withTimeout(
    (async () => {
      for await (const batch of batches) {
        sizes.push(batch.length);
        messages.push(...batch);
        if (messages.length >= total) return;
      }
    })(),
    20_000,
    `${total} messages`,
  );
  return { messages, sizes };
}

describe("Pub/Sub batch APIs (publishMany, batches)", () => {
  const track = useCleanup();

  it("publishMany under block delivers every message in order; batches() hands them over in groups", async () => {
    const pub = track(new PubSocket(new TcpTransport(), { whenFull: "block", maxQueueMessages: 64 }));
    const sub = await subscribedSub(track, pub, "bulk");
    const groups = 200;
    const perGroup = 100;
    const receiving = receiveBatches(sub, groups * perGroup);
    for (let g = 0; g < groups; g++) await pub.publishMany("bulk", numbered(g * perGroup, perGroup, 1000));
    const { messages, sizes } = await receiving;

    expect(messages.map((m) => Buffer.from(m.payload).readUInt32BE(0))).toEqual(
      Array.from({ length: groups * perGroup }, (_, i) => i),
    );
    expect(messages.every((m, i) => m.seq === i && m.topic === "bulk")).toBe(true);
    expect(sizes.every((n) => n >= 1)).toBe(true);
    expect(sizes.length).toBeLessThan(messages.length); // batched, not one by one
    expect(pub.stats()).toMatchObject({ droppedMessagesTotal: 0, messagesPublished: groups * perGroup });
    expect(sub.stats().droppedMessagesTotal).toBe(0);
  });

  it("publishMany to two subscribers and one that does not match: each match gets every message, bytesTx counts both", async () => {
    const pub = track(new PubSocket(new TcpTransport(), { whenFull: "block", maxQueueMessages: 64 }));
    const address = await pub.bind("127.0.0.1:0");
    const subs = ["bulk", "*", "other"].map((pattern) => {
      const sub = track(new SubSocket(new TcpTransport()));
      void sub.subscribe(pattern).then(() => sub.connect(address));
      return sub;
    });
    await waitFor(
      () => pub.subscribers().filter((s) => s.patterns.length === 1).length === 3,
      5000,
      "3 subscriptions",
    );
    const total = 100 * 50;
    const receiving = [subs[0]!, subs[1]!].map((sub) => receiveBatches(sub, total));
    for (let g = 0; g < 100; g++) await pub.publishMany("bulk", numbered(g * 50, 50, 200));
    for (const { messages } of await Promise.all(receiving)) {
      expect(messages.map((m) => Buffer.from(m.payload).readUInt32BE(0))).toEqual(
        Array.from({ length: total }, (_, i) => i),
      );
      expect(messages.every((m, i) => m.seq === i)).toBe(true);
    }
    const frameBytes = 20 + "bulk".length + 200;
    expect(pub.stats()).toMatchObject({ bytesTx: 2 * total * frameBytes, droppedMessagesTotal: 0 });
    expect(
      pub
        .subscribers()
        .map((s) => s.sent)
        .sort(),
    ).toEqual([0, total, total]);
  });

  it("publishMany blocked part-way resumes where it stopped, and a later publish waits behind it", async () => {
    const pub = track(
      new PubSocket(new TcpTransport(), { whenFull: "block", maxQueueMessages: 4, maxQueueBytes: 1 << 20 }),
    );
    const address = await pub.bind("127.0.0.1:0");
    const subscriber = track(await pausedSubscriber(pub, address, "big"));
    // 200 x 64 KiB to a subscriber that reads nothing: more than its queue and the kernel hold.
    const many = pub.publishMany("big", numbered(0, 200, 64 * 1024));
    expect(many).toBeDefined();
    const after = pub.publish("big", numbered(200, 1, 64 * 1024)[0]!);
    expect(after).toBeDefined(); // queued behind the blocked publishMany, not sent ahead of it
    subscriber.startReading();
    await withTimeout(Promise.all([many, after]), 10_000, "the blocked publishes to go out");
    await waitFor(() => subscriber.frames.length === 201, 10_000, "201 frames at the subscriber");
    expect(subscriber.frames.map((frame) => Buffer.from(frame.payload).readUInt32BE(0))).toEqual(
      Array.from({ length: 201 }, (_, i) => i),
    );
    expect(subscriber.frames.every((frame, i) => frame.seq === i)).toBe(true);
    expect(pub.stats().droppedMessagesTotal).toBe(0);
  });

  it("a Sub with whenFull block stops reading when its queue is full: a blocking Pub slows down, nothing is lost", async () => {
    const pub = track(new PubSocket(new TcpTransport(), { whenFull: "block", maxQueueMessages: 16 }));
    const address = await pub.bind("127.0.0.1:0");
    const sub = track(new SubSocket(new TcpTransport(), { whenFull: "block", ingressQueueSize: 16 }));
    const subscribed = new Promise((resolve) => pub.once("subscribed", resolve));
    await sub.subscribe("slow");
    void sub.connect(address);
    await withTimeout(subscribed, 5000, "subscription");
    // Nobody takes messages yet: the Sub's queue fills, it stops reading, the kernel's buffers fill,
    // and the Pub's publish has to wait.
    let published = 0;
    let waiting: Promise<void> | undefined;
    while (waiting === undefined && published < 100_000) {
      waiting = pub.publish("slow", numbered(published, 1, 1000)[0]!) ?? undefined;
      published++;
      if (waiting === undefined && published % 64 === 0)
        await new Promise((resolve) => setImmediate(resolve));
    }
    expect(waiting).toBeDefined();
    const { messages } = await receiveBatches(sub, published);
    await withTimeout(waiting!, 10_000, "the blocked publish");
    expect(messages.map((m) => Buffer.from(m.payload).readUInt32BE(0))).toEqual(
      Array.from({ length: published }, (_, i) => i),
    );
    expect(sub.stats().droppedMessagesTotal).toBe(0);
    expect(pub.stats().droppedMessagesTotal).toBe(0);
  });

  it("batches({ maxMessages }) caps each batch, and rejects a bad cap", async () => {
    const pub = track(new PubSocket(new TcpTransport()));
    const sub = await subscribedSub(track, pub, "capped");
    const receiving = receiveBatches(sub, 50, 3);
    pub.publishMany("capped", numbered(0, 50, 10));
    const { messages, sizes } = await receiving;
    expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    for (const bad of [0, -1, 1.5]) {
      let error: unknown;
      try {
        sub.batches({ maxMessages: bad });
      } catch (caught) {
        error = caught;
      }
      expect(isMsgError(error) && error.code).toBe(ErrorCode.InvalidArgument);
    }
  });

  it("publishMany under drop: the Sub's missing equals the Pub's dropped", async () => {
    const pub = track(new PubSocket(new TcpTransport(), { maxQueueMessages: 64 }));
    const sub = await subscribedSub(track, pub, "burst");
    // One synchronous call of 40 MB: the subscriber cannot keep up, the queue fills, messages drop.
    const burst = 40_000;
    expect(pub.publishMany("burst", numbered(0, burst, 1000))).toBeUndefined();
    const dropped = pub.stats().droppedMessagesTotal;
    expect(dropped).toBeGreaterThan(0);
    // A last message once the queue has drained, so that drops at the end show as a gap too.
    await waitFor(() => pub.subscribers()[0]!.queuedMessages === 0, 10_000, "the queue to drain");
    await pub.publish("burst", numbered(burst, 1, 1000)[0]!);
    const { messages } = await receiveBatches(sub, burst + 1 - dropped);
    expect(messages.at(-1)!.seq).toBe(burst);
    const seen = Object.values(sub.stats().publishers)[0]!;
    expect(seen.missing).toBe(dropped);
    expect(pub.subscribers()[0]!.dropped).toBe(dropped);
    expect(sub.stats().droppedMessagesTotal).toBe(0);
  });

  it("publishMany with an asynchronous codec (zstd) keeps the order, mixing compressed and plain payloads", async () => {
    const pub = track(
      new PubSocket(new TcpTransport(), { compressor: createCompressor("zstd"), minCompressSize: 500 }),
    );
    const sub = await subscribedSub(track, pub, "mixed");
    const receiving = receiveBatches(sub, 40);
    // Sizes alternate below and above minCompressSize: plain and compressed payloads in one call.
    const payloads = Array.from({ length: 40 }, (_, i) => {
      const payload = Buffer.alloc(i % 2 === 0 ? 100 : 4000, 3);
      payload.writeUInt32BE(i, 0);
      return payload;
    });
    await pub.publishMany("mixed", payloads);
    const { messages } = await receiving;
    expect(messages.map((m) => Buffer.from(m.payload).readUInt32BE(0))).toEqual(
      Array.from({ length: 40 }, (_, i) => i),
    );
    expect(messages.map((m) => m.payload.byteLength)).toEqual(payloads.map((p) => p.byteLength));
  });

  it("publishMany checks every payload first: one too large publishes none", async () => {
    const pub = track(new PubSocket(new TcpTransport(), { maxFrameSize: 1024 }));
    expect(
      isMsgError(await rejectionOf(pub.publishMany("t", [Buffer.alloc(1)])), ErrorCode.InvalidState),
    ).toBe(true);
    const sub = await subscribedSub(track, pub, "t");
    const error = await rejectionOf(pub.publishMany("t", [Buffer.alloc(10), Buffer.alloc(2000)]));
    expect(isMsgError(error, ErrorCode.FrameTooLarge)).toBe(true);
    expect(pub.stats().messagesPublished).toBe(0);
    // Nothing of the refused call arrives: the next message is seq 0.
    await pub.publishMany("t", [Buffer.from("after")]);
    const { messages } = await receiveBatches(sub, 1);
    expect(messages.map((m) => [m.seq, Buffer.from(m.payload).toString()])).toEqual([[0, "after"]]);
  });
});

describe("AsyncQueue.nextBatch", () => {
  it("takes every item pushed in the same turn as one batch, then ends", async () => {
    const queue = new AsyncQueue<number>(100);
    const first = queue.nextBatch();
    for (let i = 0; i < 10; i++) queue.push(i);
    expect(await first).toEqual({ value: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], done: false });
    queue.push(10);
    queue.push(11);
    expect(await queue.nextBatch(1)).toEqual({ value: [10], done: false });
    const rest = queue.nextBatch();
    expect(await rest).toEqual({ value: [11], done: false });
    const waiting = queue.nextBatch();
    queue.end();
    expect(await waiting).toEqual({ value: undefined, done: true });
  });

  it("frees room for producers as batches are taken", async () => {
    let spaces = 0;
    const queue = new AsyncQueue<number>(4, () => spaces++);
    for (let i = 0; i < 5; i++) queue.push(i);
    expect(queue.length).toBe(4); // the fifth was refused
    expect((await queue.nextBatch(2)).value).toEqual([0, 1]);
    expect(spaces).toBe(1);
    expect(queue.push(4)).toBe(true);
    expect((await queue.nextBatch()).value).toEqual([2, 3, 4]);
  });
});
