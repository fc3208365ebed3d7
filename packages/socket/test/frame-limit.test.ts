import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { CompressionType, type Compressor, ErrorCode, isMsgError } from "@msg/core";
import { rejectionOf, withTimeout } from "@msg/core/testing";
import { TcpTransport } from "@msg/transport-tcp";
import { createCompressor, DEFAULT_MAX_FRAME_SIZE } from "@msg/wire";
import { describe, expect, it, vi } from "vitest";
import {
  type PubOptions,
  PubSocket,
  type RepOptions,
  RepSocket,
  type ReqOptions,
  ReqSocket,
  SubSocket,
} from "../src/index.js";
import { echo, useCleanup } from "./support/sockets.js";

/** A small limit keeps the payloads of these tests small. */
const limit = 1024;

function expectTooLarge(error: unknown, size: number, max = limit): void {
  expect(isMsgError(error, ErrorCode.FrameTooLarge)).toBe(true);
  expect((error as Error).message).toContain(`of ${size} bytes is over maxFrameSize (${max} bytes)`);
}

/** Answers each request with its payload's size, so that large requests get small answers. */
async function answerWithSize(rep: RepSocket): Promise<void> {
  for await (const request of rep) request.respond(String(request.payload.byteLength));
}

describe("a payload over the sender's own maxFrameSize is refused at once with frame_too_large", () => {
  const track = useCleanup();

  async function reqRep(reqOptions: ReqOptions = {}, repOptions: RepOptions = {}) {
    const rep = track(new RepSocket(new TcpTransport(), repOptions));
    const address = await rep.bind("127.0.0.1:0");
    const req = track(new ReqSocket(new TcpTransport(), reqOptions));
    await withTimeout(req.connect(address), 5000, "connect");
    return { rep, req };
  }

  it("Req at the default 16 MiB limit: frame_too_large, not connection_lost; the connection carries on", async () => {
    const { rep, req } = await reqRep();
    void echo(rep);
    const disconnected = vi.fn();
    req.on("disconnected", disconnected);
    const size = DEFAULT_MAX_FRAME_SIZE + 1;
    expectTooLarge(await rejectionOf(req.request(Buffer.alloc(size))), size, DEFAULT_MAX_FRAME_SIZE);
    const answer = await withTimeout(req.request("still here"), 5000, "next request");
    expect(Buffer.from(answer).toString()).toBe("still here");
    expect(req.stats().failures).toEqual({ frame_too_large: 1 });
    expect(disconnected).not.toHaveBeenCalled();
  });

  it("Req: a payload exactly at the limit goes out", async () => {
    const { rep, req } = await reqRep({ maxFrameSize: limit }, { maxFrameSize: limit });
    void echo(rep);
    const answer = await withTimeout(req.request(Buffer.alloc(limit, 7)), 5000, "request at the limit");
    expect(answer.byteLength).toBe(limit);
  });

  it("Req: the limit applies to the bytes on the wire, after compression", async () => {
    const { rep, req } = await reqRep({
      maxFrameSize: limit,
      compressor: createCompressor("gzip"),
      minCompressSize: 0,
    });
    void answerWithSize(rep);
    const compressible = Buffer.alloc(8 * limit, 1);
    const answer = await withTimeout(req.request(compressible), 5000, "compressible");
    expect(Buffer.from(answer).toString()).toBe(String(8 * limit));
    const random = randomBytes(4 * limit);
    const error = await rejectionOf(req.request(random));
    expect(isMsgError(error, ErrorCode.FrameTooLarge)).toBe(true);
  });

  it("Req: an asynchronous codec's oversized output fails that request only", async () => {
    const { rep, req } = await reqRep({
      maxFrameSize: limit,
      compressor: createCompressor("zstd"),
      minCompressSize: 0,
    });
    void echo(rep);
    const tooLarge = req.request(randomBytes(4 * limit));
    const small = req.request("small");
    expect(isMsgError(await rejectionOf(tooLarge), ErrorCode.FrameTooLarge)).toBe(true);
    expect(Buffer.from(await withTimeout(small, 5000, "small request")).toString()).toBe("small");
  });

  it("Req: requests compressed while an oversized one ahead of them was still compressing go out", async () => {
    // An asynchronous codec that finishes small payloads first and leaves bytes as they are, so that
    // the order is fixed: "small" is ready while the oversized request ahead of it is still compressing.
    const slowForLarge: Compressor = {
      type: CompressionType.None,
      compress: (data) =>
        new Promise((resolve) => setTimeout(() => resolve(data), data.byteLength > limit ? 100 : 0)),
    };
    const { rep, req } = await reqRep({ maxFrameSize: limit, compressor: slowForLarge, minCompressSize: 0 });
    void echo(rep);
    const tooLarge = req.request(Buffer.alloc(2 * limit));
    const small = req.request("small", { timeout: 3000 });
    expect(isMsgError(await rejectionOf(tooLarge), ErrorCode.FrameTooLarge)).toBe(true);
    expect(Buffer.from(await small).toString()).toBe("small");
  });

  it("Rep: respond() throws frame_too_large and the request can still be answered", async () => {
    const { rep, req } = await reqRep({}, { maxFrameSize: limit });
    const answered = (async () => {
      for await (const request of rep) {
        let error: unknown;
        try {
          request.respond(Buffer.alloc(limit + 1));
        } catch (thrown) {
          error = thrown;
        }
        expectTooLarge(error, limit + 1);
        request.respond("too large, here is a summary");
        return;
      }
    })();
    const answer = await withTimeout(req.request("give me everything"), 5000, "answer");
    expect(Buffer.from(answer).toString()).toBe("too large, here is a summary");
    await answered;
    expect(rep.stats().responsesSent).toBe(1);
  });

  it("Rep: a response an asynchronous codec makes too large is dropped and counted", async () => {
    const { rep, req } = await reqRep(
      { timeout: 500 },
      { maxFrameSize: limit, compressor: createCompressor("zstd"), minCompressSize: 0 },
    );
    const dropped = once(rep, "messageDropped");
    void (async () => {
      for await (const request of rep) request.respond(randomBytes(4 * limit));
    })();
    const failure = await rejectionOf(req.request("x"));
    expect(isMsgError(failure, ErrorCode.Timeout)).toBe(true);
    const [event] = await withTimeout(dropped, 5000, "messageDropped");
    expect(event.reason).toBe(ErrorCode.FrameTooLarge);
    expect(rep.stats().failedRequests).toBe(1);
  });

  async function pubSub(options: PubOptions) {
    const pub = track(new PubSocket(new TcpTransport(), options));
    const address = await pub.bind("127.0.0.1:0");
    return { pub, address };
  }

  it("Pub: publish rejects with frame_too_large, with or without subscribers; the next message arrives", async () => {
    const { pub, address } = await pubSub({ maxFrameSize: limit });
    expectTooLarge(await rejectionOf(pub.publish("t", Buffer.alloc(limit + 1))), limit + 1);

    const sub = track(new SubSocket(new TcpTransport()));
    const subscribed = once(pub, "subscribed");
    await sub.subscribe("t");
    void sub.connect(address);
    await withTimeout(subscribed, 5000, "subscription");
    expectTooLarge(await rejectionOf(pub.publish("t", Buffer.alloc(limit + 1))), limit + 1);
    await pub.publish("t", "fits");
    const { value } = await withTimeout(sub[Symbol.asyncIterator]().next(), 5000, "message");
    expect(Buffer.from(value!.payload).toString()).toBe("fits");
    expect(value!.seq).toBe(0);
  });

  it("Pub: the limit applies after compression", async () => {
    const { pub, address } = await pubSub({
      maxFrameSize: limit,
      compressor: createCompressor("zstd"),
      minCompressSize: 0,
    });
    const sub = track(new SubSocket(new TcpTransport()));
    const subscribed = once(pub, "subscribed");
    await sub.subscribe("t");
    void sub.connect(address);
    await withTimeout(subscribed, 5000, "subscription");
    expect(
      isMsgError(await rejectionOf(pub.publish("t", randomBytes(4 * limit))), ErrorCode.FrameTooLarge),
    ).toBe(true);
    await pub.publish("t", Buffer.alloc(8 * limit, 3));
    const { value } = await withTimeout(sub[Symbol.asyncIterator]().next(), 5000, "message");
    expect(value!.payload.byteLength).toBe(8 * limit);
  });
});
