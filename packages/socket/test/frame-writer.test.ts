import type { Connection, ConnectionHandler } from "@msg/core";
import { encodePubSub, encodeTopic, PubSubDecoder, ReqRepDecoder, type ReqRepFrame } from "@msg/wire";
import { describe, expect, it } from "vitest";
import { FrameWriter } from "../src/frame-writer.js";

/**
 * An in-memory connection whose write() reports backpressure while `full` is set. It keeps the very
 * chunks it is handed, as a real transport does, so a test can tell a copy from the caller's buffer
 * (and a writer that reused a handed-off buffer would corrupt the decoded frames).
 */
function fakeConnection(options: { writev?: boolean } = {}) {
  const chunks: Uint8Array[] = [];
  /** The number of chunks in each call the writer made: 1 per `write`, the group's size per `writev`. */
  const calls: number[] = [];
  const state = { full: false };
  const connection: Connection = {
    transport: "fake",
    remoteAddress: "peer",
    localAddress: "me",
    closed: false,
    write(chunk) {
      chunks.push(chunk);
      calls.push(1);
      return !state.full;
    },
    ...(options.writev && {
      writev(group: readonly Uint8Array[]) {
        chunks.push(...group);
        calls.push(group.length);
        return !state.full;
      },
    }),
    setHandler(_handler: ConnectionHandler | undefined) {},
    unshift() {},
    pause() {},
    resume() {},
    end() {},
    destroy() {},
  };
  const frames = () => {
    const out: ReqRepFrame[] = [];
    const decoder = new ReqRepDecoder({ onFrame: (frame) => out.push(frame) });
    for (const chunk of chunks) decoder.push(chunk);
    return out;
  };
  return { connection, chunks, calls, state, frames };
}

const flushTick = () => new Promise((resolve) => process.nextTick(resolve));

/**
 * Writes frame 0, lets the transport fill up (`state.full`), then frames 1-5 with `size`-byte
 * payloads, each flushed into its own held-back chunk.
 */
async function holdFiveChunks(writer: FrameWriter, state: { full: boolean }, size: number): Promise<void> {
  state.full = true;
  writer.writeReqRep(0, 0, Buffer.alloc(10));
  await flushTick(); // written, but the transport is now full
  for (let id = 1; id <= 5; id++) {
    writer.writeReqRep(0, id, Buffer.alloc(size));
    writer.flush();
  }
}

describe("FrameWriter", () => {
  it("coalesces the frames of one tick into one write, in order", async () => {
    const { connection, chunks, frames } = fakeConnection();
    const writer = new FrameWriter(connection, { size: 64 * 1024, lingerUs: 0 });
    for (let id = 0; id < 100; id++) writer.writeReqRep(0, id, Buffer.from(`payload ${id}`));
    expect(chunks).toHaveLength(0);
    await flushTick();
    expect(chunks).toHaveLength(1);
    expect(frames().map((f) => f.id)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it("counts queued frames chunk by chunk while the transport pushes back", async () => {
    const { connection, state, frames } = fakeConnection();
    const writer = new FrameWriter(connection, { size: 1024, lingerUs: 0 });
    await holdFiveChunks(writer, state, 10);
    expect(writer.blocked).toBe(true);
    expect(writer.queuedFrames).toBe(5);
    state.full = false;
    writer.handleDrain();
    expect(writer.queuedFrames).toBe(0);
    expect(writer.queuedBytes).toBe(0);
    expect(frames().map((f) => f.id)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("reports onDrain when the transport takes data again, even with frames still batched", async () => {
    const { connection, state } = fakeConnection();
    let drains = 0;
    const writer = new FrameWriter(connection, { size: 64 * 1024, lingerUs: 0 }, () => drains++);
    state.full = true;
    writer.writeReqRep(0, 0, Buffer.alloc(10));
    await flushTick();
    expect(writer.blocked).toBe(true);
    writer.writeReqRep(0, 1, Buffer.alloc(10)); // sits in the batch when the drain comes
    state.full = false;
    writer.handleDrain();
    expect(drains).toBe(1);
    expect(writer.blocked).toBe(false);
  });

  it("writes large payloads as their own chunk, without copying them", async () => {
    const { connection, chunks } = fakeConnection();
    const writer = new FrameWriter(connection, { size: 64 * 1024, lingerUs: 0 });
    const big = Buffer.alloc(100_000, 7);
    writer.writeReqRep(0, 1, big);
    await flushTick();
    expect(chunks.map((c) => c.byteLength)).toEqual([10, 100_000]);
    expect(chunks[1]).toBe(big); // the caller's own buffer, not a copy of it
  });

  it("hands a large payload and the batch holding its header to a writev transport in one call", async () => {
    const { connection, chunks, calls, frames } = fakeConnection({ writev: true });
    const writer = new FrameWriter(connection, { size: 64 * 1024, lingerUs: 0 });
    const big = Buffer.alloc(100_000, 7);
    writer.writeReqRep(0, 0, Buffer.alloc(10, 1));
    writer.writeReqRep(0, 1, big);
    await flushTick();
    expect(calls).toEqual([2]);
    expect(chunks.map((c) => c.byteLength)).toEqual([30, 100_000]); // frame 0 and frame 1's header, then its payload
    expect(chunks[1]).toBe(big);
    expect(frames().map((f) => [f.id, f.payload.byteLength])).toEqual([
      [0, 10],
      [1, 100_000],
    ]);
  });

  it("drains held chunks to a writev transport in groups of about a batch, counters kept right", async () => {
    const { connection, calls, state, frames } = fakeConnection({ writev: true });
    const writer = new FrameWriter(connection, { size: 1024, lingerUs: 0 });
    await holdFiveChunks(writer, state, 600); // five chunks of 610 bytes
    expect(writer.queuedFrames).toBe(5);
    // The first group (two chunks: 1220 bytes, the first to reach 1024) is taken, then push-back.
    writer.handleDrain();
    expect(calls).toEqual([1, 2]);
    expect(writer.blocked).toBe(true);
    expect(writer.queuedFrames).toBe(3);
    expect(writer.queuedBytes).toBe(3 * 610);
    state.full = false;
    writer.handleDrain();
    expect(calls).toEqual([1, 2, 2, 1]); // the last chunk alone goes by write
    expect(writer.queuedFrames).toBe(0);
    expect(writer.queuedBytes).toBe(0);
    expect(frames().map((f) => f.id)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("writePubSubRun writes the bytes writePubSub would, frame by frame, and stops at push-back", async () => {
    const topic = encodeTopic("prices.eu");
    const payloads = [10, 0, 300, 20_000, 5, 64].map((size, k) => Buffer.alloc(size, k + 1));
    const concatenated = (chunks: Uint8Array[]) => Buffer.concat(chunks).toString("hex");

    const one = fakeConnection();
    const single = new FrameWriter(one.connection, { size: 1024, lingerUs: 0 });
    for (const [k, payload] of payloads.entries()) {
      single.writePubSub(0, topic, 1_700_000_000_000_000, 0xfffffffe + k, payload);
    }
    single.flush();

    const run = fakeConnection();
    const writer = new FrameWriter(run.connection, { size: 1024, lingerUs: 0 });
    expect(writer.writePubSubRun(0, topic, 1_700_000_000_000_000, 0xfffffffe, payloads, 0)).toBe(6);
    writer.flush();
    expect(concatenated(run.chunks)).toBe(concatenated(one.chunks)); // seq wraps past 2^32 - 1 the same way

    // Push-back: the run ends after the frame whose write the transport refused, the rest is the owner's.
    const held = fakeConnection();
    const blocked = new FrameWriter(held.connection, { size: 1024, lingerUs: 0 });
    held.state.full = true;
    const end = blocked.writePubSubRun(0, topic, 1, 0, payloads, 0);
    expect(end).toBe(4); // the 20 000-byte payload goes out as its own chunk: written, refused
    expect(blocked.blocked).toBe(true);
    expect(blocked.writePubSubRun(0, topic, 1, end, payloads, end)).toBe(end);
    held.state.full = false;
    blocked.handleDrain();
    expect(blocked.writePubSubRun(0, topic, 1, end, payloads, end)).toBe(6);
    blocked.flush();
    const seqs: number[] = [];
    const decoder = new PubSubDecoder({ onFrame: (frame) => seqs.push(frame.seq) });
    for (const chunk of held.chunks) decoder.push(chunk);
    expect(seqs).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("writePubSub writes each frame as encodePubSub does while topic, timestamp and compression change", async () => {
    const { connection, chunks } = fakeConnection();
    const writer = new FrameWriter(connection, { size: 1024, lingerUs: 0 });
    const topics = ["a.b", "c.d", "a.b", "longer.topic"].map(encodeTopic);
    const expected: Uint8Array[] = [];
    for (let k = 0; k < 40; k++) {
      const frame = {
        compression: k % 7 === 0 ? 3 : 0,
        topic: topics[k % topics.length]!,
        timestamp: 1_700_000_000_000_000 + Math.floor(k / 5),
        seq: k,
        payload: Buffer.alloc(k * 3, k),
      };
      writer.writePubSub(frame.compression, frame.topic, frame.timestamp, frame.seq, frame.payload);
      expected.push(encodePubSub(frame));
    }
    writer.flush();
    expect(Buffer.concat(chunks).toString("hex")).toBe(Buffer.concat(expected).toString("hex"));
  });
});
