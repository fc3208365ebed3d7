import { ErrorCode, MsgError, nowMicros, type SubSocketStats } from "@msg/core";
import { SubSocket, validatePattern } from "@msg/socket";
import { clientTransportFlags, integer, reconnectFlags, retryAttempts } from "./args.js";
import { asUsage, commonFlags, defineCommand } from "./command.js";
import { reportReconnects } from "./reconnects.js";
import { createTransport } from "./transports.js";

export const sub = defineCommand({
  name: "sub",
  summary: "subscribe and print messages, or count them",
  synopsis: "--connect ADDR --subscribe PATTERN [flags]",
  description: `Connects to one or more publishers and prints each message matching a pattern (NATS
syntax: \`*\` one token, \`>\` the rest). With --count N it prints only a summary once N messages
arrived (received, gaps, dropped, topics, meanLatencyUs, elapsedMs, msgsPerSec) and exits 0.
Exits 1 if --timeout passes first, or once every publisher is given up on (--retry-attempts,
a rejected token).`,
  flags: {
    connect: {
      type: "string",
      value: "ADDR",
      multiple: true,
      required: true,
      help: "a publisher to connect to: host:port, or a socket path with --transport ipc",
    },
    subscribe: {
      type: "string",
      value: "PATTERN",
      multiple: true,
      required: true,
      help: "a topic pattern to receive",
    },
    token: { type: "string", value: "TOKEN", defaultText: "none", help: "authentication token to present" },
    count: {
      type: "string",
      value: "N",
      defaultText: "print every message until interrupted",
      help: "stop after N messages and print a summary",
    },
    timeout: {
      type: "string",
      value: "MS",
      defaultText: "none",
      help: "stop after MS and exit 1 (with --count: unless N messages arrived first)",
    },
    ...reconnectFlags,
    ...clientTransportFlags,
    ...commonFlags,
  },
  async run(flags, out) {
    const addresses = flags.connect;
    const patterns = flags.subscribe;
    for (const pattern of patterns) asUsage(() => validatePattern(pattern));
    const count = flags.count === undefined ? undefined : integer(flags.count, "count");
    const timeout = flags.timeout === undefined ? undefined : integer(flags.timeout, "timeout");
    const socket = new SubSocket(await createTransport(flags, "client"), {
      retryAttempts: retryAttempts(flags["retry-attempts"]),
      ...(flags.token !== undefined ? { authToken: flags.token } : {}),
    });
    /** Set when --timeout passed: the stats at that moment (closing forgets the publishers). */
    let timedOut: SubSocketStats | undefined;
    let gaveUp = 0;
    const stop = () => void socket.close();
    const timer =
      timeout === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = socket.stats();
            stop();
          }, timeout);
    try {
      socket.on("authRejected", ({ address }) => out.event("auth_rejected", { publisher: address }));
      socket.on("gaveUp", ({ error }) => {
        out.error(error);
        if (++gaveUp === addresses.length) stop(); // nobody left to receive from
      });
      reportReconnects(socket, out, flags.verbose);
      for (const pattern of patterns) await socket.subscribe(pattern);
      for (const address of addresses) void socket.connect(address);
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);

      const topics: Record<string, number> = {};
      let received = 0;
      let latencyTotal = 0;
      let first = 0;
      let last = 0;
      // Batches: one promise per group of messages that arrived together, not one per message.
      receiving: for await (const batch of socket.batches()) {
        const now = performance.now();
        const nowUs = nowMicros(); // the whole batch arrived now
        if (received === 0) first = now;
        last = now;
        for (const message of batch) {
          received++;
          topics[message.topic] = (topics[message.topic] ?? 0) + 1;
          latencyTotal += nowUs - message.timestamp;
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
          } else if (received >= count) break receiving;
        }
      }
      const stats = timedOut ?? socket.stats();
      await socket.close();
      if (timedOut) out.error(timeoutError(received, timeout!, timedOut));
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
      if (timedOut || gaveUp === addresses.length) return 1;
      return count === undefined || received >= count ? 0 : 1;
    } finally {
      clearTimeout(timer);
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      await socket.close();
    }
  },
});

/** The --timeout error, saying why for each publisher that is not connected. */
function timeoutError(received: number, timeoutMs: number, stats: SubSocketStats): MsgError {
  const notConnected = Object.entries(stats.publishers)
    .filter(([, publisher]) => publisher.failedConnectAttempts > 0 && publisher.lastConnectError)
    .map(([address, { failedConnectAttempts: attempts, lastConnectError }]) => {
      return `${address} not connected: ${lastConnectError!.message}, ${attempts} attempt${attempts === 1 ? "" : "s"}`;
    });
  const why = notConnected.length > 0 ? ` (${notConnected.join("; ")})` : "";
  return new MsgError(ErrorCode.Timeout, `${received} messages within ${timeoutMs} ms${why}`);
}
