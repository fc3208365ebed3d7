import { randomBytes } from "node:crypto";
import { ErrorCode } from "@msg/core";
import { type FullQueuePolicy, PubSocket, validateTopic } from "@msg/socket";
import { bindFlag, compressionFlags, integer, serverTransportFlags } from "./args.js";
import { asUsage, commonFlags, defineCommand, UsageError } from "./command.js";
import { compressionOptions, createTransport } from "./transports.js";

export const pub = defineCommand({
  name: "pub",
  summary: "publish numbered messages on a topic",
  synopsis: "--bind ADDR --topic TOPIC [flags]",
  description: `Publishes N messages on TOPIC; message i's payload starts with i as an 8-byte big-endian
integer, the rest is random. A message published before a subscriber's subscription has arrived is
not delivered to it: with --wait-subscribers K, publishing starts once K subscribers are connected and
subscribed. With --when-full block (the default) a subscriber that reads slowly slows the publisher
down and misses nothing; with drop, it misses what does not fit in its queue (counted in "dropped",
and as gaps by the subscriber). Exits 0 once the messages are handed to the transport (and flushed, up to 5 s).`,
  flags: {
    bind: bindFlag,
    topic: {
      type: "string",
      value: "TOPIC",
      required: true,
      help: "the topic: dot-separated tokens, no wildcards, not starting with MSG",
    },
    count: { type: "string", value: "N", default: "1", help: "messages to publish" },
    size: {
      type: "string",
      value: "BYTES",
      default: "100",
      help: "payload size of each message (at least 8)",
    },
    rate: {
      type: "string",
      value: "MSGS_PER_S",
      default: "0",
      help: "messages per second; 0 is as fast as possible",
    },
    "wait-subscribers": {
      type: "string",
      value: "K",
      default: "0",
      help: "wait for K subscribed subscribers before publishing",
    },
    "when-full": {
      type: "string",
      value: "POLICY",
      default: "block",
      help: "when a subscriber's queue is full: block (wait for room, lose nothing) or drop (skip it for that subscriber)",
    },
    "auth-token": {
      type: "string",
      value: "TOKEN",
      multiple: true,
      defaultText: "no authentication",
      help: "accept only subscribers presenting one of these tokens",
    },
    ...serverTransportFlags,
    ...compressionFlags,
    ...commonFlags,
  },
  async run(flags, out) {
    const topic = flags.topic;
    asUsage(() => validateTopic(topic));
    const count = integer(flags.count, "count");
    const size = Math.max(8, integer(flags.size, "size"));
    const rate = integer(flags.rate, "rate");
    const waitFor = integer(flags["wait-subscribers"], "wait-subscribers");
    const whenFull = fullQueuePolicy(flags["when-full"]);
    const compression = await compressionOptions(flags);
    const tokens = flags["auth-token"];
    const socket = new PubSocket(await createTransport(flags, "server"), {
      ...compression,
      whenFull,
      ...(tokens.length > 0 ? { authTokens: tokens } : {}),
    });
    try {
      const subscribed = new Set<string>();
      const enoughSubscribers = new Promise<void>((resolve) => {
        if (waitFor === 0) return resolve();
        socket.on("subscribed", ({ address }) => {
          subscribed.add(address);
          if (subscribed.size >= waitFor) resolve();
        });
      });
      socket.on("authRejected", ({ address }) => out.event("auth_rejected", { peer: address }));
      const address = await socket.bind(flags.bind);
      out.event("ready", { address }, `listening on ${address}`);
      await enoughSubscribers;
      if (waitFor > 0)
        out.event("subscribers", { count: subscribed.size }, `${subscribed.size} subscribers ready`);

      const template = randomBytes(size);
      // Messages go out in groups through publishMany (one call, one set of checks, per group); at a
      // set --rate, one at a time so each leaves at its due time.
      const group = rate > 0 ? 1 : PUBLISH_GROUP;
      const slab = repeated(template, group);
      const started = performance.now();
      for (let first = 0; first < count; first += group) {
        if (rate > 0) {
          const due = started + (first * 1000) / rate;
          const wait = due - performance.now();
          if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
        }
        const payloads = numberedPayloads(slab, size, first, Math.min(group, count - first));
        await socket.publishMany(topic, payloads);
        // Yield between groups so connections are served during a long burst.
        if (rate === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      const elapsedMs = performance.now() - started;
      await socket.close({ linger: 5000 });
      const stats = socket.stats();
      out.event(
        "done",
        {
          sent: count,
          subscribers: stats.activeClients,
          dropped: stats.droppedMessagesTotal,
          whenFull,
          bytesTx: stats.bytesTx,
          elapsedMs: Math.round(elapsedMs * 1000) / 1000,
          msgsPerSec: elapsedMs > 0 ? Math.round((count / elapsedMs) * 1000) : 0,
        },
        `published ${count} messages in ${elapsedMs.toFixed(1)} ms`,
      );
      return 0;
    } finally {
      await socket.close();
    }
  },
});

/** Messages per publishMany call when publishing as fast as possible. */
const PUBLISH_GROUP = 256;

/**
 * `n` payloads numbered from `first`: each a copy of `template` whose first 8 bytes are its index
 * (big-endian). They share one fresh allocation (a copy of `slab`, the template repeated), and each
 * has its own bytes: the socket may still hold earlier ones in its queues. Plain Uint8Array views
 * and byte stores: a Buffer view and writeUInt32BE cost more per message than the rest of this.
 */
function numberedPayloads(slab: Uint8Array, size: number, first: number, n: number): Uint8Array[] {
  const fresh = slab.slice(0, n * size);
  const { buffer, byteOffset } = fresh;
  const payloads: Uint8Array[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const offset = k * size;
    const index = first + k;
    const high = Math.floor(index / 2 ** 32);
    const low = index >>> 0;
    fresh[offset] = high >>> 24;
    fresh[offset + 1] = high >>> 16;
    fresh[offset + 2] = high >>> 8;
    fresh[offset + 3] = high;
    fresh[offset + 4] = low >>> 24;
    fresh[offset + 5] = low >>> 16;
    fresh[offset + 6] = low >>> 8;
    fresh[offset + 7] = low;
    payloads[k] = new Uint8Array(buffer, byteOffset + offset, size);
  }
  return payloads;
}

/** `template` repeated `n` times: what {@link numberedPayloads} copies for each group. */
function repeated(template: Uint8Array, n: number): Uint8Array {
  const slab = new Uint8Array(template.byteLength * n);
  for (let k = 0; k < n; k++) slab.set(template, k * template.byteLength);
  return slab;
}

/** `--when-full`: the Pub socket's `whenFull` policy. */
function fullQueuePolicy(value: string): FullQueuePolicy {
  if (value === "drop" || value === "block") return value;
  throw new UsageError(ErrorCode.InvalidArgument, `--when-full takes drop or block, got "${value}"`);
}
