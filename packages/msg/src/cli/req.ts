import { randomBytes } from "node:crypto";
import { ReqSocket } from "@msg/socket";
import { clientTransportFlags, compressionFlags, integer, reconnectFlags, retryAttempts } from "./args.js";
import { commonFlags, defineCommand } from "./command.js";
import { countByCode } from "./output.js";
import { reportReconnects } from "./reconnects.js";
import { compressionOptions, createTransport } from "./transports.js";

export const req = defineCommand({
  name: "req",
  summary: "send requests and check the answers (a client for `msg rep`)",
  synopsis: "--connect ADDR [flags]",
  description: `Sends N requests of random bytes (K at a time) and checks that every response equals its
request, as \`msg rep\` answers. Exits 0 only if all N came back right. A request that cannot be sent
because the connection is not up fails with timeout, naming the last connection error.`,
  flags: {
    connect: {
      type: "string",
      value: "ADDR",
      required: true,
      help: "the Rep to connect to: host:port, or a socket path with --transport ipc",
    },
    token: { type: "string", value: "TOKEN", defaultText: "none", help: "authentication token to present" },
    count: { type: "string", value: "N", default: "1", help: "requests to send" },
    size: { type: "string", value: "BYTES", default: "100", help: "payload size of each request" },
    inflight: { type: "string", value: "K", default: "1", help: "requests awaiting their response at once" },
    timeout: {
      type: "string",
      value: "MS",
      default: "5000",
      help: "time each request may take, counted from when it is made",
    },
    ...reconnectFlags,
    ...clientTransportFlags,
    ...compressionFlags,
    ...commonFlags,
  },
  async run(flags, out) {
    const count = integer(flags.count, "count");
    const size = integer(flags.size, "size");
    const inflight = Math.max(1, integer(flags.inflight, "inflight"));
    const timeout = integer(flags.timeout, "timeout");
    const compression = await compressionOptions(flags);
    const socket = new ReqSocket(await createTransport(flags, "client"), {
      ...compression,
      timeout,
      retryAttempts: retryAttempts(flags["retry-attempts"]),
      ...(flags.token !== undefined ? { authToken: flags.token } : {}),
    });
    try {
      socket.on("authRejected", () => out.event("auth_rejected", {}, "authentication rejected"));
      reportReconnects(socket, out, flags.verbose);
      void socket.connect(flags.connect);

      const errors: Record<string, number> = {};
      let sent = 0;
      let received = 0;
      let wrong = 0;
      let failed = 0;
      let firstSent = 0;
      let lastReceived = 0;
      // One pool of random bytes; each request is a distinct slice of it, so responses can be checked.
      const pool = randomBytes(Math.max(size * 2, 64));
      const worker = async () => {
        while (sent < count) {
          const index = sent++;
          const offset = (index * 7919) % (pool.length - size + 1);
          const payload = pool.subarray(offset, offset + size);
          if (index === 0) firstSent = performance.now();
          try {
            const response = await socket.request(payload);
            lastReceived = performance.now();
            if (Buffer.compare(response, payload) === 0) received++;
            else {
              wrong++;
              countByCode(errors, "wrong_response");
            }
          } catch (error) {
            countByCode(errors, error);
            if (++failed === 1) out.error(error);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(inflight, count) }, worker));
      await socket.close();
      const elapsedMs = received > 0 ? lastReceived - firstSent : 0;
      const roundTripsPerSec = elapsedMs > 0 ? Math.round((received / elapsedMs) * 1000) : 0;
      const ok = received === count && wrong === 0;
      out.event(
        "done",
        {
          sent,
          received,
          errors,
          elapsedMs: Math.round(elapsedMs * 1000) / 1000,
          roundTripsPerSec,
          rttUs: socket.stats().averageRttUs,
        },
        `${received}/${count} correct responses in ${elapsedMs.toFixed(1)} ms (${roundTripsPerSec} round trips/s)`,
      );
      return ok ? 0 : 1;
    } finally {
      await socket.close();
    }
  },
});
