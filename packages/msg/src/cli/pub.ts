import { randomBytes } from "node:crypto";
import { PubSocket } from "@msg/socket";
import { compressionOptions, integer, parse, required, transportOptions } from "./args.js";
import { Output } from "./output.js";
import { createCompressorFlag, createTransport } from "./transports.js";

export const pubUsage = `msg pub --bind ADDR [--transport ...] [--compress ...] [--min-compress-size B]
        [--auth-token TOKEN]... --topic TOPIC [--count N] [--size BYTES] [--rate MSGS_PER_S]
        [--wait-subscribers K] [--json]
  Publishes N messages; message i's payload starts with i as an 8-byte big-endian integer (the rest
  random). With --wait-subscribers K, starts once K subscribers are connected and subscribed.`;

export async function pub(argv: string[]): Promise<number> {
  const flags = parse(argv, {
    ...transportOptions,
    ...compressionOptions,
    bind: { type: "string" },
    "auth-token": { type: "string", multiple: true },
    topic: { type: "string" },
    count: { type: "string" },
    size: { type: "string" },
    rate: { type: "string" },
    "wait-subscribers": { type: "string" },
  });
  const out = new Output(flags.json);
  const topic = required(flags.topic, "topic");
  const count = integer(flags.count, "count", 1);
  const size = Math.max(8, integer(flags.size, "size", 100));
  const rate = integer(flags.rate, "rate", 0);
  const waitFor = integer(flags["wait-subscribers"], "wait-subscribers", 0);
  const tokens = flags["auth-token"];
  const socket = new PubSocket(await createTransport(flags, "server"), {
    compressor: createCompressorFlag(flags.compress, flags.level),
    minCompressSize: integer(flags["min-compress-size"], "min-compress-size", 8192),
    ...(tokens && tokens.length > 0 ? { authTokens: tokens } : {}),
  });
  const subscribed = new Set<string>();
  const enoughSubscribers = new Promise<void>((resolve) => {
    if (waitFor === 0) return resolve();
    socket.on("subscribed", ({ address }) => {
      subscribed.add(address);
      if (subscribed.size >= waitFor) resolve();
    });
  });
  socket.on("authRejected", ({ address }) => out.event("auth_rejected", { peer: address }));
  const address = await socket.bind(required(flags.bind, "bind"));
  out.event("ready", { address }, `listening on ${address}`);
  await enoughSubscribers;
  if (waitFor > 0)
    out.event("subscribers", { count: subscribed.size }, `${subscribed.size} subscribers ready`);

  const payload = Buffer.concat([Buffer.alloc(8), randomBytes(size - 8)]);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    if (rate > 0) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    // Each message needs its own bytes: the socket may still hold earlier ones in its queues.
    const message = Buffer.from(payload);
    message.writeBigUInt64BE(BigInt(i), 0);
    await socket.publish(topic, message);
    // Yield now and then so connections are served during a long burst.
    if ((i & 255) === 255) await new Promise((resolve) => setImmediate(resolve));
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
      bytesTx: stats.bytesTx,
      elapsedMs: Math.round(elapsedMs * 1000) / 1000,
      msgsPerSec: elapsedMs > 0 ? Math.round((count / elapsedMs) * 1000) : 0,
    },
    `published ${count} messages in ${elapsedMs.toFixed(1)} ms`,
  );
  return 0;
}
