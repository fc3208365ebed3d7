import { randomBytes } from "node:crypto";
import * as zlib from "node:zlib";
import { CompressionType, type Compressor, ErrorCode } from "@msg/core";
import { describe, expect, it } from "vitest";
import { crc32Portable } from "../src/compression/crc32.js";
import { loadOptionalPackage } from "../src/compression/native-node.js";
import { snappyDeclaredLength } from "../src/compression/snappy.js";
import { zstdOutputBound } from "../src/compression/zstd.js";
import {
  compressionName,
  createCompressor,
  DEFAULT_MAX_DECOMPRESSED_SIZE,
  DEFAULT_MIN_COMPRESS_SIZE,
  decompress,
  shouldCompress,
  toCompressionType,
} from "../src/index.js";
import { concat } from "./collect.js";
import { type CodecVector, hex, loadVectors, toHex } from "./vectors.js";

const MiB = 1024 * 1024;
const codecs = ["gzip", "zstd", "snappy", "lz4"] as const;
type Codec = (typeof codecs)[number];

/**
 * lz4 vectors that lz4-napi (lz4_flex) compresses differently from liblz4, which produced the vectors:
 * both are valid blocks of the same data (checked below by decoding ours), just different match choices.
 */
const LZ4_DIFFERS_FROM_LIBLZ4 = new Set([
  "8193 bytes of repetitive text (one above the 8192 min_compress_size)",
]);

/** Compresses with a compressor, awaiting zstd's Promise. */
async function compressWith(compressor: Compressor, data: Uint8Array): Promise<Uint8Array> {
  return await compressor.compress(data);
}

/** Runs `action` (sync or async) and returns what it threw or rejected with. */
async function failure(action: () => unknown): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure, got none");
}

const code = (c: string) => expect.objectContaining({ code: c });

describe("codec vectors", () => {
  for (const codec of codecs) {
    const vectors = loadVectors<CodecVector>(`codec_${codec}.json`);
    const type = toCompressionType(codec);

    describe(codec, () => {
      it("has vectors to check", () => {
        expect(vectors.length).toBeGreaterThanOrEqual(6);
      });

      for (const vector of vectors) {
        it(`${vector.description}: decompresses to plain, and round-trips our own compression`, async () => {
          const plain = hex(vector.plain_hex);
          const compressed = hex(vector.compressed_hex);
          expect(toHex(await decompress(type, compressed))).toBe(vector.plain_hex);
          const level = vector.level;
          const compressor =
            level !== undefined && codec !== "snappy" && codec !== "lz4"
              ? createCompressor(codec, { level })
              : createCompressor(codec);
          const ours = await compressWith(compressor, plain);
          expect(toHex(await decompress(type, ours))).toBe(vector.plain_hex);
          if (codec === "snappy") expect(toHex(ours)).toBe(vector.compressed_hex);
          if (codec === "lz4") {
            if (LZ4_DIFFERS_FROM_LIBLZ4.has(vector.description))
              expect(toHex(ours)).not.toBe(vector.compressed_hex);
            else expect(toHex(ours)).toBe(vector.compressed_hex);
          }
        });
      }
    });
  }

  it("gzip: two members back to back decode to the first member only, as msg-rs does", () => {
    const vector = loadVectors<CodecVector>("codec_gzip.json").find((v) =>
      v.description.includes("two gzip"),
    )!;
    expect(Buffer.from(decompress(1, hex(vector.compressed_hex)) as Uint8Array).toString()).toBe("first");
    expect(toHex(decompress(1, hex(vector.compressed_hex)) as Uint8Array)).toBe(vector.plain_hex);
  });

  it("zstd: two concatenated frames decode to both outputs joined, as msg-rs does", async () => {
    const vector = loadVectors<CodecVector>("codec_zstd.json").find((v) =>
      v.description.includes("two concat"),
    )!;
    expect(toHex(await decompress(2, hex(vector.compressed_hex)))).toBe(vector.plain_hex);
  });
});

describe("createCompressor", () => {
  it("accepts names and ids, and reports its type", () => {
    for (const [index, name] of ["none", ...codecs].entries()) {
      expect(createCompressor(name as Codec).type).toBe(index);
      expect(createCompressor(index as CompressionType).type).toBe(index);
      expect(compressionName(index)).toBe(name);
    }
    expect(compressionName(9)).toBe("unknown(9)");
  });

  it("none sends the payload as it is", () => {
    const data = new Uint8Array([1, 2, 3]);
    expect(createCompressor("none").compress(data)).toBe(data);
  });

  it("refuses unknown algorithms and out-of-range or meaningless levels", () => {
    const invalid = code(ErrorCode.InvalidArgument);
    for (const algorithm of ["brotli", "GZIP", 5, -1, 1.5]) {
      expect(() => createCompressor(algorithm as Codec)).toThrow(invalid);
    }
    for (const level of [-1, 10, 2.5]) expect(() => createCompressor("gzip", { level })).toThrow(invalid);
    for (const level of [0, 23]) expect(() => createCompressor("zstd", { level })).toThrow(invalid);
    for (const algorithm of ["none", "snappy", "lz4"] as const) {
      expect(() => createCompressor(algorithm, { level: 1 })).toThrow(invalid);
    }
  });

  it("honours the level (gzip 0 stores, zstd 19 beats zstd 1)", async () => {
    const text = new Uint8Array(
      Buffer.from(Array.from({ length: 5000 }, (_, i) => `word${(i * 7919) % 613} `).join("")),
    );
    const stored = createCompressor("gzip", { level: 0 }).compress(text) as Uint8Array;
    const best = createCompressor("gzip", { level: 9 }).compress(text) as Uint8Array;
    expect(stored.length).toBeGreaterThan(text.length);
    expect(best.length).toBeLessThan(text.length / 2);
    const fast = await createCompressor("zstd", { level: 1 }).compress(text);
    const strong = await createCompressor("zstd", { level: 19 }).compress(text);
    expect(strong.length).toBeLessThan(fast.length);
    expect(toHex(await decompress(2, strong))).toBe(toHex(text));
  });

  it("gzip output is deterministic (mtime 0)", () => {
    const compressor = createCompressor("gzip");
    const data = randomBytes(1000);
    expect(toHex(compressor.compress(data) as Uint8Array)).toBe(
      toHex(compressor.compress(data) as Uint8Array),
    );
  });

  it("zstd compress returns a Promise, the others a value", () => {
    const data = new Uint8Array(10);
    expect(createCompressor("zstd").compress(data)).toBeInstanceOf(Promise);
    for (const codec of ["gzip", "snappy", "lz4"] as const) {
      expect(createCompressor(codec).compress(data)).toBeInstanceOf(Uint8Array);
    }
  });
});

describe("shouldCompress", () => {
  it("compresses only above the threshold (strictly greater), default 8192", () => {
    expect(DEFAULT_MIN_COMPRESS_SIZE).toBe(8192);
    expect(shouldCompress(8192)).toBe(false);
    expect(shouldCompress(8193)).toBe(true);
    expect(shouldCompress(0, 0)).toBe(false);
    expect(shouldCompress(1, 0)).toBe(true);
    expect(shouldCompress(100, 100)).toBe(false);
  });
});

describe("decompress errors", () => {
  it("refuses unknown compression ids", async () => {
    for (const type of [5, 9, 255, -1]) {
      expect(await failure(() => decompress(type, new Uint8Array(1)))).toMatchObject({
        code: ErrorCode.UnsupportedCompression,
        message: `unsupported compression type: ${type}`,
      });
    }
  });

  it("refuses an invalid limit", () => {
    for (const limit of [-1, 1.5, Number.NaN]) {
      expect(() => decompress(0, new Uint8Array(1), limit)).toThrow(code(ErrorCode.InvalidArgument));
    }
  });

  it("rejects zstd failures as a Promise rejection, never a synchronous throw", async () => {
    const result = decompress(2, new Uint8Array([1, 2, 3]));
    expect(result).toBeInstanceOf(Promise);
    await expect(result).rejects.toMatchObject({ code: ErrorCode.DecompressionFailed });
  });

  it("gzip: bad magic, bad method, reserved flags, truncated header and trailer, CRC and length mismatch", () => {
    const good = createCompressor("gzip").compress(new Uint8Array(Buffer.from("hello gzip"))) as Uint8Array;
    const mutate = (at: number, value: number) => {
      const copy = new Uint8Array(good);
      copy[at] = value;
      return copy;
    };
    const cases: [string, Uint8Array][] = [
      ["bad magic", mutate(0, 0x1e)],
      ["bad method", mutate(2, 7)],
      ["reserved flag", mutate(3, 0x20)],
      ["short header", good.subarray(0, 9)],
      ["no trailer", good.subarray(0, good.length - 8)],
      ["half trailer", good.subarray(0, good.length - 3)],
      ["crc", mutate(good.length - 8, good[good.length - 8]! ^ 1)],
      ["length", mutate(good.length - 4, good[good.length - 4]! ^ 1)],
      ["deflate garbage", concat([good.subarray(0, 10), new Uint8Array([0xff, 0xff, 0xff])])],
      ["name without end", concat([mutate(3, 0x08).subarray(0, 10), new Uint8Array([0x61, 0x62])])],
    ];
    for (const [, data] of cases) {
      expect(() => decompress(1, data)).toThrow(code(ErrorCode.DecompressionFailed));
    }
  });

  it("gzip: optional header fields (extra, name, comment, header CRC) are skipped, the CRC checked", () => {
    const body = zlib.deflateRawSync(Buffer.from("fields"));
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(zlib.crc32(Buffer.from("fields")), 0);
    trailer.writeUInt32LE(6, 4);
    const head = Buffer.concat([
      Buffer.from([0x1f, 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3]),
      Buffer.from([3, 0, 1, 2, 3]), // FEXTRA: length 3
      Buffer.from("name\0comment\0"),
    ]);
    const headerCrc = Buffer.alloc(2);
    headerCrc.writeUInt16LE(zlib.crc32(head) & 0xffff);
    const member = Buffer.concat([head, headerCrc, body, trailer]);
    expect(Buffer.from(decompress(1, member) as Uint8Array).toString()).toBe("fields");
    headerCrc[0]! ^= 1;
    expect(() => decompress(1, Buffer.concat([head, headerCrc, body, trailer]))).toThrow(
      code(ErrorCode.DecompressionFailed),
    );
  });

  it("gzip: bytes after the first member are ignored, like msg-rs", () => {
    const member = createCompressor("gzip").compress(new Uint8Array(Buffer.from("one"))) as Uint8Array;
    const trailing = concat([member, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])]);
    expect(Buffer.from(decompress(1, trailing) as Uint8Array).toString()).toBe("one");
  });

  it("snappy: a malformed length varint, and a body shorter than declared", () => {
    for (const data of [hex(""), hex("80"), hex("ffffffffff"), hex("ffffffff1f")]) {
      expect(() => decompress(3, data)).toThrow(code(ErrorCode.DecompressionFailed));
    }
    expect(() => decompress(3, hex("0a1068656c6c6f"))).toThrow(code(ErrorCode.DecompressionFailed));
    expect(snappyDeclaredLength(hex("ffffffff0f"))).toBe(0xffffffff);
    expect(snappyDeclaredLength(hex("8001"))).toBe(128);
  });

  it("lz4: shorter than the prefix, corrupt block, prefix disagreeing with the block", () => {
    for (const data of [
      hex(""),
      hex("050000"),
      hex("0500000050"),
      hex("0400000050"),
      hex("060000005068656c6c6f"),
    ]) {
      expect(() => decompress(4, data)).toThrow(code(ErrorCode.DecompressionFailed));
    }
  });

  it("zstd: garbage, empty input, truncated frame", async () => {
    const frame = await createCompressor("zstd").compress(randomBytes(1000));
    for (const data of [hex(""), hex("00112233"), frame.subarray(0, frame.length - 10)]) {
      await expect(decompress(2, data)).rejects.toMatchObject({ code: ErrorCode.DecompressionFailed });
    }
  });
});

describe("decompressed size limits", () => {
  const limit = MiB;

  it("defaults to 64 MiB", () => {
    expect(DEFAULT_MAX_DECOMPRESSED_SIZE).toBe(64 * MiB);
  });

  it("each codec: a payload of exactly the limit passes, one byte more is decompressed_too_large", async () => {
    for (const codec of codecs) {
      const type = toCompressionType(codec);
      const compressor = createCompressor(codec);
      const atLimit = await compressWith(compressor, new Uint8Array(limit));
      expect((await decompress(type, atLimit, limit)).length).toBe(limit);
      const over = await compressWith(compressor, new Uint8Array(limit + 1));
      expect(await failure(() => decompress(type, over, limit))).toMatchObject({
        code: ErrorCode.DecompressedTooLarge,
      });
    }
  });

  it("a limit of 0 allows only empty payloads", async () => {
    for (const codec of codecs) {
      const type = toCompressionType(codec);
      const compressor = createCompressor(codec);
      expect((await decompress(type, await compressWith(compressor, new Uint8Array(0)), 0)).length).toBe(0);
      expect(
        await failure(async () => decompress(type, await compressWith(compressor, new Uint8Array(1)), 0)),
      ).toMatchObject({ code: ErrorCode.DecompressedTooLarge });
    }
  });

  it("bombs (16 MiB of zeros in under 1 MiB: snappy tops out near 21:1) are refused quickly", async () => {
    const zeros = new Uint8Array(16 * MiB);
    for (const codec of codecs) {
      const type = toCompressionType(codec);
      const bomb = await compressWith(createCompressor(codec), zeros);
      expect(bomb.length).toBeLessThan(zeros.length / 16);
      const started = performance.now();
      expect(await failure(() => decompress(type, bomb, limit))).toMatchObject({
        code: ErrorCode.DecompressedTooLarge,
      });
      expect(performance.now() - started).toBeLessThan(500);
    }
  });

  it("lz4 and snappy refuse on the declared size alone, without decompressing", () => {
    // Declares 2 MiB but holds nothing: only the header can have been read.
    expect(() => decompress(4, hex("00002000" + "00"), limit)).toThrow(
      expect.objectContaining({
        code: ErrorCode.DecompressedTooLarge,
        message: "lz4 payload decompresses to 2097152 bytes, above the 1048576-byte maxDecompressedSize",
      }),
    );
    expect(() => decompress(3, hex("8080800100"), limit)).toThrow(code(ErrorCode.DecompressedTooLarge));
  });

  it("zstd without a content size: the bound comes from the block headers (RLE bomb)", async () => {
    // Frame header: magic, descriptor 0 (no content size, not single segment), window 2^17; then
    // 100 RLE blocks of 128 KiB each (4 bytes apiece): 12.5 MiB from 406 bytes.
    const blocks: number[] = [];
    const blockCount = 100;
    for (let i = 0; i < blockCount; i++) {
      const last = i === blockCount - 1 ? 1 : 0;
      const header = last | (1 << 1) | ((128 * 1024) << 3);
      blocks.push(header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, 0x41);
    }
    const frame = concat([hex("28b52ffd" + "00" + "38"), new Uint8Array(blocks)]);
    expect(zstdOutputBound(frame)).toBe(blockCount * 128 * 1024);
    await expect(decompress(2, frame, limit)).rejects.toMatchObject({ code: ErrorCode.DecompressedTooLarge });
    const out = await decompress(2, frame, 16 * MiB);
    expect(out.length).toBe(blockCount * 128 * 1024);
    expect(out.every((b) => b === 0x41)).toBe(true);
  });

  it("zstd: a 32 KiB RLE bomb with trailing junk is refused from its headers, before any decoding", async () => {
    // 8190 RLE blocks of 128 KiB (1 GiB) in 32 KiB, no content size, then 4 junk bytes: libzstd would
    // write the whole GiB before reaching the junk.
    const blockCount = 8190;
    const blocks = new Uint8Array(blockCount * 4);
    for (let i = 0; i < blockCount; i++) {
      const header = (i === blockCount - 1 ? 1 : 0) | (1 << 1) | ((128 * 1024) << 3);
      blocks.set([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, 0x41], i * 4);
    }
    const bomb = concat([hex("28b52ffd" + "00" + "38"), blocks, hex("deadbeef")]);
    expect(bomb.length).toBeLessThanOrEqual(32 * 1024 + 10);
    expect(zstdOutputBound(bomb)).toBeUndefined();
    expect(zstdOutputBound(bomb, limit)).toBeGreaterThan(limit);
    await expect(decompress(2, bomb, limit)).rejects.toMatchObject({ code: ErrorCode.DecompressedTooLarge });
  });

  it("zstd: a content size smaller than the blocks does not hide them", async () => {
    // Declares 1 byte (single segment), then 100 RLE blocks of 1 KiB each.
    const blocks: number[] = [];
    for (let i = 0; i < 100; i++) {
      const header = (i === 99 ? 1 : 0) | (1 << 1) | (1024 << 3);
      blocks.push(header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, 0x41);
    }
    const frame = concat([hex("28b52ffd" + "20" + "01"), new Uint8Array(blocks)]);
    expect(zstdOutputBound(frame)).toBe(100 * 1024);
  });

  it("zstd: input the headers do not account for is decompression_failed without decoding", async () => {
    const vectors = loadVectors<CodecVector>("codec_zstd.json");
    const valid = hex(vectors[0]!.compressed_hex);
    await expect(decompress(2, concat([valid, hex("00")]), limit)).rejects.toMatchObject({
      code: ErrorCode.DecompressionFailed,
    });
  });

  it("zstd: a payload under the limit is never refused because its frame does not declare its size", async () => {
    // @mongodb-js/zstd writes no content size: the header bound of this compressed block is 128 KiB.
    const data = new Uint8Array(Buffer.from(Array.from({ length: 200 }, (_, i) => `w${i % 37} `).join("")));
    const size = data.length;
    const packed = await createCompressor("zstd").compress(data);
    expect(zstdOutputBound(packed)).toBe(128 * 1024);
    expect(toHex(await decompress(2, packed, size))).toBe(toHex(data));
    await expect(decompress(2, packed, size - 1)).rejects.toMatchObject({
      code: ErrorCode.DecompressedTooLarge,
    });
  });

  it("zstd bound: content size when declared, blocks otherwise, summed over frames, skippable frames skipped", async () => {
    const vectors = loadVectors<CodecVector>("codec_zstd.json");
    for (const vector of vectors) {
      const bound = zstdOutputBound(hex(vector.compressed_hex));
      expect(bound).toBeDefined();
      expect(bound!).toBeGreaterThanOrEqual(vector.plain_hex.length / 2);
    }
    const withSize = vectors.find((v) => v.description.includes("WITH content size"))!;
    expect(zstdOutputBound(hex(withSize.compressed_hex))).toBe(5);
    const skippable = concat([hex("512a4d18" + "03000000" + "aabbcc"), hex(withSize.compressed_hex)]);
    expect(zstdOutputBound(skippable)).toBe(5);
    expect(toHex(await decompress(2, skippable))).toBe(withSize.plain_hex);
    for (const broken of ["", "28b52f", "28b52ffd", "28b52ffd08", "512a4d1803", "28b52ffd00380700"]) {
      expect(zstdOutputBound(hex(broken))).toBeUndefined();
    }
  });
});

describe("native codec loader", () => {
  it("names the package to install when it is missing, and remembers the failure", () => {
    const load = () => loadOptionalPackage("msg-wire-test-no-such-package", "test compression");
    const first = (() => {
      try {
        load();
      } catch (error) {
        return error;
      }
    })();
    expect(first).toMatchObject({ code: ErrorCode.CodecUnavailable });
    expect((first as Error).message).toBe(
      "test compression needs the optional package msg-wire-test-no-such-package, which is not installed: " +
        "install msg-wire-test-no-such-package (npm install msg-wire-test-no-such-package)",
    );
    expect(load).toThrow(first as Error);
  });

  it("loads installed packages once", () => {
    const lz4 = loadOptionalPackage<object>("lz4-napi", "lz4 compression");
    expect(loadOptionalPackage<object>("lz4-napi", "lz4 compression")).toBe(lz4);
  });
});

describe("crc32", () => {
  it("the portable CRC-32 (Node < 20.15) matches zlib's", () => {
    expect(crc32Portable(new Uint8Array(0))).toBe(0);
    expect(crc32Portable(new Uint8Array(Buffer.from("123456789")))).toBe(0xcbf43926);
    for (const size of [1, 7, 100, 65536]) {
      const data = randomBytes(size);
      expect(crc32Portable(data)).toBe(zlib.crc32(data));
    }
  });
});

describe("compression ids", () => {
  it("match core's CompressionType", () => {
    expect(toCompressionType("none")).toBe(CompressionType.None);
    expect(toCompressionType("gzip")).toBe(CompressionType.Gzip);
    expect(toCompressionType("zstd")).toBe(CompressionType.Zstd);
    expect(toCompressionType("snappy")).toBe(CompressionType.Snappy);
    expect(toCompressionType("lz4")).toBe(CompressionType.Lz4);
  });
});
