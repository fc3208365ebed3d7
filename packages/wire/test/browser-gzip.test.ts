import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as zlib from "node:zlib";
import { build } from "esbuild";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as nodeWire from "../src/index.js";
import { concat } from "./collect.js";
import { type CodecVector, hex, loadVectors, toHex } from "./vectors.js";

/**
 * The browser build of @msg/wire, run here in Node: bundled as a browser app bundles it (esbuild,
 * platform browser), so gzip goes through pako's inflate and the JavaScript CRC-32 (`#zlib` web side)
 * and the native codecs through the browser's loader (`#native` web side). It must decode what Node
 * decodes, refuse what Node refuses, and stop at the same output limit.
 */

type Wire = typeof nodeWire;
const here = dirname(fileURLToPath(import.meta.url));
let web: Wire;
let bundleDir: string;

beforeAll(async () => {
  const result = await build({
    entryPoints: [join(here, "..", "src", "index.ts")],
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    conditions: ["source"],
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs.some((input) => input.endsWith("zlib-web.ts"))).toBe(true);
  expect(inputs.some((input) => /zlib-node|native-node|platform[\\/]node/.test(input))).toBe(false);
  bundleDir = mkdtempSync(join(tmpdir(), "msg-wire-browser-"));
  const file = join(bundleDir, "wire.browser.mjs");
  writeFileSync(file, result.outputFiles[0]!.text);
  web = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as Wire;
});

afterAll(() => rmSync(bundleDir, { recursive: true, force: true }));

/** What a call threw, or "ok" with its result. */
function outcome(action: () => unknown): { code: string } | { ok: string } {
  try {
    return { ok: toHex(action() as Uint8Array) };
  } catch (error) {
    return { code: (error as { code?: string }).code ?? String(error) };
  }
}

const GZIP = 1;
const MiB = 1024 * 1024;

describe("browser gzip (pako inflate, trailer checked by msg)", () => {
  it("decodes every gzip vector and round-trips its plain text through its own compressor", () => {
    const vectors = loadVectors<CodecVector>("codec_gzip.json");
    expect(vectors.length).toBeGreaterThanOrEqual(6);
    for (const vector of vectors) {
      expect(toHex(web.decompress(GZIP, hex(vector.compressed_hex)) as Uint8Array), vector.description).toBe(
        vector.plain_hex,
      );
      const level = vector.level === undefined ? undefined : Number(vector.level);
      const compressor = web.createCompressor("gzip", level === undefined ? {} : { level });
      const ours = compressor.compress(hex(vector.plain_hex)) as Uint8Array;
      expect(toHex(web.decompress(GZIP, ours) as Uint8Array)).toBe(vector.plain_hex);
      expect(toHex(zlib.gunzipSync(ours))).toBe(vector.plain_hex);
    }
  });

  it("fails the malformed gzip vectors as msg-rs does, the CRC-32 trailer mismatch included", () => {
    const vectors = loadVectors<{
      description: string;
      hex: string;
      stage: string;
      error: { code: string };
    }>("malformed.json").filter((v) => v.stage === "decompress" && v.description.includes("gzip"));
    expect(vectors.map((v) => v.description)).toContain(
      "reqrep: gzip payload whose CRC32 trailer does not match",
    );
    for (const vector of vectors) {
      const frames: { compression: number; payload: Uint8Array }[] = [];
      const decoder = new web.ReqRepDecoder({ onFrame: (frame) => frames.push(frame) });
      decoder.push(hex(vector.hex));
      decoder.end();
      expect(frames).toHaveLength(1);
      const { compression, payload } = frames[0]!;
      expect(
        outcome(() => web.decompress(compression, payload)),
        vector.description,
      ).toEqual({
        code: vector.error.code,
      });
    }
  });

  it("refuses corrupt members: CRC, length, truncation, garbage, header CRC", () => {
    const good = web
      .createCompressor("gzip")
      .compress(new TextEncoder().encode("hello browser gzip")) as Uint8Array;
    const mutate = (at: number, value: number) => {
      const copy = new Uint8Array(good);
      copy[at] = value;
      return copy;
    };
    const cases: Uint8Array[] = [
      mutate(0, 0x1e),
      mutate(3, 0x20),
      good.subarray(0, 9),
      good.subarray(0, good.length - 8),
      good.subarray(0, good.length - 3),
      good.subarray(0, 14),
      mutate(good.length - 8, good[good.length - 8]! ^ 1),
      mutate(good.length - 1, good[good.length - 1]! ^ 1),
      concat([good.subarray(0, 10), new Uint8Array([0xff, 0xff, 0xff])]),
      mutate(3, 0x02),
    ];
    for (const data of cases) {
      expect(outcome(() => web.decompress(GZIP, data))).toEqual({ code: "decompression_failed" });
    }
  });

  it("ignores bytes after the first member", () => {
    const member = web.createCompressor("gzip").compress(new TextEncoder().encode("one")) as Uint8Array;
    const trailing = concat([member, new Uint8Array(12).fill(7)]);
    expect(new TextDecoder().decode(web.decompress(GZIP, trailing) as Uint8Array)).toBe("one");
  });

  it("stops a bomb at maxDecompressedSize, and accepts output of exactly the limit", () => {
    const bomb = zlib.gzipSync(new Uint8Array(8 * MiB), { level: 9 });
    expect(outcome(() => web.decompress(GZIP, bomb, MiB))).toEqual({ code: "decompressed_too_large" });
    expect(outcome(() => web.decompress(GZIP, bomb, 8 * MiB - 1))).toEqual({
      code: "decompressed_too_large",
    });
    expect((web.decompress(GZIP, bomb, 8 * MiB) as Uint8Array).byteLength).toBe(8 * MiB);
    const empty = zlib.gzipSync(new Uint8Array(0));
    expect((web.decompress(GZIP, empty, 0) as Uint8Array).byteLength).toBe(0);
    expect(outcome(() => web.decompress(GZIP, zlib.gzipSync(new Uint8Array(1)), 0))).toEqual({
      code: "decompressed_too_large",
    });
  });

  it("agrees with the Node build on any payload and any single corrupted byte", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 4096 }),
        fc.integer({ min: 0, max: 9 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (plain, level, position, flip) => {
          const member = nodeWire.createCompressor("gzip", { level }).compress(plain) as Uint8Array;
          expect(toHex(web.decompress(GZIP, member) as Uint8Array)).toBe(toHex(plain));
          const corrupt = new Uint8Array(member);
          corrupt[position % corrupt.length]! ^= flip;
          const expected = outcome(() => nodeWire.decompress(GZIP, corrupt));
          expect(outcome(() => web.decompress(GZIP, corrupt))).toEqual(expected);
        },
      ),
      { numRuns: 300, seed: 0x6d7367 },
    );
  });
});

describe("browser native codecs", () => {
  it("zstd, snappy and lz4 fail with codec_unavailable saying they are Node-only", async () => {
    for (const codec of ["zstd", "snappy", "lz4"] as const) {
      let caught: unknown;
      try {
        web.createCompressor(codec);
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({
        code: "codec_unavailable",
        message: expect.stringMatching(/only on Node/),
      });
    }
    const lz4Frame = hex("050000005068656c6c6f");
    expect(outcome(() => web.decompress(4, lz4Frame))).toEqual({ code: "codec_unavailable" });
    expect(outcome(() => web.decompress(3, hex("0510")))).toEqual({ code: "codec_unavailable" });
    const zstdFrame = (await nodeWire
      .createCompressor("zstd")
      .compress(new Uint8Array([1, 2, 3]))) as Uint8Array;
    await expect(web.decompress(2, zstdFrame)).rejects.toMatchObject({ code: "codec_unavailable" });
  });
});
