// Single-process micro-benchmark of @msg/wire: frame encode/decode rates and per-codec
// compress/decompress rates. Uses the BUILT package (packages/wire/dist): run
//   pnpm --filter @msg/wire build && node benchmarks/wire.mjs
// Prints markdown tables; takes about 30 s. Options: --quick (shorter runs, for a smoke test).

import { arch, cpus } from "node:os";
import { gzipSync } from "node:zlib";
import {
  createCompressor,
  decompress,
  encodePubSub,
  encodeReqRep,
  PUBSUB_FIXED_HEADER_SIZE,
  PubSubDecoder,
  REQREP_HEADER_SIZE,
  ReqRepDecoder,
  toCompressionType,
  writePubSubHeader,
  writeReqRepHeader,
} from "@msg/wire";

const quick = process.argv.includes("--quick");
const MEASURE_MS = quick ? 60 : 250;
const WARMUP_MS = quick ? 20 : 80;
const started = performance.now();

/** Runs `op` (synchronous) repeatedly for MEASURE_MS after a warm-up; returns operations per second. */
function rate(op) {
  const run = (ms) => {
    let ops = 0;
    let batch = 1;
    const begin = performance.now();
    let elapsed = 0;
    while (elapsed < ms) {
      for (let i = 0; i < batch; i++) op();
      ops += batch;
      elapsed = performance.now() - begin;
      if (elapsed < ms / 20) batch *= 2;
    }
    return ops / (elapsed / 1000);
  };
  run(WARMUP_MS);
  return run(MEASURE_MS);
}

/** Same for an asynchronous op, awaited one at a time (each call's full latency is counted). */
async function rateAsync(op) {
  const run = async (ms) => {
    let ops = 0;
    const begin = performance.now();
    let elapsed = 0;
    while (elapsed < ms) {
      await op();
      ops++;
      elapsed = performance.now() - begin;
    }
    return ops / (elapsed / 1000);
  };
  await run(WARMUP_MS);
  return run(MEASURE_MS);
}

/** Deterministic, moderately compressible bytes (JSON-ish records), like real message payloads. */
function payloadOf(size, seed = 1) {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state;
  };
  let text = "";
  while (text.length < size) {
    text += `{"id":${next() % 100000},"user":"u${next() % 500}","price":${(next() % 100000) / 100},"side":"${next() % 2 ? "buy" : "sell"}"},`;
  }
  return new Uint8Array(Buffer.from(text.slice(0, size)));
}

/** Splits a stream into reads of `readSize` bytes, as a socket would deliver it. */
function chunked(stream, readSize) {
  const chunks = [];
  for (let i = 0; i < stream.length; i += readSize) chunks.push(stream.subarray(i, i + readSize));
  return chunks;
}

const fmt = (n) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0);
const mbps = (opsPerSecond, bytes) => ((opsPerSecond * bytes) / 1e6).toFixed(0);

// ---------------------------------------------------------------------------------------------------
// Frames

const SIZES = [64, 1024, 64 * 1024];
const TOPIC = "bench.topic";
const TOPIC_BYTES = new Uint8Array(Buffer.from(TOPIC));
const TIMESTAMP = 1_700_000_000_123_456;
const READ_SIZE = 64 * 1024;

const frameRows = [];
for (const size of SIZES) {
  const payload = payloadOf(size);
  // Enough frames per decode pass for a few MiB of stream, cut into 64 KiB reads.
  const count = Math.max(16, Math.floor((4 * 1024 * 1024) / (size + 32)));

  for (const kind of ["reqrep", "pubsub"]) {
    const encodeOne =
      kind === "reqrep"
        ? (i) => encodeReqRep({ compression: 0, id: i, payload })
        : (i) => encodePubSub({ compression: 0, topic: TOPIC, timestamp: TIMESTAMP, seq: i, payload });

    let i = 0;
    const encode = rate(() => encodeOne(i++));

    // The socket's path: headers written into one batch buffer, payload copied behind.
    const frameSize =
      kind === "reqrep" ? REQREP_HEADER_SIZE + size : PUBSUB_FIXED_HEADER_SIZE + TOPIC_BYTES.length + size;
    const perBatch = Math.max(1, Math.floor((256 * 1024) / frameSize));
    const batch = new Uint8Array(perBatch * frameSize);
    let slot = 0;
    const writeBatched = rate(() => {
      const offset = slot * frameSize;
      const end =
        kind === "reqrep"
          ? writeReqRepHeader(batch, offset, 0, slot, size)
          : writePubSubHeader(batch, offset, 0, TOPIC_BYTES, TIMESTAMP, slot, size);
      batch.set(payload, end);
      slot = slot + 1 === perBatch ? 0 : slot + 1;
    });

    const stream = Buffer.concat(Array.from({ length: count }, (_, n) => encodeOne(n)));
    const reads = chunked(stream, READ_SIZE);
    let seen = 0;
    const onFrame = () => {
      seen++;
    };
    const decodePass = rate(() => {
      const decoder = kind === "reqrep" ? new ReqRepDecoder({ onFrame }) : new PubSubDecoder({ onFrame });
      for (const read of reads) decoder.push(read);
      decoder.end();
    });
    if (seen % count !== 0) throw new Error(`decoder lost frames: ${seen} not a multiple of ${count}`);
    frameRows.push({ kind, size, encode, writeBatched, decode: decodePass * count, frameSize });
  }
}

// ---------------------------------------------------------------------------------------------------
// Codecs

const CODEC_SIZES = [100, 8 * 1024, 64 * 1024];
const codecRows = [];
for (const codec of ["gzip", "zstd", "snappy", "lz4"]) {
  const compressor = createCompressor(codec);
  const type = toCompressionType(codec);
  for (const size of CODEC_SIZES) {
    const plain = payloadOf(size, 7);
    const packed = await compressor.compress(plain);
    let compress;
    let decompressRate;
    if (codec === "zstd") {
      compress = await rateAsync(() => compressor.compress(plain));
      decompressRate = await rateAsync(() => decompress(type, packed));
    } else {
      compress = rate(() => compressor.compress(plain));
      decompressRate = rate(() => decompress(type, packed));
    }
    codecRows.push({ codec, size, ratio: packed.length / size, compress, decompress: decompressRate });
  }
}
// Reference only: node:zlib's gzip (native) against the fflate compressor used above.
const zlibRows = CODEC_SIZES.map((size) => {
  const plain = payloadOf(size, 7);
  return { size, compress: rate(() => gzipSync(plain, { level: 6 })) };
});

// ---------------------------------------------------------------------------------------------------
// Report

const lines = [];
lines.push(`# @msg/wire micro-benchmark`);
lines.push("");
lines.push(
  `Node ${process.version}, ${cpus()[0]?.model ?? "unknown CPU"} (${cpus().length} cores, ${arch()}), one process, ` +
    `${MEASURE_MS} ms per cell after ${WARMUP_MS} ms warm-up${quick ? " (--quick)" : ""}.`,
);
lines.push("");
lines.push("## Frames (frames/s; decode fed in 64 KiB reads, frames split across reads included)");
lines.push("");
lines.push(
  "| frame | payload | encode (new buffer) | write header + copy into batch | decode | decode MB/s |",
);
lines.push("|---|---:|---:|---:|---:|---:|");
for (const r of frameRows) {
  lines.push(
    `| ${r.kind} | ${r.size} B | ${fmt(r.encode)} | ${fmt(r.writeBatched)} | ${fmt(r.decode)} | ${mbps(r.decode, r.frameSize)} |`,
  );
}
lines.push("");
lines.push("## Codecs (one message at a time; MB/s of uncompressed bytes; zstd awaited one call at a time)");
lines.push("");
lines.push(
  "| codec | payload | ratio | compress ops/s | compress MB/s | decompress ops/s | decompress MB/s |",
);
lines.push("|---|---:|---:|---:|---:|---:|---:|");
for (const r of codecRows) {
  lines.push(
    `| ${r.codec} | ${r.size} B | ${r.ratio.toFixed(3)} | ${fmt(r.compress)} | ${mbps(r.compress, r.size)} | ${fmt(r.decompress)} | ${mbps(r.decompress, r.size)} |`,
  );
}
for (const r of zlibRows) {
  lines.push(
    `| gzip via node:zlib (reference, not used) | ${r.size} B | | ${fmt(r.compress)} | ${mbps(r.compress, r.size)} | | |`,
  );
}
lines.push("");
lines.push(`Total time: ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(lines.join("\n"));
