import { nowMicros } from "@msg/core";
import { SubSocket } from "@msg/socket";
import { integer, parse, transportOptions } from "./args.js";
import { Output } from "./output.js";
import { createTransport } from "./transports.js";

export const subUsage = `msg sub --connect ADDR [--connect ADDR]... [--transport ...] [--token TOKEN]
        --subscribe PATTERN [--subscribe PATTERN]... [--count N] [--timeout MS] [--json]
  Prints each message; with --count, stops after N messages and prints a summary (received, gaps,
  dropped, topics, meanLatencyUs, elapsedMs, msgsPerSec). Exits non-zero if --timeout passes first.`;

export async function sub(argv: string[]): Promise<number> {
  const flags = parse(argv, {
    ...transportOptions,
    connect: { type: "string", multiple: true },
    token: { type: "string" },
    subscribe: { type: "string", multiple: true },
    count: { type: "string" },
    timeout: { type: "string" },
  });
  const out = new Output(flags.json);
  const addresses = flags.connect ?? [];
  const patterns = flags.subscribe ?? [];
  if (addresses.length === 0 || patterns.length === 0) {
    out.error(new Error("--connect and --subscribe are required"));
    return 2;
  }
  const count = flags.count === undefined ? undefined : integer(flags.count, "count", 0);
  const timeout = flags.timeout === undefined ? undefined : integer(flags.timeout, "timeout", 0);
  const socket = new SubSocket(await createTransport(flags, "client"), {
    ...(flags.token !== undefined ? { authToken: flags.token } : {}),
  });
  socket.on("authRejected", ({ address }) => out.event("auth_rejected", { publisher: address }));
  for (const pattern of patterns) await socket.subscribe(pattern);
  for (const address of addresses) void socket.connect(address);

  let timedOut = false;
  const timer =
    timeout === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          void socket.close();
        }, timeout);
  const stop = () => void socket.close();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);

  const topics: Record<string, number> = {};
  let received = 0;
  let latencyTotal = 0;
  let first = 0;
  let last = 0;
  for await (const message of socket) {
    const now = performance.now();
    if (received === 0) first = now;
    last = now;
    received++;
    topics[message.topic] = (topics[message.topic] ?? 0) + 1;
    latencyTotal += nowMicros() - message.timestamp;
    if (count === undefined) {
      out.event(
        "message",
        {
          topic: message.topic,
          seq: message.seq,
          size: message.payload.byteLength,
          publisher: message.publisher,
        },
        `${message.topic} #${message.seq} (${message.payload.byteLength} bytes) from ${message.publisher}`,
      );
    } else if (received >= count) break;
  }
  clearTimeout(timer);
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);
  const stats = socket.stats();
  await socket.close();
  const gaps = Object.values(stats.publishers).reduce((sum, p) => sum + p.missing, 0);
  const elapsedMs = last - first;
  out.event(
    "done",
    {
      received,
      gaps,
      dropped: stats.droppedMessagesTotal,
      topics,
      meanLatencyUs: received > 0 ? Math.round(latencyTotal / received) : 0,
      elapsedMs: Math.round(elapsedMs * 1000) / 1000,
      msgsPerSec: elapsedMs > 0 ? Math.round((received / elapsedMs) * 1000) : 0,
      ...(timedOut ? { error: "timeout" } : {}),
    },
    `received ${received} messages (${gaps} missing by seq, ${stats.droppedMessagesTotal} dropped locally)`,
  );
  if (timedOut) return 1;
  return count === undefined || received >= count ? 0 : 1;
}
