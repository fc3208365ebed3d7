import { ErrorCode, nowMicros } from "@msg/core";
import { describe, expect, it } from "vitest";
import {
  decompress,
  encodePubSub,
  encodeSubscribe,
  encodeTopic,
  encodeUnsubscribe,
  MAX_TOPIC_LENGTH,
  PUBSUB_FIXED_HEADER_SIZE,
  PubSubDecoder,
  parseControlTopic,
  SUBSCRIBE_PREFIX,
  UNSUBSCRIBE_PREFIX,
  writePubSubHeader,
} from "../src/index.js";
import { collecting, concat, pushBytewise } from "./collect.js";
import { type FrameVector, hex, loadVectors, type PubSubFields, toHex } from "./vectors.js";

const data = loadVectors<FrameVector<PubSubFields>>("pubsub_data.json");
const control = loadVectors<FrameVector<PubSubFields>>("pubsub_control.json");

describe("pub/sub vectors", () => {
  it("has vectors to check, including the 2^63+1 timestamp", () => {
    expect(data.length + control.length).toBeGreaterThanOrEqual(14);
    expect(data.some((v) => v.fields.timestamp === "9223372036854775809")).toBe(true);
  });

  for (const vector of [...data, ...control]) {
    const { fields } = vector;
    describe(vector.description, () => {
      it("decodes to the stated fields, whole and one byte at a time", async () => {
        for (const feed of ["whole", "bytewise"] as const) {
          const { decoder, frames } = collecting(PubSubDecoder);
          const bytes = hex(vector.hex);
          if (feed === "whole") decoder.push(bytes);
          else pushBytewise(decoder, bytes);
          decoder.end();
          expect(frames).toHaveLength(1);
          const frame = frames[0]!;
          expect(fields.wire_id).toBe(3);
          expect(frame.compression).toBe(fields.compression_type);
          expect(frame.topic).toBe(fields.topic_utf8);
          expect(toHex(Buffer.from(frame.topic, "utf8"))).toBe(fields.topic_hex);
          expect(Buffer.byteLength(frame.topic)).toBe(fields.topic_size);
          expect(frame.timestamp).toBe(BigInt(fields.timestamp));
          expect(frame.seq).toBe(fields.seq);
          expect(frame.payload.length).toBe(fields.size);
          expect(toHex(frame.payload)).toBe(fields.payload_hex);
          const plain = await decompress(frame.compression, frame.payload);
          expect(toHex(plain)).toBe(fields.plain_hex ?? fields.payload_hex);
        }
      });

      it("encodes back byte for byte, from a string or bytes topic, bigint or number timestamp", () => {
        const timestamp = BigInt(fields.timestamp);
        const base = {
          compression: fields.compression_type,
          seq: fields.seq,
          payload: hex(fields.payload_hex),
        };
        expect(toHex(encodePubSub({ ...base, topic: fields.topic_utf8, timestamp }))).toBe(vector.hex);
        expect(toHex(encodePubSub({ ...base, topic: hex(fields.topic_hex), timestamp }))).toBe(vector.hex);
        if (timestamp <= BigInt(Number.MAX_SAFE_INTEGER)) {
          expect(
            toHex(encodePubSub({ ...base, topic: fields.topic_utf8, timestamp: Number(timestamp) })),
          ).toBe(vector.hex);
        }
      });
    });
  }

  it("encodes the control vectors with encodeSubscribe / encodeUnsubscribe", () => {
    for (const vector of control) {
      const control = parseControlTopic(vector.fields.topic_utf8);
      expect(control).toBeDefined();
      const encode = control!.kind === "subscribe" ? encodeSubscribe : encodeUnsubscribe;
      expect(toHex(encode(control!.pattern, BigInt(vector.fields.timestamp)))).toBe(vector.hex);
    }
  });
});

describe("control topics", () => {
  it("parses subscribe and unsubscribe topics, and nothing else", () => {
    expect(parseControlTopic("MSG.SUB.a.*")).toEqual({ kind: "subscribe", pattern: "a.*" });
    expect(parseControlTopic("MSG.UNSUB.a.>")).toEqual({ kind: "unsubscribe", pattern: "a.>" });
    expect(parseControlTopic("MSG.SUB.")).toEqual({ kind: "subscribe", pattern: "" });
    for (const topic of ["", "MSG", "MSG.SUB", "MSG.OTHER.x", "msg.sub.x", "a.MSG.SUB.x"]) {
      expect(parseControlTopic(topic)).toBeUndefined();
    }
    expect(SUBSCRIBE_PREFIX).toBe("MSG.SUB.");
    expect(UNSUBSCRIBE_PREFIX).toBe("MSG.UNSUB.");
  });

  it("stamps control frames with the current time by default", () => {
    const before = BigInt(nowMicros());
    const { decoder, frames } = collecting(PubSubDecoder);
    decoder.push(encodeSubscribe("x.y"));
    const after = BigInt(nowMicros());
    expect(frames[0]).toMatchObject({ topic: "MSG.SUB.x.y", compression: 0, seq: 0 });
    expect(frames[0]!.timestamp >= before && frames[0]!.timestamp <= after).toBe(true);
    expect(frames[0]!.payload.length).toBe(0);
  });
});

describe("writePubSubHeader", () => {
  it("writes at the offset and returns the offset after the header", () => {
    const topic = new Uint8Array([0x61, 0x62]);
    const target = new Uint8Array(1 + PUBSUB_FIXED_HEADER_SIZE + 2).fill(0xee);
    const end = writePubSubHeader(target, 1, 2, topic, 0x0102030405060708n, 2 ** 32 + 1, 0x10);
    expect(end).toBe(target.length);
    expect(toHex(target)).toBe(
      "ee" + "0302" + "0002" + "6162" + "0102030405060708" + "00000001" + "00000010",
    );
  });

  it("refuses out-of-range fields and topics over 65535 bytes", () => {
    const target = new Uint8Array(100);
    const topic = new Uint8Array(1);
    const invalid = expect.objectContaining({ code: ErrorCode.InvalidArgument });
    expect(() => writePubSubHeader(target, 90, 0, topic, 0, 0, 0)).toThrow(invalid);
    expect(() => writePubSubHeader(target, 0, 300, topic, 0, 0, 0)).toThrow(invalid);
    expect(() => writePubSubHeader(target, 0, 0, topic, -1, 0, 0)).toThrow(invalid);
    expect(() => writePubSubHeader(target, 0, 0, topic, 2 ** 53, 0, 0)).toThrow(invalid);
    expect(() => writePubSubHeader(target, 0, 0, topic, 1.5, 0, 0)).toThrow(invalid);
    expect(() => writePubSubHeader(target, 0, 0, topic, 1n << 64n, 0, 0)).toThrow(invalid);
    expect(() => writePubSubHeader(target, 0, 0, topic, -1n, 0, 0)).toThrow(invalid);
    expect(() => writePubSubHeader(target, 0, 0, topic, 0, 0, 2 ** 32)).toThrow(invalid);
    const long = new Uint8Array(MAX_TOPIC_LENGTH + 1);
    expect(() => writePubSubHeader(new Uint8Array(70000), 0, 0, long, 0, 0, 0)).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidTopic }),
    );
  });

  it("writes the largest u64 timestamp and a 65535-byte topic", () => {
    const topic = "t".repeat(MAX_TOPIC_LENGTH);
    const frame = encodePubSub({
      compression: 0,
      topic,
      timestamp: (1n << 64n) - 1n,
      seq: 0,
      payload: new Uint8Array(1),
    });
    const { decoder, frames } = collecting(PubSubDecoder);
    decoder.push(frame);
    expect(frames[0]!.topic).toBe(topic);
    expect(frames[0]!.timestamp).toBe((1n << 64n) - 1n);
  });
});

describe("encodeTopic", () => {
  it("encodes UTF-8 and refuses what the wire cannot carry", () => {
    expect(toHex(encodeTopic("hé"))).toBe("68c3a9");
    expect(() => encodeTopic("a\ud800b")).toThrow(expect.objectContaining({ code: ErrorCode.InvalidTopic }));
    expect(() => encodeTopic("é".repeat(40000))).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidTopic }),
    );
  });
});

describe("PubSubDecoder", () => {
  const frame = (topic: string | Uint8Array, seq = 0, payload = new Uint8Array([seq])) =>
    encodePubSub({ compression: 0, topic, timestamp: 1n, seq, payload });

  it("rejects a topic that is not UTF-8 with malformed_frame", () => {
    for (const topic of [[0xff], [0xc3], [0xed, 0xa0, 0x80], new Array(70).fill(0x61).concat([0x80])]) {
      const { decoder } = collecting(PubSubDecoder);
      expect(() => decoder.push(frame(new Uint8Array(topic)))).toThrow(
        expect.objectContaining({ code: ErrorCode.MalformedFrame }),
      );
    }
  });

  it("keeps a leading byte-order mark as part of the topic", () => {
    const { decoder, frames } = collecting(PubSubDecoder);
    decoder.push(frame("\ufeffbom"));
    expect(frames[0]!.topic).toBe("\ufeffbom");
  });

  it("decodes changing topics of equal length correctly (topic reuse never returns a stale string)", () => {
    const topics = ["aaaa", "aaab", "aaab", "baab", "ééé", "ééé", "éée", "x".repeat(64), "x".repeat(65), ""];
    const { decoder, frames } = collecting(PubSubDecoder);
    decoder.push(concat(topics.map((t, i) => frame(t, i))));
    expect(frames.map((f) => f.topic)).toEqual(topics);
    expect(frames.map((f) => f.seq)).toEqual(topics.map((_, i) => i));
  });

  it("checks the size against maxFrameSize once the whole header, topic included, is in", () => {
    const bytes = frame("abc", 0, new Uint8Array(10));
    const { decoder } = collecting(PubSubDecoder, 9);
    const headerSize = PUBSUB_FIXED_HEADER_SIZE + 3;
    decoder.push(bytes.subarray(0, headerSize - 1));
    expect(decoder.bufferedBytes).toBe(headerSize - 1);
    expect(() => decoder.push(bytes.subarray(headerSize - 1, headerSize))).toThrow(
      expect.objectContaining({
        code: ErrorCode.FrameTooLarge,
        message: "pubsub frame declares 10 bytes, above the 9-byte limit",
      }),
    );
  });

  it("delivers payloads as views and assembles split frames at their exact size", () => {
    const a = frame("topic.a", 1, new Uint8Array(50).fill(1));
    const b = frame("topic.b", 2, new Uint8Array(70).fill(2));
    const whole = collecting(PubSubDecoder);
    const chunk = concat([a, b]);
    whole.decoder.push(chunk);
    expect(whole.frames.every((f) => f.payload.buffer === chunk.buffer)).toBe(true);

    const split = collecting(PubSubDecoder);
    split.decoder.push(chunk.subarray(0, a.length + 2));
    split.decoder.push(chunk.subarray(a.length + 2, a.length + 15));
    split.decoder.push(chunk.subarray(a.length + 15));
    expect(split.frames.map((f) => [f.topic, f.seq, f.payload.length])).toEqual([
      ["topic.a", 1, 50],
      ["topic.b", 2, 70],
    ]);
    expect(split.frames[1]!.payload.buffer.byteLength).toBe(b.length);
  });

  it("reports the vectors' message at end of stream inside a frame", () => {
    const { decoder } = collecting(PubSubDecoder);
    decoder.push(frame("x").subarray(0, 7));
    expect(() => decoder.end()).toThrow("bytes remaining on stream: 7 bytes of an incomplete frame");
  });
});
