import type { Connection, Transport } from "@msg/core";
import { withTimeout } from "@msg/core/testing";
import { TcpTransport } from "@msg/transport-tcp";
import { describe, expect, it } from "vitest";
import { PubSocket, RepSocket, ReqSocket } from "../src/index.js";
import { echo, subscribedSub, useCleanup } from "./support/sockets.js";

/** A TCP transport that counts the writes every connection it makes or accepts hands to the OS. */
function countingTransport(): { transport: Transport; writes: () => number } {
  const inner = new TcpTransport();
  let writes = 0;
  const count = (connection: Connection): Connection => {
    const write = connection.write.bind(connection);
    connection.write = (chunk) => {
      writes++;
      return write(chunk);
    };
    return connection;
  };
  const transport: Transport = {
    name: "counting-tcp",
    bind: (address, onIncoming) =>
      inner.bind(address, (pending) =>
        onIncoming({
          remoteAddress: pending.remoteAddress,
          accept: async () => count(await pending.accept()),
          reject: () => pending.reject(),
        }),
      ),
    connect: async (address, options) => count(await inner.connect(address, options)),
  };
  return { transport, writes: () => writes };
}

describe("write batching", () => {
  const track = useCleanup();

  it("a burst of 1000 small published messages leaves in a handful of writes", async () => {
    const { transport, writes } = countingTransport();
    const pub = track(new PubSocket(transport));
    const sub = await subscribedSub(track, pub, "burst");
    const before = writes();
    for (let i = 0; i < 1000; i++) pub.publish("burst", `message ${i}`);
    let received = 0;
    for await (const _ of sub) if (++received === 1000) break;
    // 1000 frames of ~35 bytes fit one 64 KiB batch: one write, a few at most.
    expect(writes() - before).toBeLessThanOrEqual(3);
  });

  it("many requests made in one tick go out in a few writes, and a lone request is not held back", async () => {
    const { transport, writes } = countingTransport();
    const rep = track(new RepSocket(new TcpTransport()));
    const address = await rep.bind("127.0.0.1:0");
    void echo(rep);
    const req = track(new ReqSocket(transport));
    await withTimeout(req.connect(address), 5000, "connect");
    const before = writes();
    await withTimeout(
      Promise.all(Array.from({ length: 500 }, (_, i) => req.request(`r${i}`))),
      5000,
      "500 requests",
    );
    expect(writes() - before).toBeLessThanOrEqual(3);
    const lone = writes();
    await withTimeout(req.request("alone"), 1000, "a lone request answered promptly");
    expect(writes() - lone).toBe(1);
  });

  it.each([
    { linger: 0, expected: "one write per turn" },
    { linger: 1_000_000, expected: "one write for all turns" },
  ])("writeBufferLinger $linger: frames arriving over 10 turns leave in $expected", async ({ linger }) => {
    const { transport, writes } = countingTransport();
    const pub = track(new PubSocket(transport, { writeBufferLinger: linger }));
    const sub = await subscribedSub(track, pub, "turns");
    const before = writes();
    // Two messages per event-loop turn: the flush at the end of each turn sees frames still arriving.
    const turns = 10;
    for (let turn = 0; turn < turns; turn++) {
      pub.publish("turns", `a${turn}`);
      pub.publish("turns", `b${turn}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    let received = 0;
    for await (const _ of sub) if (++received === 2 * turns) break;
    const used = writes() - before;
    if (linger === 0) expect(used).toBeGreaterThanOrEqual(turns);
    // Lingering, the batch waits while frames keep coming, and goes out once a turn brings none.
    else expect(used).toBe(1);
  });
});
