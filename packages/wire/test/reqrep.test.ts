import { ErrorCode, MsgError } from "@msg/core";
import { describe, expect, it } from "vitest";
import {
  AuthDecoder,
  DEFAULT_MAX_FRAME_SIZE,
  decompress,
  encodeReqRep,
  PUBSUB_FIXED_HEADER_SIZE,
  PubSubDecoder,
  REQREP_HEADER_SIZE,
  ReqRepDecoder,
  type ReqRepFrame,
  writePubSubHeader,
  writeReqRepHeader,
} from "../src/index.js";
import { collecting, concat, pushBytewise } from "./collect.js";
import { type FrameVector, hex, loadVectors, type ReqRepFields, toHex } from "./vectors.js";

const vectors = [
  ...loadVectors<FrameVector<ReqRepFields>>("reqrep_request.json"),
  ...loadVectors<FrameVector<ReqRepFields>>("reqrep_response.json"),
];

describe("req/rep vectors", () => {
  it("has vectors to check", () => {
    expect(vectors.length).toBeGreaterThanOrEqual(14);
  });

  for (const vector of vectors) {
    const { fields } = vector;
    describe(vector.description, () => {
      it("decodes to the stated fields, whole and one byte at a time", async () => {
        for (const feed of ["whole", "bytewise"] as const) {
          const { decoder, frames } = collecting(ReqRepDecoder);
          const bytes = hex(vector.hex);
          if (feed === "whole") decoder.push(bytes);
          else pushBytewise(decoder, bytes);
          decoder.end();
          expect(frames).toHaveLength(1);
          const frame = frames[0]!;
          expect(fields.wire_id).toBe(2);
          expect(frame.compression).toBe(fields.compression_type);
          expect(frame.id).toBe(fields.id);
          expect(frame.payload.length).toBe(fields.size);
          expect(toHex(frame.payload)).toBe(fields.payload_hex);
          const plain = await decompress(frame.compression, frame.payload);
          expect(toHex(plain)).toBe(fields.plain_hex ?? fields.payload_hex);
        }
      });

      it("encodes back byte for byte", () => {
        const frame = {
          compression: fields.compression_type,
          id: fields.id,
          payload: hex(fields.payload_hex),
        };
        expect(toHex(encodeReqRep(frame))).toBe(vector.hex);
      });
    });
  }
});

describe("writeReqRepHeader", () => {
  it("writes at the offset and returns the offset after the header", () => {
    const target = new Uint8Array(3 + REQREP_HEADER_SIZE + 2).fill(0xaa);
    const end = writeReqRepHeader(target, 3, 4, 0x01020304, 0x0a0b0c0d);
    expect(end).toBe(3 + REQREP_HEADER_SIZE);
    expect(toHex(target)).toBe("aaaaaa" + "0204" + "01020304" + "0a0b0c0d" + "aaaa");
  });

  it("takes ids modulo 2^32", () => {
    const target = new Uint8Array(REQREP_HEADER_SIZE);
    writeReqRepHeader(target, 0, 0, 2 ** 32 + 7, 0);
    expect(toHex(target.subarray(2, 6))).toBe("00000007");
  });

  it("refuses a header that does not fit and out-of-range fields", () => {
    const small = new Uint8Array(12);
    for (const write of [
      () => writeReqRepHeader(small, 3, 0, 0, 0),
      () => writeReqRepHeader(small, -1, 0, 0, 0),
      () => writeReqRepHeader(small, 0, 256, 0, 0),
      () => writeReqRepHeader(small, 0, 0, 0, 2 ** 32),
      () => writeReqRepHeader(small, 0, 0, 0, 1.5),
    ]) {
      expect(write).toThrow(expect.objectContaining({ code: ErrorCode.InvalidArgument }));
    }
  });
});

describe("ReqRepDecoder", () => {
  const frameA = encodeReqRep({ compression: 0, id: 1, payload: new Uint8Array([1, 2, 3]) });
  const frameB = encodeReqRep({ compression: 3, id: 2, payload: new Uint8Array(100).fill(9) });

  it("delivers frames wholly inside a chunk as views into it, not copies", () => {
    const { decoder, frames } = collecting(ReqRepDecoder);
    const chunk = concat([frameA, frameB]);
    decoder.push(chunk);
    expect(frames.map((f) => f.id)).toEqual([1, 2]);
    for (const frame of frames) expect(frame.payload.buffer).toBe(chunk.buffer);
    expect(frames[1]!.payload.byteOffset).toBe(frameA.length + REQREP_HEADER_SIZE);
  });

  it("assembles a split frame in a buffer of exactly the frame's size once complete", () => {
    const { decoder, frames } = collecting(ReqRepDecoder);
    const bytes = concat([frameA, frameB]);
    const cut = frameA.length + 4; // inside frameB's header
    decoder.push(bytes.subarray(0, cut));
    expect(decoder.bufferedBytes).toBe(4);
    decoder.push(bytes.subarray(cut, cut + 30));
    expect(decoder.bufferedBytes).toBe(34);
    decoder.push(bytes.subarray(cut + 30));
    expect(decoder.bufferedBytes).toBe(0);
    expect(frames).toHaveLength(2);
    expect(frames[1]!.payload.buffer.byteLength).toBe(frameB.length);
    expect(toHex(frames[1]!.payload)).toBe(toHex(new Uint8Array(100).fill(9)));
  });

  it("decodes the same stream cut at every byte", () => {
    const bytes = concat([frameA, frameB, frameA]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { decoder, frames } = collecting(ReqRepDecoder);
      decoder.push(bytes.subarray(0, cut));
      decoder.push(bytes.subarray(cut));
      decoder.end();
      expect(frames.map((f) => [f.id, f.compression, f.payload.length])).toEqual([
        [1, 0, 3],
        [2, 3, 100],
        [1, 0, 3],
      ]);
    }
  });

  it("accepts empty chunks anywhere", () => {
    const { decoder, frames } = collecting(ReqRepDecoder);
    decoder.push(new Uint8Array(0));
    decoder.push(frameA.subarray(0, 5));
    decoder.push(new Uint8Array(0));
    decoder.push(frameA.subarray(5));
    expect(frames).toHaveLength(1);
  });

  it("applies maxFrameSize to the declared payload length, inclusive", () => {
    const exact = collecting(ReqRepDecoder, 3);
    exact.decoder.push(frameA);
    expect(exact.frames).toHaveLength(1);
    const over = collecting(ReqRepDecoder, 2);
    expect(() => over.decoder.push(frameA)).toThrow(
      expect.objectContaining({
        code: ErrorCode.FrameTooLarge,
        message: "reqrep frame declares 3 bytes, above the 2-byte limit",
      }),
    );
    const zero = collecting(ReqRepDecoder, 0);
    zero.decoder.push(encodeReqRep({ compression: 0, id: 5, payload: new Uint8Array(0) }));
    expect(zero.frames).toHaveLength(1);
  });

  it("defaults maxFrameSize to 16 MiB", () => {
    expect(DEFAULT_MAX_FRAME_SIZE).toBe(16 * 1024 * 1024);
    const header = new Uint8Array(REQREP_HEADER_SIZE);
    writeReqRepHeader(header, 0, 0, 0, DEFAULT_MAX_FRAME_SIZE + 1);
    const { decoder } = collecting(ReqRepDecoder);
    expect(() => decoder.push(header)).toThrow(expect.objectContaining({ code: ErrorCode.FrameTooLarge }));
    const fits = collecting(ReqRepDecoder);
    writeReqRepHeader(header, 0, 0, 0, DEFAULT_MAX_FRAME_SIZE);
    fits.decoder.push(header);
    expect(fits.decoder.bufferedBytes).toBe(REQREP_HEADER_SIZE);
  });

  it("holds memory in proportion to the bytes received, not to the length a header declares", () => {
    const { decoder } = collecting(ReqRepDecoder);
    const header = new Uint8Array(REQREP_HEADER_SIZE);
    writeReqRepHeader(header, 0, 0, 0, DEFAULT_MAX_FRAME_SIZE);
    decoder.push(header);
    expect(decoder.allocatedBytes).toBeLessThanOrEqual(16 * 1024);
    let received = REQREP_HEADER_SIZE;
    for (const size of [1000, 60_000, 1_000_000]) {
      decoder.push(new Uint8Array(size));
      received += size;
      expect(decoder.bufferedBytes).toBe(received);
      expect(decoder.allocatedBytes).toBeLessThanOrEqual(2 * received + 16 * 1024);
    }
  });

  it("maxFrameSize Infinity: a frame longer than any buffer is frame_too_large, not a RangeError", () => {
    const reqrep = new Uint8Array(REQREP_HEADER_SIZE);
    writeReqRepHeader(reqrep, 0, 0, 0, 0xffffffff);
    const pubsub = new Uint8Array(PUBSUB_FIXED_HEADER_SIZE + 1);
    writePubSubHeader(pubsub, 0, 0, new Uint8Array([0x61]), 0, 0, 0xffffffff);
    const auth = hex("01ffffffff");
    const options = { maxFrameSize: Number.POSITIVE_INFINITY, onFrame: () => {} };
    const cases: [() => { push(chunk: Uint8Array): void }, Uint8Array][] = [
      [() => new ReqRepDecoder(options), reqrep],
      [() => new PubSubDecoder(options), pubsub],
      [() => new AuthDecoder(options), auth],
    ];
    for (const [make, header] of cases) {
      expect(() => make().push(concat([header, new Uint8Array(100)]))).toThrow(
        expect.objectContaining({ code: ErrorCode.FrameTooLarge }),
      );
      const split = make();
      split.push(header.subarray(0, 3));
      expect(() => split.push(header.subarray(3))).toThrow(
        expect.objectContaining({ code: ErrorCode.FrameTooLarge }),
      );
    }
  });

  it("refuses invalid options", () => {
    for (const maxFrameSize of [-1, 1.5, Number.NaN, 2 ** 32]) {
      expect(() => new ReqRepDecoder({ maxFrameSize, onFrame: () => {} })).toThrow(
        expect.objectContaining({ code: ErrorCode.InvalidArgument }),
      );
    }
    expect(() => new ReqRepDecoder({ onFrame: undefined as unknown as () => void })).toThrow(MsgError);
    expect(
      () => new ReqRepDecoder({ maxFrameSize: Number.POSITIVE_INFINITY, onFrame: () => {} }),
    ).not.toThrow();
  });

  it("stays failed after an error: the same error again on every call", () => {
    const { decoder, frames } = collecting(ReqRepDecoder);
    const bad = concat([frameA, new Uint8Array([0x07])]);
    let first: unknown;
    try {
      decoder.push(bad);
    } catch (error) {
      first = error;
    }
    expect(first).toMatchObject({ code: ErrorCode.WireId, message: "Invalid wire ID: 7" });
    expect(frames).toHaveLength(1);
    expect(() => decoder.push(frameA)).toThrow(first as Error);
    expect(() => decoder.end()).toThrow(first as Error);
    expect(frames).toHaveLength(1);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it("reports end of stream inside a frame, and refuses bytes after end", () => {
    const { decoder } = collecting(ReqRepDecoder);
    decoder.push(frameB.subarray(0, 12));
    expect(() => decoder.end()).toThrow(
      expect.objectContaining({
        code: ErrorCode.EofMidFrame,
        message: "bytes remaining on stream: 12 bytes of an incomplete frame",
      }),
    );
    const clean = collecting(ReqRepDecoder);
    clean.decoder.push(frameA);
    clean.decoder.end();
    expect(() => clean.decoder.push(frameA)).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidState }),
    );
  });

  it("propagates an exception from onFrame and then refuses further input", () => {
    const boom = new Error("application bug");
    const seen: ReqRepFrame[] = [];
    const decoder = new ReqRepDecoder({
      onFrame: (frame) => {
        seen.push(frame);
        throw boom;
      },
    });
    expect(() => decoder.push(concat([frameA, frameB]))).toThrow(boom);
    expect(seen).toHaveLength(1);
    expect(() => decoder.push(frameA)).toThrow(boom);
  });
});
