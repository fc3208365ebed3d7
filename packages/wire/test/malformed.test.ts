import { isMsgError } from "@msg/core";
import { describe, expect, it } from "vitest";
import { AuthDecoder, decompress, type FrameDecoder, PubSubDecoder, ReqRepDecoder } from "../src/index.js";
import { hex, loadVectors, type MalformedVector, manifestFiles } from "./vectors.js";

const vectors = loadVectors<MalformedVector>("malformed.json");

/** Codes whose text we reproduce exactly (the others come from different codec libraries). */
const SAME_TEXT = new Set(["wire_id", "frame_too_large", "eof_mid_frame", "unsupported_compression"]);

interface Decoded {
  decoder: FrameDecoder<unknown>;
  payloads: { compression: number; payload: Uint8Array }[];
}

function decoderFor(vector: MalformedVector): Decoded {
  const payloads: Decoded["payloads"] = [];
  const options = {
    maxFrameSize: vector.max_frame,
    onFrame: (frame: { compression?: number; payload?: Uint8Array; token?: Uint8Array }) =>
      payloads.push({ compression: frame.compression ?? 0, payload: frame.payload ?? frame.token! }),
  };
  const decoder =
    vector.protocol === "reqrep"
      ? new ReqRepDecoder(options)
      : vector.protocol === "pubsub"
        ? new PubSubDecoder(options)
        : new AuthDecoder(options);
  return { decoder: decoder as FrameDecoder<unknown>, payloads };
}

function expectVectorError(error: unknown, vector: MalformedVector): void {
  expect(isMsgError(error)).toBe(true);
  expect(error).toMatchObject({ code: vector.error.code });
  if (SAME_TEXT.has(vector.error.code)) expect((error as Error).message).toBe(vector.error.message);
}

/** Feeds the vector one byte at a time; returns how many bytes were in when the decoder threw. */
function bytesUntilError(
  decoder: FrameDecoder<unknown>,
  bytes: Uint8Array,
): { after: number; error: unknown } {
  for (let i = 0; i < bytes.length; i++) {
    try {
      decoder.push(bytes.subarray(i, i + 1));
    } catch (error) {
      return { after: i + 1, error };
    }
  }
  return { after: -1, error: undefined };
}

describe("malformed vectors", () => {
  it("covers every stage", () => {
    expect(new Set(vectors.map((v) => v.stage))).toEqual(new Set(["decode", "eof", "decompress"]));
  });

  for (const vector of vectors) {
    describe(`${vector.protocol}: ${vector.description}`, () => {
      const bytes = hex(vector.hex);

      if (vector.stage === "decode") {
        it("fails while decoding, fed whole", () => {
          const { decoder } = decoderFor(vector);
          let caught: unknown;
          try {
            decoder.push(bytes);
          } catch (error) {
            caught = error;
          }
          expectVectorError(caught, vector);
        });

        it(`fails exactly at byte ${vector.detectable_after_bytes}, fed one byte at a time`, () => {
          const { decoder } = decoderFor(vector);
          const { after, error } = bytesUntilError(decoder, bytes);
          expect(after).toBe(vector.detectable_after_bytes);
          expectVectorError(error, vector);
          expect(decoder.bufferedBytes).toBe(0);
        });
      }

      if (vector.stage === "eof") {
        it("decodes nothing and fails at end of stream, fed whole and one byte at a time", () => {
          for (const bytewise of [false, true]) {
            const { decoder, payloads } = decoderFor(vector);
            if (bytewise) expect(bytesUntilError(decoder, bytes).after).toBe(-1);
            else decoder.push(bytes);
            expect(payloads).toHaveLength(0);
            expect(decoder.bufferedBytes).toBe(bytes.length);
            let caught: unknown;
            try {
              decoder.end();
            } catch (error) {
              caught = error;
            }
            expectVectorError(caught, vector);
          }
        });
      }

      if (vector.stage === "decompress") {
        it("decodes as a frame, then fails to decompress", async () => {
          for (const bytewise of [false, true]) {
            const { decoder, payloads } = decoderFor(vector);
            if (bytewise) expect(bytesUntilError(decoder, bytes).after).toBe(-1);
            else decoder.push(bytes);
            decoder.end();
            expect(payloads).toHaveLength(1);
            const { compression, payload } = payloads[0]!;
            let caught: unknown;
            try {
              await decompress(compression, payload);
            } catch (error) {
              caught = error;
            }
            expectVectorError(caught, vector);
          }
        });
      }
    });
  }
});

describe("vector coverage", () => {
  it("every file of the manifest is checked by a test of this package", () => {
    const checked = [
      "auth.json",
      "auth_ack.json",
      "auth_reject.json",
      "codec_gzip.json",
      "codec_lz4.json",
      "codec_snappy.json",
      "codec_zstd.json",
      "malformed.json",
      "pubsub_control.json",
      "pubsub_data.json",
      "reqrep_request.json",
      "reqrep_response.json",
    ];
    expect([...manifestFiles()].sort()).toEqual(checked);
  });
});
