import { once } from "node:events";
import { ErrorCode, isMsgError } from "@msg/core";
import { rejectionOf, waitFor, withTimeout } from "@msg/core/testing";
import { createCompressor, encodePubSub, encodeSubscribe } from "@msg/wire";
import { describe, expect, it } from "vitest";
import { PubSocket, type SubMessage, SubSocket } from "../src/index.js";
import { useCleanup } from "./support/sockets.js";
import { bindAgain, transports } from "./support/transports.js";

/** Takes the next `count` messages from a subscriber, failing after `ms`. */
async function take(sub: SubSocket, count: number, ms = 5000): Promise<SubMessage[]> {
  const iterator = sub[Symbol.asyncIterator]();
  const messages: SubMessage[] = [];
  const collect = (async () => {
    while (messages.length < count) {
      const next = await iterator.next();
      if (next.done) break;
      messages.push(next.value);
    }
  })();
  await withTimeout(collect, ms, `${count} messages (got ${messages.length})`);
  return messages;
}

/** Resolves once the publisher has applied `count` subscriptions in total. */
function subscriptionsApplied(pub: PubSocket, count: number): Promise<void> {
  let seen = 0;
  return withTimeout(
    new Promise<void>((resolve) => {
      const onSubscribed = () => {
        if (++seen >= count) {
          pub.off("subscribed", onSubscribed);
          resolve();
        }
      };
      pub.on("subscribed", onSubscribed);
    }),
    5000,
    `${count} subscriptions applied`,
  );
}

describe.each(transports)("Pub/Sub over $name", (fixture) => {
  const track = useCleanup();

  async function boundPub(options: ConstructorParameters<typeof PubSocket>[1] = {}) {
    const pub = track(new PubSocket(fixture.server(), options));
    const address = await pub.bind(fixture.bindAddress());
    return { pub, address };
  }

  async function subscribedSub(
    pub: PubSocket,
    address: string,
    patterns: string[],
    options: ConstructorParameters<typeof SubSocket>[1] = {},
  ) {
    const sub = track(new SubSocket(fixture.client(), options));
    const applied = subscriptionsApplied(pub, patterns.length);
    for (const pattern of patterns) await sub.subscribe(pattern);
    void sub.connect(address);
    await applied;
    return sub;
  }

  it("delivers from one publisher to one subscriber, in order, with seq from 0", async () => {
    const { pub, address } = await boundPub();
    const sub = await subscribedSub(pub, address, ["HELLO"]);
    for (let i = 0; i < 100; i++) await pub.publish("HELLO", `world-${i}`);
    const messages = await take(sub, 100);
    expect(messages.map((m) => Buffer.from(m.payload).toString())).toEqual(
      Array.from({ length: 100 }, (_, i) => `world-${i}`),
    );
    expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(messages[0]!.topic).toBe("HELLO");
    expect(messages[0]!.publisher).toBe(address.replace("0.0.0.0", "127.0.0.1"));
    expect(Math.abs(messages[0]!.timestamp - Date.now() * 1000)).toBeLessThan(5_000_000);
    const stats = sub.stats();
    expect(stats.messagesReceivedTotal).toBe(100);
    expect(stats.droppedMessagesTotal).toBe(0);
    expect(Object.values(stats.publishers)[0]!.seqGaps).toBe(0);
    expect(pub.stats()).toMatchObject({ activeClients: 1, messagesPublished: 100, droppedMessagesTotal: 0 });
  });

  it("only sends matching topics, and seq counts only frames sent to that subscriber", async () => {
    const { pub, address } = await boundPub();
    const sub = await subscribedSub(pub, address, ["a.*.c", "a.b.>", "exact"]);
    const topics = ["a.b.c", "a.x.c", "a.b", "a.b.d.e", "exact", "exact.no", "b.b.c", "a.x.d"];
    for (const topic of topics) await pub.publish(topic, topic);
    await pub.publish("exact", "end");
    const messages = await take(sub, 5);
    expect(messages.map((m) => m.topic)).toEqual(["a.b.c", "a.x.c", "a.b.d.e", "exact", "exact"]);
    expect(messages.map((m) => m.seq)).toEqual([0, 1, 2, 3, 4]);
  });

  it("fans out to 10 subscribers joining at different times", async () => {
    const { pub, address } = await boundPub();
    const subs: SubSocket[] = [];
    for (let round = 0; round < 10; round++) {
      subs.push(await subscribedSub(pub, address, ["tick"]));
      await pub.publish("tick", `round-${round}`);
    }
    // subscriber k joined before round k: it sees rounds k..9, numbered from 0
    for (let k = 0; k < 10; k++) {
      const messages = await take(subs[k]!, 10 - k);
      expect(messages.map((m) => Buffer.from(m.payload).toString())).toEqual(
        Array.from({ length: 10 - k }, (_, i) => `round-${k + i}`),
      );
      expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: 10 - k }, (_, i) => i));
    }
  });

  it("fans in from 20 publishers", async () => {
    const publishers = await Promise.all(Array.from({ length: 20 }, () => boundPub()));
    const sub = track(new SubSocket(fixture.client()));
    await sub.subscribe("fan.in");
    const applied = Promise.all(publishers.map(({ pub }) => subscriptionsApplied(pub, 1)));
    for (const { address } of publishers) void sub.connect(address);
    await applied;
    for (const [i, { pub }] of publishers.entries()) await pub.publish("fan.in", `from-${i}`);
    const messages = await take(sub, 20);
    expect(new Set(messages.map((m) => Buffer.from(m.payload).toString())).size).toBe(20);
    expect(new Set(messages.map((m) => m.publisher)).size).toBe(20);
    expect(Object.keys(sub.stats().publishers)).toHaveLength(20);
  });

  it("connects before the publisher binds, then receives once it does", async () => {
    const address = await fixture.reservedAddress();
    const sub = track(new SubSocket(fixture.client(), { reconnectInitialDelay: 20, maxBackoff: 50 }));
    await sub.subscribe("late");
    void sub.connect(address);
    const pub = track(new PubSocket(fixture.server()));
    const applied = subscriptionsApplied(pub, 1);
    await pub.bind(address);
    await applied;
    await pub.publish("late", "hello");
    const [message] = await take(sub, 1);
    expect(Buffer.from(message!.payload).toString()).toBe("hello");
  });

  it("re-subscribes after a publisher restart and receives again, seq restarting at 0", async () => {
    const first = await boundPub();
    const address = first.address;
    const sub = await subscribedSub(first.pub, address, ["restart"], {
      reconnectInitialDelay: 20,
      maxBackoff: 50,
    });
    await first.pub.publish("restart", "before");
    expect((await take(sub, 1))[0]!.seq).toBe(0);
    const disconnected = once(sub, "disconnected");
    await first.pub.close();
    await withTimeout(disconnected, 5000, "disconnect seen");
    const second = track(new PubSocket(fixture.server()));
    const applied = subscriptionsApplied(second, 1);
    await bindAgain(fixture, second, address);
    await applied;
    await second.publish("restart", "after");
    const [message] = await take(sub, 1);
    expect(Buffer.from(message!.payload).toString()).toBe("after");
    expect(message!.seq).toBe(0);
  });

  it("stops delivery after unsubscribe", async () => {
    const { pub, address } = await boundPub();
    const sub = await subscribedSub(pub, address, ["keep", "drop"]);
    const removed = once(pub, "unsubscribed");
    await sub.unsubscribe("drop");
    await withTimeout(removed, 5000, "unsubscribe applied");
    await pub.publish("drop", "x");
    await pub.publish("keep", "y");
    const [message] = await take(sub, 1);
    expect(message!.topic).toBe("keep");
    expect(sub.subscriptions).toEqual(["keep"]);
  });

  it("routes a topic again when subscriptions or subscribers change between publishes on it", async () => {
    const { pub, address } = await boundPub();
    const sub = await subscribedSub(pub, address, ["other"]);
    await pub.publish("news", "unseen"); // routed to nobody
    const added = once(pub, "subscribed");
    await sub.subscribe("news");
    await withTimeout(added, 5000, "subscribe applied");
    await pub.publish("news", "first");
    const late = await subscribedSub(pub, address, ["news"]);
    await pub.publish("news", "second");
    const removed = once(pub, "unsubscribed");
    await sub.unsubscribe("news");
    await withTimeout(removed, 5000, "unsubscribe applied");
    await pub.publish("news", "third");
    await pub.publish("other", "end");
    const messages = await take(sub, 3);
    expect(messages.map((m) => Buffer.from(m.payload).toString())).toEqual(["first", "second", "end"]);
    const left = once(pub, "disconnected");
    await sub.close();
    await withTimeout(left, 5000, "subscriber gone");
    await pub.publish("news", "fourth");
    const lateMessages = await take(late, 3);
    expect(lateMessages.map((m) => Buffer.from(m.payload).toString())).toEqual(["second", "third", "fourth"]);
    expect(lateMessages.map((m) => m.seq)).toEqual([0, 1, 2]);
  });

  it("compresses once per message; a subscriber without a compressor decompresses it", async () => {
    const { pub, address } = await boundPub({ compressor: createCompressor("lz4"), minCompressSize: 64 });
    const sub = await subscribedSub(pub, address, ["big", "small"]);
    const big = Buffer.from("repetitive payload ".repeat(500));
    await pub.publish("big", big);
    await pub.publish("small", "tiny");
    const [first, second] = await take(sub, 2);
    expect(Buffer.from(first!.payload).equals(big)).toBe(true);
    expect(Buffer.from(second!.payload).toString()).toBe("tiny");
    expect(pub.stats().bytesTx).toBeLessThan(big.length / 4);
  });

  it("accepts a valid token and refuses a wrong one", async () => {
    const { pub, address } = await boundPub({ authTokens: ["pub-token"] });
    const good = await subscribedSub(pub, address, ["auth"], { authToken: "pub-token" });
    const bad = track(new SubSocket(fixture.client(), { authToken: "nope" }));
    const rejected = once(bad, "authRejected");
    const connecting = bad.connect(address);
    await withTimeout(rejected, 5000, "authRejected");
    expect(isMsgError(await rejectionOf(connecting), ErrorCode.AuthRejected)).toBe(true);
    await pub.publish("auth", "secret");
    expect(Buffer.from((await take(good, 1))[0]!.payload).toString()).toBe("secret");
    expect(pub.stats().activeClients).toBe(1);
  });

  it("rejects reserved and oversized topics and patterns", async () => {
    const { pub, address } = await boundPub();
    const sub = track(new SubSocket(fixture.client()));
    void sub.connect(address);
    expect(isMsgError(await rejectionOf(pub.publish("MSG.SUB.x", "")), ErrorCode.InvalidTopic)).toBe(true);
    expect(isMsgError(await rejectionOf(sub.subscribe("MSG.anything")), ErrorCode.InvalidTopic)).toBe(true);
    expect(isMsgError(await rejectionOf(pub.publish("t".repeat(70_000), "")), ErrorCode.InvalidTopic)).toBe(
      true,
    );
  });

  it("publish before bind is an error; publish with no subscribers is a no-op", async () => {
    const pub = track(new PubSocket(fixture.server()));
    expect(isMsgError(await rejectionOf(pub.publish("x", "y")), ErrorCode.InvalidState)).toBe(true);
    await pub.bind(fixture.bindAddress());
    await pub.publish("x", "y");
    expect(pub.stats().messagesPublished).toBe(1);
  });
});

describe("Pub/Sub against misbehaving peers (tcp)", async () => {
  const { tcp } = await import("./support/transports.js");
  const net = await import("node:net");
  const track = useCleanup();

  it("a subscriber sees seq gaps from a publisher that skips numbers", async () => {
    const sockets: import("node:net").Socket[] = [];
    const server = net.createServer((socket) => {
      sockets.push(socket);
      socket.once("data", () => {
        for (const seq of [0, 1, 5, 6]) {
          socket.write(
            encodePubSub({
              compression: 0,
              topic: "g",
              timestamp: Date.now() * 1000,
              seq,
              payload: Buffer.from([seq]),
            }),
          );
        }
      });
    });
    track({
      close: () => {
        for (const socket of sockets) socket.destroy();
        return new Promise((resolve) => server.close(resolve));
      },
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = `127.0.0.1:${(server.address() as { port: number }).port}`;
    const sub = track(new SubSocket(tcp.client()));
    await sub.subscribe("g");
    void sub.connect(address);
    const messages = await take(sub, 4);
    expect(messages.map((m) => m.seq)).toEqual([0, 1, 5, 6]);
    expect(sub.stats().publishers[address]).toMatchObject({ seqGaps: 1, missing: 3 });
  });

  it("bounds publisher memory for a subscriber that never reads; drops are counted for it only", async () => {
    const maxQueueBytes = 256 * 1024;
    const pub = track(new PubSocket(tcp.server(), { maxQueueMessages: 64, maxQueueBytes }));
    const address = await pub.bind("127.0.0.1:0");
    const reader = track(new SubSocket(tcp.client()));
    const applied = subscriptionsApplied(pub, 2);
    await reader.subscribe("flood");
    void reader.connect(address);
    // The stalled peer subscribes, then never reads a byte: its kernel buffers fill, then its queue.
    const stalled = net.connect(Number(address.split(":").pop()), "127.0.0.1");
    track({ close: () => stalled.destroy() });
    await once(stalled, "connect");
    stalled.write(encodeSubscribe("flood"));
    stalled.pause();
    await applied;
    const stalledAddress = `127.0.0.1:${stalled.localPort}`;
    const payload = Buffer.alloc(16 * 1024, 7);
    const total = 3000; // 48 MiB: far beyond the kernel's socket buffers
    const received = (async () => {
      let count = 0;
      for await (const _ of reader) if (++count === total) break;
      return count;
    })();
    // Paced by the reading subscriber alone (never more than half its queue's bytes waiting), so that
    // on a busy machine it still drops nothing, while the stalled one fills its queue and drops.
    const readerQueue = () =>
      pub.subscribers().find((s) => !s.address.endsWith(`:${stalled.localPort}`))?.queuedBytes ?? 0;
    const half = maxQueueBytes / 2;
    for (let i = 0; i < total; i++) {
      if (readerQueue() >= half)
        await waitFor(() => readerQueue() < half, 20_000, "the reader's queue to drain");
      await pub.publish("flood", payload);
    }
    expect(await withTimeout(received, 30_000, "the reading subscriber gets everything")).toBe(total);
    const infos = pub.subscribers();
    const stalledInfo = infos.find((s) => s.address.endsWith(`:${stalled.localPort}`));
    expect(
      stalledInfo,
      `stalled subscriber ${stalledAddress} among ${infos.map((s) => s.address)}`,
    ).toBeDefined();
    expect(stalledInfo!.dropped).toBeGreaterThan(0);
    expect(stalledInfo!.queuedBytes).toBeLessThanOrEqual(maxQueueBytes + payload.length);
    expect(pub.stats().droppedMessagesTotal).toBe(stalledInfo!.dropped);
    expect(infos.find((s) => s !== stalledInfo)!.dropped).toBe(0);
    expect(reader.stats().publishers[address]!.seqGaps).toBe(0);
  });

  it("drops a subscriber that sends a malformed frame; the other subscribers carry on", async () => {
    const pub = track(new PubSocket(tcp.server()));
    const address = await pub.bind("127.0.0.1:0");
    const sub = track(new SubSocket(tcp.client()));
    const applied = subscriptionsApplied(pub, 1);
    await sub.subscribe("ok");
    void sub.connect(address);
    await applied;
    const port = Number(address.split(":").pop());
    const raw = net.connect(port, "127.0.0.1");
    track({ close: () => raw.destroy() });
    await once(raw, "connect");
    const peerError = once(pub, "peerError");
    const closed = once(raw, "close");
    raw.write(Buffer.from([0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    const [event] = await withTimeout(peerError, 5000, "peerError");
    expect(isMsgError(event.error, ErrorCode.WireId)).toBe(true);
    await withTimeout(closed, 5000, "malformed peer dropped");
    await pub.publish("ok", "still here");
    expect(Buffer.from((await take(sub, 1))[0]!.payload).toString()).toBe("still here");
  });

  it("disconnects a subscriber that asks for more than maxSubscriptions patterns", async () => {
    const pub = track(new PubSocket(tcp.server(), { maxSubscriptions: 10 }));
    const address = await pub.bind("127.0.0.1:0");
    const sub = track(new SubSocket(tcp.client(), { reconnectInitialDelay: 1000 }));
    for (let i = 0; i < 11; i++) await sub.subscribe(`topic.${i}`);
    const dropped = once(pub, "peerError");
    void sub.connect(address);
    const [event] = await withTimeout(dropped, 5000, "peerError");
    expect(isMsgError(event.error, ErrorCode.InvalidArgument)).toBe(true);
    expect(pub.stats().connectionErrors[ErrorCode.InvalidArgument]).toBe(1);
  });

  it("under whenFull block, rejects publishes beyond maxWaitingPublishes instead of queueing them", async () => {
    const pub = track(
      new PubSocket(tcp.server(), {
        whenFull: "block",
        maxQueueMessages: 2,
        maxQueueBytes: 64 * 1024,
        maxWaitingPublishes: 4,
      }),
    );
    const address = await pub.bind("127.0.0.1:0");
    const stalled = net.connect(Number(address.split(":").pop()), "127.0.0.1");
    track({ close: () => stalled.destroy() });
    await once(stalled, "connect");
    const subscribed = once(pub, "subscribed");
    stalled.write(encodeSubscribe("full"));
    stalled.pause();
    await withTimeout(subscribed, 5000, "subscription");
    const payload = Buffer.alloc(16 * 1024);
    const waiting: Promise<void>[] = [];
    let rejection: unknown;
    for (let i = 0; i < 20_000 && rejection === undefined; i++) {
      const result = pub.publish("full", payload);
      if (result === undefined) {
        if (i % 64 === 0) await new Promise((resolve) => setImmediate(resolve)); // let the socket fill
        continue;
      }
      result.catch((error) => {
        rejection = error;
      });
      waiting.push(result);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(isMsgError(rejection, ErrorCode.HighWaterMarkReached)).toBe(true);
    expect(waiting.length).toBe(5); // four waiting, the fifth refused
    stalled.destroy(); // the waiting publishes settle once their subscriber is gone
    await withTimeout(Promise.allSettled(waiting), 5000, "waiting publishes settle");
  });

  it("a subscriber drops and counts messages when the application does not keep up", async () => {
    const pub = track(new PubSocket(tcp.server()));
    const address = await pub.bind("127.0.0.1:0");
    const sub = track(new SubSocket(tcp.client(), { ingressQueueSize: 10 }));
    const applied = subscriptionsApplied(pub, 1);
    await sub.subscribe("burst");
    void sub.connect(address);
    await applied;
    for (let i = 0; i < 100; i++) await pub.publish("burst", `m${i}`);
    await waitFor(() => sub.stats().messagesReceivedTotal === 100, 5000, "all 100 received");
    expect(sub.stats().droppedMessagesTotal).toBe(90);
    const kept = await take(sub, 10);
    expect(kept.map((m) => Buffer.from(m.payload).toString())).toEqual(
      Array.from({ length: 10 }, (_, i) => `m${i}`),
    );
  });
});
