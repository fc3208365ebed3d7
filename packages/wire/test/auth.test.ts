import { ErrorCode } from "@msg/core";
import { describe, expect, it } from "vitest";
import {
  AUTH_ACCEPTED,
  AUTH_REJECTED,
  AuthDecoder,
  encodeAuthToken,
  parseAuthAck,
  WireId,
} from "../src/index.js";
import { collecting, concat, pushBytewise } from "./collect.js";
import { type AckFields, type AuthFields, type FrameVector, hex, loadVectors, toHex } from "./vectors.js";

const tokens = loadVectors<FrameVector<AuthFields>>("auth.json");
const answers = [
  ...loadVectors<FrameVector<AckFields>>("auth_ack.json"),
  ...loadVectors<FrameVector<AckFields>>("auth_reject.json"),
];

describe("auth token vectors", () => {
  it("has vectors to check", () => {
    expect(tokens.length).toBeGreaterThanOrEqual(4);
  });

  for (const vector of tokens) {
    it(`${vector.description}: decodes whole and bytewise, encodes back`, () => {
      for (const feed of ["whole", "bytewise"] as const) {
        const { decoder, frames } = collecting(AuthDecoder);
        if (feed === "whole") decoder.push(hex(vector.hex));
        else pushBytewise(decoder, hex(vector.hex));
        decoder.end();
        expect(frames).toHaveLength(1);
        expect(frames[0]!.token.length).toBe(vector.fields.token_len);
        expect(toHex(frames[0]!.token)).toBe(vector.fields.token_hex);
      }
      expect(vector.fields.wire_id).toBe(WireId.Auth);
      expect(toHex(encodeAuthToken(hex(vector.fields.token_hex)))).toBe(vector.hex);
    });
  }

  it("encodes a string token as UTF-8", () => {
    expect(toHex(encodeAuthToken("REQ"))).toBe("0100000003524551");
    expect(toHex(encodeAuthToken("é"))).toBe("0100000002c3a9");
  });
});

describe("auth answer vectors", () => {
  for (const vector of answers) {
    it(vector.description, () => {
      expect(parseAuthAck(hex(vector.hex))).toBe(vector.fields.accepted);
    });
  }

  it("exports the canonical answers", () => {
    expect(toHex(AUTH_ACCEPTED)).toBe("0101");
    expect(toHex(AUTH_REJECTED)).toBe("0100");
    expect(parseAuthAck(AUTH_ACCEPTED)).toBe(true);
    expect(parseAuthAck(AUTH_REJECTED)).toBe(false);
  });

  it("refuses a wrong wire id or a short answer", () => {
    expect(() => parseAuthAck(hex("0201"))).toThrow(
      expect.objectContaining({ code: ErrorCode.WireId, message: "Invalid wire ID: 2" }),
    );
    expect(() => parseAuthAck(hex("01"))).toThrow(
      expect.objectContaining({ code: ErrorCode.MalformedFrame }),
    );
    expect(() => parseAuthAck(new Uint8Array(0))).toThrow(
      expect.objectContaining({ code: ErrorCode.MalformedFrame }),
    );
  });
});

describe("AuthDecoder", () => {
  it("waits for all 5 + L bytes and leaves the bytes after the token to the next frame", () => {
    const token = encodeAuthToken("secret");
    const next = hex("0200000000000000000568656c6c6f"); // a reqrep frame right behind the handshake
    const { decoder, frames } = collecting(AuthDecoder);
    const stream = concat([token, next]);
    decoder.push(stream.subarray(0, 6));
    expect(frames).toHaveLength(0);
    expect(decoder.bufferedBytes).toBe(6);
    decoder.push(stream.subarray(6, token.length));
    expect(Buffer.from(frames[0]!.token).toString()).toBe("secret");
    expect(decoder.bufferedBytes).toBe(0);
    // The socket layer hands the rest to the reqrep decoder; here the auth decoder must reject it as its own.
    expect(() => decoder.push(stream.subarray(token.length))).toThrow(
      expect.objectContaining({ code: ErrorCode.WireId }),
    );
  });

  it("bounds the token length by maxFrameSize", () => {
    const { decoder } = collecting(AuthDecoder, 4);
    expect(() => decoder.push(encodeAuthToken("12345"))).toThrow(
      expect.objectContaining({
        code: ErrorCode.FrameTooLarge,
        message: "auth token declares 5 bytes, above the 4-byte limit",
      }),
    );
  });
});
