import { randomBytes } from "node:crypto";
import { ReqSocket } from "@msg/socket";
import { compressionOptions, integer, parse, required, transportOptions } from "./args.js";
import { countByCode, Output } from "./output.js";
import { createCompressorFlag, createTransport } from "./transports.js";

export const reqUsage = `msg req --connect ADDR [--transport ...] [--compress ...] [--min-compress-size B] [--token TOKEN]
        [--ca F --servername NAME] [--cert F --key F] [--count N] [--size BYTES] [--inflight K]
        [--timeout MS] [--json]
  Sends N requests of random bytes (K at a time), checks every response, exits 0 only if all were right.`;

export async function req(argv: string[]): Promise<number> {
  const flags = parse(argv, {
    ...transportOptions,
    ...compressionOptions,
    connect: { type: "string" },
    token: { type: "string" },
    count: { type: "string" },
    size: { type: "string" },
    inflight: { type: "string" },
    timeout: { type: "string" },
  });
  const out = new Output(flags.json);
  const count = integer(flags.count, "count", 1);
  const size = integer(flags.size, "size", 100);
  const inflight = Math.max(1, integer(flags.inflight, "inflight", 1));
  const timeout = integer(flags.timeout, "timeout", 5000);
  const socket = new ReqSocket(await createTransport(flags, "client"), {
    compressor: createCompressorFlag(flags.compress, flags.level),
    minCompressSize: integer(flags["min-compress-size"], "min-compress-size", 8192),
    timeout,
    ...(flags.token !== undefined ? { authToken: flags.token } : {}),
  });
  socket.on("authRejected", () => out.event("auth_rejected", {}, "authentication rejected"));
  const address = required(flags.connect, "connect");
  void socket.connect(address);

  const errors: Record<string, number> = {};
  let sent = 0;
  let received = 0;
  let wrong = 0;
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
        if (Object.values(errors).reduce((a, b) => a + b, 0) === 1) out.error(error);
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
}
