import { once } from "node:events";
import { ErrorCode, isMsgError } from "@msg/core";
import { rejectionOf, waitFor, withTimeout } from "@msg/core/testing";
import { TcpTransport } from "@msg/transport-tcp";
import { describe, expect, it } from "vitest";
import { PubSocket, type SubMessage, SubSocket } from "../src/index.js";
import { pausedSubscriber } from "./support/raw-subscriber.js";
import { useCleanup } from "./support/sockets.js";

describe("Pub/Sub flow", () => {
  const track = useCleanup();

  it("under whenFull block, a publish waits for room and is delivered once the subscriber reads", async () => {
    const pub = track(
      new PubSocket(new TcpTransport(), { whenFull: "block", maxQueueMessages: 4, maxQueueBytes: 1 << 20 }),
    );
    const address = await pub.bind("127.0.0.1:0");
    const subscriber = track(await pausedSubscriber(pub, address, "blocking"));
    // Publish until one has to wait: the subscriber reads nothing, so its queue fills.
    const payload = Buffer.alloc(64 * 1024, 1);
    let published = 0;
    let waiting: Promise<void> | undefined;
    while (waiting === undefined && published < 2000) {
      waiting = pub.publish("blocking", payload) ?? undefined;
      published++;
      if (waiting === undefined && published % 16 === 0)
        await new Promise((resolve) => setImmediate(resolve));
    }
    expect(waiting).toBeDefined();
    let delivered = false;
    void waiting!.then(() => {
      delivered = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(delivered).toBe(false); // still no room
    expect(pub.stats().droppedMessagesTotal).toBe(0);

    subscriber.startReading();
    await withTimeout(waiting!, 10_000, "the blocked publish to go out");
    await waitFor(
      () => subscriber.frames.length === published,
      10_000,
      `${published} frames at the subscriber`,
    );
    expect(subscriber.frames.map((frame) => frame.seq)).toEqual(
      Array.from({ length: published }, (_, i) => i),
    );
    expect(pub.stats().droppedMessagesTotal).toBe(0);
  });

  it("SubSocket.disconnect stops receiving from that publisher only, and does not reconnect to it", async () => {
    const pubs = [track(new PubSocket(new TcpTransport())), track(new PubSocket(new TcpTransport()))];
    const addresses = await Promise.all(pubs.map((pub) => pub.bind("127.0.0.1:0")));
    const sub = track(new SubSocket(new TcpTransport(), { reconnectInitialDelay: 10, maxBackoff: 20 }));
    await sub.subscribe("news");
    const applied = pubs.map((pub) => once(pub, "subscribed"));
    for (const address of addresses) void sub.connect(address);
    await withTimeout(Promise.all(applied), 5000, "both subscriptions");

    const gone = once(pubs[0]!, "disconnected");
    let reconnects = 0;
    sub.on("reconnectScheduled", () => reconnects++);
    await sub.disconnect(addresses[0]!);
    await withTimeout(gone, 5000, "the first publisher to see its subscriber leave");
    expect(pubs[0]!.subscriberCount).toBe(0);
    expect(Object.keys(sub.stats().publishers)).toEqual([addresses[1]]);

    pubs[0]!.publish("news", "from the forgotten publisher");
    pubs[1]!.publish("news", "from the other one");
    const iterator = sub[Symbol.asyncIterator]();
    const { value } = (await withTimeout(iterator.next(), 5000, "a message")) as { value: SubMessage };
    expect(value.publisher).toBe(addresses[1]);
    expect(Buffer.from(value.payload).toString()).toBe("from the other one");
    expect(reconnects).toBe(0);
    expect(pubs[0]!.subscriberCount).toBe(0);

    // Unknown now: disconnecting again is an error; connecting again works.
    expect(isMsgError(await rejectionOf(sub.disconnect(addresses[0]!)), ErrorCode.InvalidArgument)).toBe(
      true,
    );
    const back = once(pubs[0]!, "subscribed");
    await withTimeout(sub.connect(addresses[0]!), 5000, "connect again");
    await withTimeout(back, 5000, "subscription sent again");
  });
});
