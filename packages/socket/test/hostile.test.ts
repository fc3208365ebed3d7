import { once } from "node:events";
import * as net from "node:net";
import { ErrorCode, type MsgError } from "@msg/core";
import { waitFor, withTimeout } from "@msg/core/testing";
import { TcpTransport } from "@msg/transport-tcp";
import {
  createCompressor,
  encodePubSub,
  encodeReqRep,
  encodeSubscribe,
  REQREP_HEADER_SIZE,
  writeReqRepHeader,
} from "@msg/wire";
import { describe, expect, it } from "vitest";
import { PubSocket, RepSocket, ReqSocket, SubSocket } from "../src/index.js";
import { echo, useCleanup } from "./support/sockets.js";

const track = useCleanup();
const MiB = 1024 * 1024;

/** A raw TCP client of `address` (host:port), connected. */
async function rawClient(address: string): Promise<net.Socket> {
  const socket = net.connect(Number(address.split(":").pop()), "127.0.0.1");
  track({ close: () => socket.destroy() });
  socket.on("error", () => {});
  await once(socket, "connect");
  return socket;
}

/** A raw TCP server on loopback; `onConnection` plays the peer. Resolves with its address. */
async function rawServer(onConnection: (socket: net.Socket) => void): Promise<string> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    onConnection(socket);
  });
  track({
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

/** A req/rep header declaring `size` payload bytes. */
function reqRepHeader(size: number, id = 1): Uint8Array {
  const header = new Uint8Array(REQREP_HEADER_SIZE);
  writeReqRepHeader(header, 0, 0, id, size);
  return header;
}

/** A zstd payload of `size` zeros followed by junk: libzstd decodes all of it before failing on the junk. */
async function zstdBombWithJunk(size: number): Promise<Uint8Array> {
  const packed = await createCompressor("zstd").compress(new Uint8Array(size));
  return Buffer.concat([packed, Buffer.from([0xde, 0xad, 0xbe, 0xef])]);
}

async function served(rep: RepSocket, address: string): Promise<void> {
  const req = track(new ReqSocket(new TcpTransport(), { timeout: 5000 }));
  void req.connect(address);
  expect(Buffer.from(await req.request("still there?")).toString()).toBe("still there?");
  void rep;
}

describe("decompression bombs", () => {
  it("a zstd payload with trailing junk is decompressed_too_large on Rep, Req and Sub alike", async () => {
    const limit = MiB;
    const bomb = await zstdBombWithJunk(8 * MiB);

    const rep = track(new RepSocket(new TcpTransport(), { maxDecompressedSize: limit }));
    const repAddress = await rep.bind("127.0.0.1:0");
    void echo(rep);
    const repDropped = once(rep, "messageDropped");
    (await rawClient(repAddress)).write(encodeReqRep({ compression: 2, id: 1, payload: bomb }));
    const [repEvent] = await withTimeout(repDropped, 5000, "Rep drops the bomb");
    expect(repEvent.reason).toBe(ErrorCode.DecompressedTooLarge);
    await served(rep, repAddress);

    const reqServer = await rawServer((socket) =>
      socket.once("data", () => socket.write(encodeReqRep({ compression: 2, id: 0, payload: bomb }))),
    );
    const req = track(new ReqSocket(new TcpTransport(), { maxDecompressedSize: limit, timeout: 5000 }));
    void req.connect(reqServer);
    await expect(req.request("x")).rejects.toMatchObject({ code: ErrorCode.DecompressedTooLarge });

    const pubServer = await rawServer((socket) =>
      socket.once("data", () =>
        socket.write(encodePubSub({ compression: 2, topic: "t", timestamp: 0, seq: 0, payload: bomb })),
      ),
    );
    const sub = track(new SubSocket(new TcpTransport(), { maxDecompressedSize: limit }));
    await sub.subscribe("t");
    const subDropped = once(sub, "messageDropped");
    void sub.connect(pubServer);
    const [subEvent] = await withTimeout(subDropped, 5000, "Sub drops the bomb");
    expect(subEvent.reason).toBe(ErrorCode.DecompressedTooLarge);
  });
});

describe("frames cut off by the peer", () => {
  it("Rep and Pub count a frame cut by FIN or by reset as eof_mid_frame, with peerError", async () => {
    const rep = track(new RepSocket(new TcpTransport()));
    const address = await rep.bind("127.0.0.1:0");
    void echo(rep);
    const errors: string[] = [];
    rep.on("peerError", (event) => errors.push((event.error as MsgError).code));
    const byFin = await rawClient(address);
    byFin.end(Buffer.concat([reqRepHeader(100), Buffer.alloc(10)]));
    const byReset = await rawClient(address);
    byReset.write(reqRepHeader(100).subarray(0, 5), () => byReset.resetAndDestroy());
    await waitFor(() => errors.length === 2, 5000, "two peer errors");
    expect(errors).toEqual([ErrorCode.EofMidFrame, ErrorCode.EofMidFrame]);
    expect(rep.stats().connectionErrors).toEqual({ [ErrorCode.EofMidFrame]: 2 });

    const pub = track(new PubSocket(new TcpTransport()));
    const pubAddress = await pub.bind("127.0.0.1:0");
    const subscriber = await rawClient(pubAddress);
    subscriber.end(encodeSubscribe("t").subarray(0, 12));
    await waitFor(() => pub.stats().connectionErrors[ErrorCode.EofMidFrame] === 1, 5000, "Pub counts it");
  });

  it("Req and Sub count a frame cut by the server's reset or FIN as eof_mid_frame", async () => {
    const reqServer = await rawServer((socket) =>
      socket.once("data", () => socket.write(reqRepHeader(50, 0), () => socket.resetAndDestroy())),
    );
    const req = track(new ReqSocket(new TcpTransport(), { timeout: 5000 }));
    void req.connect(reqServer);
    await expect(req.request("x")).rejects.toMatchObject({ code: ErrorCode.ConnectionLost });
    expect(req.stats().connectionErrors).toEqual({ [ErrorCode.EofMidFrame]: 1 });

    const frame = encodePubSub({
      compression: 0,
      topic: "t",
      timestamp: 0,
      seq: 0,
      payload: Buffer.alloc(40),
    });
    const pubServer = await rawServer((socket) =>
      socket.once("data", () => socket.end(frame.subarray(0, 30))),
    );
    const sub = track(new SubSocket(new TcpTransport()));
    await sub.subscribe("t");
    const peerError = once(sub, "peerError");
    void sub.connect(pubServer);
    const [event] = await withTimeout(peerError, 5000, "Sub's peerError");
    expect(event.error.code).toBe(ErrorCode.EofMidFrame);
    expect(sub.stats().connectionErrors[ErrorCode.EofMidFrame]).toBe(1);
  });

  it("a socket closing its own connections does not count their unfinished frames", async () => {
    const rep = new RepSocket(new TcpTransport());
    const address = await rep.bind("127.0.0.1:0");
    const client = await rawClient(address);
    client.write(reqRepHeader(100));
    await waitFor(() => rep.stats().bytesRx === REQREP_HEADER_SIZE, 5000, "the header arrives");
    await rep.close();
    expect(rep.stats().connectionErrors).toEqual({});
  });
});

describe("memory for incomplete frames", () => {
  it("past maxPartialFrameBytes the connection holding the most is closed; a good client is served", async () => {
    const rep = track(new RepSocket(new TcpTransport(), { maxPartialFrameBytes: 2 * MiB }));
    const address = await rep.bind("127.0.0.1:0");
    void echo(rep);
    const errors: { address: string; code: string }[] = [];
    rep.on("peerError", (event) =>
      errors.push({ address: event.address, code: (event.error as MsgError).code }),
    );
    const small = await rawClient(address);
    small.write(Buffer.concat([reqRepHeader(16 * MiB), Buffer.alloc(256 * 1024)]));
    await waitFor(() => rep.stats().bytesRx >= 256 * 1024, 5000, "the small one's bytes");
    const large = await rawClient(address);
    const largeAddress = `127.0.0.1:${large.localPort}`;
    large.write(Buffer.concat([reqRepHeader(16 * MiB), Buffer.alloc(3 * MiB)]));
    await waitFor(() => errors.length === 1, 5000, "one connection closed");
    expect(errors[0]).toEqual({ address: largeAddress, code: ErrorCode.PartialFramesOverLimit });
    expect(rep.stats().connectionErrors).toEqual({ [ErrorCode.PartialFramesOverLimit]: 1 });
    await served(rep, address);
    expect(small.destroyed).toBe(false);
  });

  it("incompleteFrameTimeout closes a peer that leaves a frame unfinished, counted", async () => {
    const rep = track(new RepSocket(new TcpTransport(), { incompleteFrameTimeout: 200 }));
    const address = await rep.bind("127.0.0.1:0");
    void echo(rep);
    const client = await rawClient(address);
    const closed = once(client, "close");
    client.write(Buffer.concat([reqRepHeader(1000), Buffer.alloc(10)]));
    await withTimeout(closed, 5000, "the slow peer is closed");
    expect(rep.stats().connectionErrors).toEqual({ [ErrorCode.IncompleteFrameTimeout]: 1 });
    await served(rep, address);
  });

  it("refuses a bad incompleteFrameTimeout or maxPartialFrameBytes", () => {
    expect(() => new RepSocket(new TcpTransport(), { incompleteFrameTimeout: 0 })).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
    expect(() => new SubSocket(new TcpTransport(), { maxPartialFrameBytes: -1 })).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
  });
});

describe("loss caused by the publisher", () => {
  it("a stalled subscriber's missing seq numbers equal what the publisher dropped for it", async () => {
    const pub = track(new PubSocket(new TcpTransport(), { maxQueueMessages: 16, maxQueueBytes: 256 * 1024 }));
    const address = await pub.bind("127.0.0.1:0");
    const sub = track(new SubSocket(new TcpTransport(), { ingressQueueSize: 100_000 }));
    const applied = once(pub, "subscribed");
    await sub.subscribe("s");
    void sub.connect(address);
    await withTimeout(applied, 5000, "subscription applied");
    // Published without yielding: the subscriber (same event loop) reads nothing meanwhile, so its
    // kernel buffers fill, then its queue at the publisher, which then drops.
    const total = 4000;
    const payload = Buffer.alloc(8 * 1024, 1);
    for (let i = 0; i < total; i++) pub.publish("s", payload);
    const [info] = pub.subscribers();
    expect(info!.dropped).toBeGreaterThan(0);
    expect(info!.sent + info!.dropped).toBe(total);
    const iterator = sub[Symbol.asyncIterator]();
    const next = async () => (await withTimeout(iterator.next(), 5000, "a message")).value!;
    for (let received = 0; received < info!.sent; received++) await next();
    // Drops at the end of the burst show as a jump only when a later message arrives.
    pub.publish("s", "after the stall");
    const last = await next();
    expect(last.seq).toBe(total);
    const stats = sub.stats().publishers[address]!;
    expect(stats.missing).toBe(info!.dropped);
    expect(stats.seqGaps).toBeGreaterThan(0);
    expect(stats.seqGaps).toBeLessThanOrEqual(stats.missing);
  });
});

describe("small things", () => {
  it("Pub refuses and counts a subscription frame with an unknown compression id", async () => {
    const pub = track(new PubSocket(new TcpTransport()));
    const address = await pub.bind("127.0.0.1:0");
    const client = await rawClient(address);
    const subscribed = once(pub, "subscribed");
    const bad = Buffer.from(encodeSubscribe("bad"));
    bad[1] = 9;
    client.write(Buffer.concat([bad, encodeSubscribe("good")]));
    const [event] = await withTimeout(subscribed, 5000, "the good subscription");
    expect(event.pattern).toBe("good");
    expect(pub.subscribers()[0]!.patterns).toEqual(["good"]);
    expect(pub.stats().connectionErrors).toEqual({ [ErrorCode.UnsupportedCompression]: 1 });
  });

  it("Sub counts malformed input from a publisher by error code", async () => {
    const server = await rawServer((socket) =>
      socket.once("data", () => socket.write(Buffer.from([9, 9, 9]))),
    );
    const sub = track(new SubSocket(new TcpTransport()));
    await sub.subscribe("t");
    const peerError = once(sub, "peerError");
    void sub.connect(server);
    await withTimeout(peerError, 5000, "peerError");
    expect(sub.stats().connectionErrors[ErrorCode.WireId]).toBe(1);
  });

  it("many connections in the token handshake at once raise no MaxListenersExceededWarning", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      const rep = track(new RepSocket(new TcpTransport(), { authTokens: ["secret"] }));
      const address = await rep.bind("127.0.0.1:0");
      void echo(rep);
      // Connected, never presenting a token: each sits in the hook.
      await Promise.all(Array.from({ length: 15 }, () => rawClient(address)));
      const req = track(new ReqSocket(new TcpTransport(), { authToken: "secret", timeout: 5000 }));
      void req.connect(address);
      await req.request("after them");
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain("MaxListenersExceededWarning");
    } finally {
      process.off("warning", onWarning);
    }
  });
});
