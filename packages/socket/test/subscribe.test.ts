import { once } from "node:events";
import { createServer, type Socket } from "node:net";
import type { Connection, Transport } from "@msg/core";
import { withTimeout } from "@msg/core/testing";
import { TcpTransport } from "@msg/transport-tcp";
import { PubSubDecoder, parseControlTopic } from "@msg/wire";
import { describe, expect, it } from "vitest";
import { SubSocket } from "../src/index.js";
import { useCleanup } from "./support/sockets.js";

/** A TCP transport whose connections record what each `write` returned. */
function recordingTransport(): { transport: Transport; results: boolean[] } {
  const inner = new TcpTransport();
  const results: boolean[] = [];
  const transport: Transport = {
    name: "recording-tcp",
    bind: (address, onIncoming) => inner.bind(address, onIncoming),
    connect: async (address, options) => {
      const connection: Connection = await inner.connect(address, options);
      const write = connection.write.bind(connection);
      connection.write = (chunk) => {
        const accepted = write(chunk);
        results.push(accepted);
        return accepted;
      };
      return connection;
    },
  };
  return { transport, results };
}

/**
 * A publisher stand-in that decodes the Sub's control frames; `paused`, it reads nothing until
 * `startReading`.
 */
async function silentPublisher(track: ReturnType<typeof useCleanup>, { paused = true } = {}) {
  const peers: Socket[] = [];
  const changes: string[] = [];
  let onChange: (() => void) | undefined;
  const server = createServer((socket) => {
    if (paused) socket.pause();
    peers.push(socket);
    const decoder = new PubSubDecoder({
      maxFrameSize: 1 << 20,
      onFrame: (frame) => {
        const control = parseControlTopic(frame.topic);
        if (control) changes.push(`${control.kind} ${control.pattern.slice(0, 20)}`);
        onChange?.();
      },
    });
    socket.on("data", (chunk) => decoder.push(chunk));
  });
  track({
    close: () => {
      for (const peer of peers) peer.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    changes,
    startReading: () => {
      for (const peer of peers) peer.resume();
    },
    /** Resolves once a change starting with `text` has arrived. */
    arrived: (text: string) =>
      withTimeout(
        new Promise<void>((resolve) => {
          onChange = () => {
            if (changes.some((change) => change.startsWith(text))) resolve();
          };
          onChange();
        }),
        10_000,
        `"${text}" at the publisher`,
      ),
  };
}

describe("SubSocket.subscribe", () => {
  const track = useCleanup();

  it("waits for a publisher that pushes back, and keeps only the latest change per pattern meanwhile", async () => {
    const publisher = await silentPublisher(track);
    const { transport, results } = recordingTransport();
    const sub = track(new SubSocket(transport));
    await withTimeout(sub.connect(publisher.address), 5000, "connect");

    // Fill the socket buffers with large subscriptions until the transport pushes back. While it
    // takes data, each subscribe resolves as soon as its frame is written.
    const filler = (i: number) => `fill${String(i).padStart(4, "0")}.${"x".repeat(60_000)}`;
    let filled = 0;
    while (results.at(-1) !== false && filled < 2000) await sub.subscribe(filler(filled++));
    expect(results.at(-1)).toBe(false);
    const writes = results.length;

    let settled = false;
    const held = sub.subscribe("held.one").then(() => {
      settled = true;
    });
    const subscribedThenDropped = sub.subscribe("coalesced");
    const dropped = sub.unsubscribe("coalesced");
    await new Promise((resolve) => setImmediate(resolve));
    expect(results.length).toBe(writes); // nothing written past the pushback
    expect(settled).toBe(false);

    publisher.startReading();
    await withTimeout(Promise.all([held, subscribedThenDropped, dropped]), 10_000, "the changes to go out");
    await publisher.arrived("unsubscribe coalesced");
    expect(publisher.changes.filter((change) => change.startsWith("subscribe fill"))).toHaveLength(filled);
    expect(publisher.changes.slice(filled)).toEqual(["subscribe held.one", "unsubscribe coalesced"]);
    expect(sub.subscriptions).toEqual([...Array.from({ length: filled }, (_, i) => filler(i)), "held.one"]);
  });

  it("releases a change waiting on a publisher whose connection closes (the next one gets the full set)", async () => {
    const publisher = await silentPublisher(track);
    const { transport, results } = recordingTransport();
    const sub = track(new SubSocket(transport, { reconnectInitialDelay: 10_000 }));
    await withTimeout(sub.connect(publisher.address), 5000, "connect");
    let i = 0;
    while (results.at(-1) !== false && i < 2000) await sub.subscribe(`fill${i++}.${"x".repeat(60_000)}`);
    expect(results.at(-1)).toBe(false);
    const held = sub.subscribe("held.two");
    await sub.disconnect(publisher.address);
    await withTimeout(held, 5000, "the waiting subscribe to be released");
    expect(sub.subscriptions).toContain("held.two");
  });

  it("resolves at once with no publisher connected; the subscription goes out on connect", async () => {
    const publisher = await silentPublisher(track, { paused: false });
    const sub = track(new SubSocket(new TcpTransport()));
    await withTimeout(sub.subscribe("early"), 1000, "subscribe with no publisher");
    void sub.connect(publisher.address);
    await publisher.arrived("subscribe early");
  });
});
