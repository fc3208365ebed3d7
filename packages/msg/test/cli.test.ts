import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withTimeout } from "@msg/core/testing";
import { encodeSubscribe, PubSubDecoder } from "@msg/wire";
import { afterAll, describe, expect, it } from "vitest";
import { useMsg } from "./support/msg-process.js";

describe("msg command-line tool", () => {
  const start = useMsg();
  const run = (...args: string[]) => start(args);
  const ipcDir = mkdtempSync(join(tmpdir(), "msg-cli-"));
  afterAll(() => rmSync(ipcDir, { recursive: true, force: true }));

  it("rep answers req over tcp; both print the JSON contract and exit 0", async () => {
    const rep = run("rep", "--bind", "127.0.0.1:0", "--count", "50", "--json");
    const ready = await rep.next("ready");
    expect(ready.address).toMatch(/^127\.0\.0\.1:\d+$/);
    const req = run(
      "req",
      "--connect",
      String(ready.address),
      "--count",
      "50",
      "--size",
      "512",
      "--inflight",
      "8",
      "--json",
    );
    const done = await req.next("done");
    expect(done).toMatchObject({ sent: 50, received: 50, errors: {} });
    expect(done.elapsedMs).toBeGreaterThan(0);
    expect(done.roundTripsPerSec).toBeGreaterThan(0);
    expect(await req.exited(10_000)).toBe(0);
    expect(await rep.exited(10_000)).toBe(0);
  });

  it.each([
    ["ipc", () => join(ipcDir, "rep.sock")],
    ["quic", () => "127.0.0.1:0"],
    ["ws", () => "ws://127.0.0.1:0/msg"],
  ])("rep and req talk over --transport %s", async (transport, bindAddress) => {
    const rep = run("rep", "--transport", transport, "--bind", bindAddress(), "--count", "20", "--json");
    const { address } = await rep.next("ready");
    const req = run(
      "req",
      "--transport",
      transport,
      "--connect",
      String(address),
      "--count",
      "20",
      "--inflight",
      "4",
      "--json",
    );
    expect(await req.next("done")).toMatchObject({ sent: 20, received: 20, errors: {} });
    expect(await req.exited(15_000)).toBe(0);
    expect(await rep.exited(15_000)).toBe(0);
  });

  it("req with a wrong token exits non-zero and counts auth_rejected", async () => {
    const rep = run("rep", "--bind", "127.0.0.1:0", "--auth-token", "right", "--json");
    const { address } = await rep.next("ready");
    const req = run("req", "--connect", String(address), "--token", "wrong", "--count", "3", "--json");
    const done = await req.next("done");
    expect(done.received).toBe(0);
    expect((done.errors as Record<string, number>).auth_rejected).toBe(3);
    expect(await req.exited(10_000)).toBe(1);
  });

  it("req with compression on both sides gets correct answers", async () => {
    const rep = run(
      "rep",
      "--bind",
      "127.0.0.1:0",
      "--compress",
      "zstd",
      "--level",
      "5",
      "--count",
      "10",
      "--json",
    );
    const { address } = await rep.next("ready");
    const req = run(
      "req",
      "--connect",
      String(address),
      "--compress",
      "lz4",
      "--min-compress-size",
      "0",
      "--count",
      "10",
      "--size",
      "20000",
      "--json",
    );
    expect(await req.next("done")).toMatchObject({ sent: 10, received: 10 });
    expect(await req.exited(10_000)).toBe(0);
  });

  it("pub waits for its subscribers; sub counts messages, gaps and topics", async () => {
    const pub = run(
      "pub",
      "--bind",
      "127.0.0.1:0",
      "--topic",
      "bench.a",
      "--count",
      "1000",
      "--size",
      "64",
      "--wait-subscribers",
      "2",
      "--json",
    );
    const { address } = await pub.next("ready");
    const subs = [1, 2].map(() =>
      run(
        "sub",
        "--connect",
        String(address),
        "--subscribe",
        "bench.*",
        "--count",
        "1000",
        "--timeout",
        "20000",
        "--json",
      ),
    );
    for (const sub of subs) {
      const done = await sub.next("done", 25_000);
      expect(done).toMatchObject({ received: 1000, gaps: 0, dropped: 0, topics: { "bench.a": 1000 } });
      expect(done.msgsPerSec).toBeGreaterThan(0);
      expect(await sub.exited(10_000)).toBe(0);
    }
    expect(await pub.next("done")).toMatchObject({ sent: 1000 });
    expect(await pub.exited(10_000)).toBe(0);
  });

  /** A subscriber that does not read until told: subscribes to `topic`, then holds its socket paused. */
  async function stalledSubscriber(address: string, topic: string) {
    const [host, port] = [address.slice(0, address.lastIndexOf(":")), Number(address.split(":").pop())];
    const socket: Socket = connect({ host, port });
    socket.pause();
    const indices: number[] = [];
    const seqs: number[] = [];
    const decoder = new PubSubDecoder({
      maxFrameSize: 1 << 20,
      onFrame: (frame) => {
        seqs.push(frame.seq);
        indices.push(Number(Buffer.from(frame.payload).readBigUInt64BE(0)));
      },
    });
    socket.on("data", (chunk) => decoder.push(chunk));
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.write(encodeSubscribe(topic));
    return {
      /** Starts reading; resolves with what arrived once the publisher has closed the connection. */
      async readToEnd() {
        socket.resume();
        await withTimeout(closed, 20_000, "the publisher closing the connection");
        return { indices, seqs };
      },
    };
  }

  /** `msg pub` of 20 MB in 1 KB messages (more than the queue and the kernel's buffers hold) to one subscriber. */
  const publishTo20k = (...flags: string[]) =>
    run(
      "pub",
      "--bind",
      "127.0.0.1:0",
      "--topic",
      "t",
      "--count",
      "20000",
      "--size",
      "1000",
      "--wait-subscribers",
      "1",
      "--json",
      ...flags,
    );
  it("pub --when-full block (the default) waits for a stalled subscriber and loses nothing", async () => {
    const count = 20_000;
    const pub = publishTo20k(); // no --when-full: block is the default
    const { address } = await pub.next("ready");
    const subscriber = await stalledSubscriber(String(address), "t");
    await pub.next("subscribers");
    // Stay stalled for a while so that the publisher fills every buffer and has to wait; the
    // outcome checked below does not depend on how long.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { indices, seqs } = await subscriber.readToEnd();
    expect(indices.length).toBe(count);
    expect(indices.every((index, i) => index === i)).toBe(true);
    expect(seqs.every((seq, i) => seq === i)).toBe(true);
    expect(await pub.next("done")).toMatchObject({ sent: count, dropped: 0, whenFull: "block" });
    expect(await pub.exited(10_000)).toBe(0);
  });

  it("pub --when-full drop skips what does not fit for a stalled subscriber, and the gaps show it", async () => {
    const count = 20_000;
    const pub = publishTo20k("--when-full", "drop");
    const { address } = await pub.next("ready");
    const subscriber = await stalledSubscriber(String(address), "t");
    // The publisher finishes while the subscriber is stalled (then lingers 5 s before closing).
    const done = await pub.next("done", 20_000);
    expect(done).toMatchObject({ sent: count, whenFull: "drop" });
    expect(done.dropped).toBeGreaterThan(0);
    const { indices, seqs } = await subscriber.readToEnd();
    expect(indices.length).toBeLessThan(count);
    // Every message that arrived carries its own seq (index = seq: seqs count dropped ones too).
    expect(indices.every((index, i) => index === seqs[i])).toBe(true);
    expect(await pub.exited(10_000)).toBe(0);
  });

  it("pub rejects an unknown --when-full policy with exit 2", async () => {
    const bad = run("pub", "--bind", "127.0.0.1:0", "--topic", "t", "--when-full", "sometimes", "--json");
    expect(await bad.next("error")).toMatchObject({ code: "invalid_argument" });
    expect(await bad.exited(10_000)).toBe(2);
  });

  it("sub exits non-zero when --timeout passes before --count messages", async () => {
    const pub = run("pub", "--bind", "127.0.0.1:0", "--topic", "t", "--count", "0", "--json");
    const { address } = await pub.next("ready");
    const sub = run(
      "sub",
      "--connect",
      String(address),
      "--subscribe",
      "t",
      "--count",
      "5",
      "--timeout",
      "300",
      "--json",
    );
    expect(await sub.next("done")).toMatchObject({ received: 0, error: "timeout" });
    expect(await sub.exited(10_000)).toBe(1);
  });

  it("bad arguments print an error event and exit 2", async () => {
    const bad = run("req", "--connect", "127.0.0.1:1", "--count", "many", "--json");
    const error = await bad.next("error");
    expect(error.code).toBe("invalid_argument");
    expect(await bad.exited(10_000)).toBe(2);
    const unknown = run("rep", "--bind", "127.0.0.1:0", "--transport", "carrier-pigeon", "--json");
    expect((await unknown.next("error")).code).toBe("invalid_argument");
    expect(await unknown.exited(10_000)).toBe(2);
  });
});
