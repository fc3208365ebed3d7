import { ErrorCode, isMsgError } from "@msg/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AUTH_HEADER_SIZE,
  AuthDecoder,
  createCompressor,
  type DecoderOptions,
  decompress,
  encodeAuthToken,
  encodePubSub,
  encodeReqRep,
  type FrameDecoder,
  MAX_TOPIC_LENGTH,
  PUBSUB_FIXED_HEADER_SIZE,
  PubSubDecoder,
  type PubSubFrameView,
  PubSubViewDecoder,
  REQREP_HEADER_SIZE,
  ReqRepDecoder,
  toCompressionType,
} from "../src/index.js";
import { concat, splitAt } from "./collect.js";
import { toHex } from "./vectors.js";

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const payload = fc.uint8Array({ maxLength: 300 });

const reqRepFrame = fc.record({ compression: fc.integer({ min: 0, max: 255 }), id: u32, payload });
const pubSubFrame = fc.record({
  compression: fc.integer({ min: 0, max: 255 }),
  topic: fc.string({ unit: "binary", maxLength: 40 }),
  timestamp: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  seq: u32,
  payload,
});
const authFrame = fc.record({ token: fc.uint8Array({ maxLength: 200 }) });

/** Sorted cut points inside a stream of `length` bytes, from arbitrary naturals. */
function cutsFor(length: number, raw: number[]): number[] {
  return raw.map((n) => n % (length + 1)).sort((a, b) => a - b);
}

/** Decodes `chunks` and returns the frames and how decoding ended. */
function run<F>(
  Decoder: new (options: DecoderOptions<F>) => FrameDecoder<F>,
  chunks: Uint8Array[],
  maxFrameSize: number,
  headerLimit: number,
): { frames: F[]; error: unknown; maxBuffered: number } {
  const frames: F[] = [];
  const decoder = new Decoder({ maxFrameSize, onFrame: (frame) => frames.push(frame) });
  let maxBuffered = 0;
  try {
    for (const chunk of chunks) {
      decoder.push(chunk);
      maxBuffered = Math.max(maxBuffered, decoder.bufferedBytes);
      expect(decoder.bufferedBytes).toBeLessThanOrEqual(headerLimit + maxFrameSize);
    }
    decoder.end();
    return { frames, error: undefined, maxBuffered };
  } catch (error) {
    return { frames, error, maxBuffered };
  }
}

describe("round trips under any chunking", () => {
  it("req/rep: frames concatenated and cut anywhere decode to themselves", () => {
    fc.assert(
      fc.property(
        fc.array(reqRepFrame, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (frames, raw) => {
          const stream = concat(frames.map(encodeReqRep));
          const result = run(
            ReqRepDecoder,
            splitAt(stream, cutsFor(stream.length, raw)),
            300,
            REQREP_HEADER_SIZE,
          );
          expect(result.error).toBeUndefined();
          expect(result.frames.map((f) => ({ ...f, payload: toHex(f.payload) }))).toEqual(
            frames.map((f) => ({ ...f, payload: toHex(f.payload) })),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("pub/sub: any UTF-8 topic, any u64 timestamp, cut anywhere", () => {
    fc.assert(
      fc.property(
        fc.array(pubSubFrame, { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (frames, raw) => {
          const stream = concat(frames.map(encodePubSub));
          const cuts = cutsFor(stream.length, raw);
          const result = run(
            PubSubDecoder,
            splitAt(stream, cuts),
            300,
            PUBSUB_FIXED_HEADER_SIZE + MAX_TOPIC_LENGTH,
          );
          expect(result.error).toBeUndefined();
          expect(result.frames.map((f) => ({ ...f, payload: toHex(f.payload) }))).toEqual(
            frames.map((f) => ({ ...f, payload: toHex(f.payload) })),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("auth: tokens cut anywhere", () => {
    fc.assert(
      fc.property(
        fc.array(authFrame, { maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (frames, raw) => {
          const stream = concat(frames.map((f) => encodeAuthToken(f.token)));
          const result = run(
            AuthDecoder,
            splitAt(stream, cutsFor(stream.length, raw)),
            200,
            AUTH_HEADER_SIZE,
          );
          expect(result.error).toBeUndefined();
          expect(result.frames.map((f) => toHex(f.token))).toEqual(frames.map((f) => toHex(f.token)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("req/rep: one stream split at every single point", () => {
    fc.assert(
      fc.property(fc.array(reqRepFrame, { minLength: 1, maxLength: 4 }), (frames) => {
        const stream = concat(frames.map(encodeReqRep));
        const expected = frames.map((f) => toHex(f.payload));
        for (let cut = 0; cut <= stream.length; cut++) {
          const result = run(ReqRepDecoder, splitAt(stream, [cut]), 300, REQREP_HEADER_SIZE);
          expect(result.frames.map((f) => toHex(f.payload))).toEqual(expected);
        }
      }),
      { numRuns: 30 },
    );
  });

  it("pub/sub: number timestamps (safe integers) decode to the same bigint", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (timestamp) => {
        const bytes = encodePubSub({
          compression: 0,
          topic: "t",
          timestamp,
          seq: 0,
          payload: new Uint8Array(0),
        });
        const result = run(PubSubDecoder, [bytes], 0, PUBSUB_FIXED_HEADER_SIZE + 1);
        expect((result.frames[0] as { timestamp: bigint }).timestamp).toBe(BigInt(timestamp));
      }),
    );
  });
});

describe("garbage into the decoders", () => {
  const DECODE_ERRORS = new Set<string>([
    ErrorCode.WireId,
    ErrorCode.FrameTooLarge,
    ErrorCode.MalformedFrame,
  ]);
  const decoders = [
    { name: "reqrep", Decoder: ReqRepDecoder, wireId: 2, header: REQREP_HEADER_SIZE },
    {
      name: "pubsub",
      Decoder: PubSubDecoder,
      wireId: 3,
      header: PUBSUB_FIXED_HEADER_SIZE + MAX_TOPIC_LENGTH,
    },
    { name: "auth", Decoder: AuthDecoder, wireId: 1, header: AUTH_HEADER_SIZE },
  ] as const;

  for (const { name, Decoder, wireId, header } of decoders) {
    // Garbage that often starts like a frame of the right kind, so that the deeper paths are reached.
    const stream = fc
      .array(
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }),
          fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => {
            bytes[0] = wireId;
            return bytes;
          }),
          payload.map((p) => encodeReqRep({ compression: 0, id: 1, payload: p })),
          payload.map((p) => encodePubSub({ compression: 0, topic: "x", timestamp: 0, seq: 0, payload: p })),
          payload.map((p) => encodeAuthToken(p)),
        ),
        { maxLength: 6 },
      )
      .map(concat);

    it(`${name}: only frames or a decode MsgError, never more than header + maxFrameSize held`, () => {
      fc.assert(
        fc.property(
          stream,
          fc.array(fc.nat(), { maxLength: 10 }),
          fc.integer({ min: 0, max: 400 }),
          (bytes, raw, max) => {
            const result = run(Decoder as never, splitAt(bytes, cutsFor(bytes.length, raw)), max, header);
            if (result.error !== undefined) {
              expect(isMsgError(result.error)).toBe(true);
              const code = (result.error as { code: string }).code;
              expect(DECODE_ERRORS.has(code) || code === ErrorCode.EofMidFrame).toBe(true);
            }
            expect(result.maxBuffered).toBeLessThanOrEqual(header + max);
          },
        ),
        { numRuns: 400 },
      );
    });

    it(`${name}: the outcome does not depend on the chunking`, () => {
      fc.assert(
        fc.property(stream, fc.array(fc.nat(), { maxLength: 10 }), (bytes, raw) => {
          const whole = run(Decoder as never, [bytes], 300, header);
          const pieces = run(Decoder as never, splitAt(bytes, cutsFor(bytes.length, raw)), 300, header);
          const summary = (r: typeof whole) => ({
            frames: JSON.stringify(r.frames, (_k, v) =>
              typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? toHex(v) : v,
            ),
            code: (r.error as { code?: string } | undefined)?.code,
          });
          expect(summary(pieces)).toEqual(summary(whole));
        }),
        { numRuns: 300 },
      );
    });
  }
});

describe("compression round trips", () => {
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 3000 }),
    // Compressible: a short pattern repeated.
    fc
      .tuple(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 2000 }))
      .map(([unit, times]) => concat(Array.from({ length: times }, () => unit))),
  );

  for (const codec of ["gzip", "snappy", "lz4"] as const) {
    it(`${codec}: decompress(compress(x)) = x`, () => {
      const compressor = createCompressor(codec);
      const type = toCompressionType(codec);
      fc.assert(
        fc.property(bytes, (data) => {
          const packed = compressor.compress(data) as Uint8Array;
          expect(toHex(decompress(type, packed, data.length) as Uint8Array)).toBe(toHex(data));
        }),
        { numRuns: 200 },
      );
    });
  }

  it("zstd: decompress(compress(x)) = x", async () => {
    const compressor = createCompressor("zstd");
    await fc.assert(
      fc.asyncProperty(bytes, async (data) => {
        const packed = await compressor.compress(data);
        expect(toHex(await decompress(2, packed, data.length))).toBe(toHex(data));
      }),
      { numRuns: 100 },
    );
  });

  it("arbitrary bytes into every decompressor: a value or a typed MsgError, nothing else", async () => {
    const allowed = new Set<string>([ErrorCode.DecompressionFailed, ErrorCode.DecompressedTooLarge]);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.uint8Array({ maxLength: 200 }),
        async (type, data) => {
          try {
            const out = await decompress(type, data, 4096);
            expect(out.length).toBeLessThanOrEqual(4096);
          } catch (error) {
            expect(isMsgError(error)).toBe(true);
            expect(allowed.has((error as { code: string }).code)).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("PubSubViewDecoder against PubSubDecoder", () => {
  /** What the view decoder hands over, copied out of the reused view, and how decoding ended. */
  function viewRun(chunks: Uint8Array[], maxFrameSize: number) {
    const views = new Set<PubSubFrameView>();
    const frames: {
      compression: number;
      topic: string;
      timestampUs: number;
      seq: number;
      payload: string;
    }[] = [];
    const decoder = new PubSubViewDecoder({
      maxFrameSize,
      onFrame: (view) => {
        views.add(view);
        frames.push({ ...view, payload: toHex(view.payload) });
      },
    });
    let error: unknown;
    try {
      for (const chunk of chunks) decoder.push(chunk);
      decoder.end();
    } catch (caught) {
      error = caught;
    }
    return { frames, error, views: views.size };
  }

  it("the same frames from any chunking, in one reused view, the timestamp as Number(u64)", () => {
    fc.assert(
      fc.property(
        fc.array(pubSubFrame, { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (frames, raw) => {
          const stream = concat(frames.map(encodePubSub));
          const result = viewRun(splitAt(stream, cutsFor(stream.length, raw)), 300);
          expect(result.error).toBeUndefined();
          expect(result.views).toBeLessThanOrEqual(1);
          expect(result.frames).toEqual(
            frames.map(({ timestamp, ...f }) => ({
              ...f,
              timestampUs: Number(timestamp),
              payload: toHex(f.payload),
            })),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("garbage: the same frames, then the same error code, as PubSubDecoder", () => {
    const garbage = fc
      .array(
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }),
          payload.map((p) => encodePubSub({ compression: 0, topic: "x", timestamp: 7, seq: 1, payload: p })),
        ),
        { maxLength: 6 },
      )
      .map(concat);
    fc.assert(
      fc.property(garbage, fc.integer({ min: 0, max: 300 }), (bytes, maxFrameSize) => {
        const reference = run(
          PubSubDecoder,
          [bytes],
          maxFrameSize,
          PUBSUB_FIXED_HEADER_SIZE + MAX_TOPIC_LENGTH,
        );
        const views = viewRun([bytes], maxFrameSize);
        expect(views.frames.map((f) => f.payload)).toEqual(reference.frames.map((f) => toHex(f.payload)));
        expect((views.error as { code?: string } | undefined)?.code).toBe(
          (reference.error as { code?: string } | undefined)?.code,
        );
      }),
      { numRuns: 300 },
    );
  });
});
