/**
 * 1,000,000 fuzzed frames per decoder (req/rep, pub/sub, auth): valid frames mutated (bytes flipped,
 * length fields rewritten, cut short, garbage appended), fed in random pieces, then end of stream.
 * Every outcome must be frames or a MsgError with a wire code, and the memory a decoder holds must
 * stay within 2 x what it was given + 16 KiB. Seeded, so a failure can be replayed (--seed N).
 */
import { isMsgError } from "@msg/core";
import {
  AuthDecoder,
  encodeAuthToken,
  encodePubSub,
  encodeReqRep,
  PubSubDecoder,
  ReqRepDecoder,
} from "@msg/wire";
import { round } from "../lib/measure.mjs";
import { scenario } from "../lib/scenario.mjs";

/** mulberry32: a small seeded PRNG. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MAX_FRAME_SIZE = 64 * 1024;
const WIRE_CODES = new Set(["wire_id", "frame_too_large", "eof_mid_frame", "malformed_frame"]);

const kinds = {
  reqrep: {
    Decoder: ReqRepDecoder,
    valid: (random, payload) =>
      encodeReqRep({ compression: Math.floor(random() * 6), id: Math.floor(random() * 2 ** 32), payload }),
  },
  pubsub: {
    Decoder: PubSubDecoder,
    valid: (random, payload) =>
      encodePubSub({
        compression: Math.floor(random() * 6),
        topic: ["a", "prices.eu.btc", "MSG.SUB.x.>", "é✓"][Math.floor(random() * 4)],
        timestamp: Math.floor(random() * 2 ** 52),
        seq: Math.floor(random() * 2 ** 32),
        payload,
      }),
  },
  auth: { Decoder: AuthDecoder, valid: (_random, payload) => encodeAuthToken(payload) },
};

function mutate(random, frame) {
  const bytes = Buffer.from(frame);
  const r = random();
  if (r < 0.25) {
    for (let i = 0, n = 1 + Math.floor(random() * 4); i < n; i++)
      bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
  } else if (r < 0.45) {
    // Rewrite a byte of the header, where the lengths and ids live.
    bytes[Math.floor(random() * Math.min(bytes.length, 24))] = Math.floor(random() * 256);
  } else if (r < 0.6) {
    return bytes.subarray(0, Math.floor(random() * bytes.length));
  } else if (r < 0.75) {
    return Buffer.concat([
      bytes,
      Buffer.from(Array.from({ length: 1 + Math.floor(random() * 32) }, () => Math.floor(random() * 256))),
    ]);
  } else if (r < 0.85) {
    return Buffer.from(
      Array.from({ length: 1 + Math.floor(random() * 64) }, () => Math.floor(random() * 256)),
    );
  }
  return bytes; // unchanged: must decode
}

await scenario("fuzz-decoders", async ({ short, figure, check }) => {
  const perDecoder = short ? 20_000 : 1_000_000;
  const seedArg = process.argv.indexOf("--seed");
  const seed = seedArg > 0 ? Number(process.argv[seedArg + 1]) : 20261127;
  figure("seed", seed);
  const payloads = [0, 1, 5, 100, 4096, 70_000].map((n) => Buffer.alloc(n, 0x5a));
  for (const [name, kind] of Object.entries(kinds)) {
    const random = prng(seed);
    const outcomes = { frames: 0 };
    let untyped = 0;
    let overHeld = 0;
    const started = performance.now();
    for (let i = 0; i < perDecoder; i++) {
      const payload = payloads[Math.floor(random() * (payloads.length - 1))];
      const input = mutate(random, kind.valid(random, random() < 0.05 ? payloads.at(-1) : payload));
      const decoder = new kind.Decoder({ maxFrameSize: MAX_FRAME_SIZE, onFrame: () => outcomes.frames++ });
      let given = 0;
      try {
        for (let offset = 0; offset < input.length; ) {
          const piece = 1 + Math.floor(random() * (random() < 0.5 ? 8 : input.length));
          decoder.push(input.subarray(offset, offset + piece));
          given += Math.min(piece, input.length - offset);
          offset += piece;
          if (decoder.allocatedBytes > 2 * given + 16 * 1024) overHeld++;
        }
        decoder.end();
      } catch (error) {
        if (isMsgError(error) && WIRE_CODES.has(error.code))
          outcomes[error.code] = (outcomes[error.code] ?? 0) + 1;
        else {
          untyped++;
          if (untyped === 1) console.log(`  first untyped failure at input ${i}: ${error}`);
        }
      }
    }
    const seconds = (performance.now() - started) / 1000;
    figure(`${name}: outcomes of ${perDecoder} inputs`, outcomes);
    figure(`${name}: inputs per second`, round(perDecoder / seconds, 0));
    check(untyped === 0, `${name}: every failure is a MsgError with a wire code`);
    check(overHeld === 0, `${name}: held memory within 2 x bytes given + 16 KiB`);
  }
});
