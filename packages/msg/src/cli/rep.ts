import { RepSocket } from "@msg/socket";
import { compressionOptions, integer, parse, required, transportOptions } from "./args.js";
import { Output } from "./output.js";
import { createCompressorFlag, createTransport } from "./transports.js";

export const repUsage = `msg rep --bind ADDR [--transport tcp|tls|ipc|quic] [--compress none|gzip|zstd|snappy|lz4]
        [--level N] [--auth-token TOKEN]... [--cert F --key F [--ca F] [--require-client-cert]]
        [--count N] [--json]
  Answers every request with its payload unchanged. With --count, exits 0 after N requests.`;

export async function rep(argv: string[]): Promise<number> {
  const flags = parse(argv, {
    ...transportOptions,
    ...compressionOptions,
    bind: { type: "string" },
    "auth-token": { type: "string", multiple: true },
    count: { type: "string" },
  });
  const out = new Output(flags.json);
  const tokens = flags["auth-token"];
  const socket = new RepSocket(await createTransport(flags, "server"), {
    compressor: createCompressorFlag(flags.compress, flags.level),
    minCompressSize: integer(flags["min-compress-size"], "min-compress-size", 8192),
    ...(tokens && tokens.length > 0 ? { authTokens: tokens } : {}),
  });
  const limit = flags.count === undefined ? Number.POSITIVE_INFINITY : integer(flags.count, "count", 0);
  socket.on("authRejected", ({ address }) => out.event("auth_rejected", { peer: address }));
  socket.on("peerError", ({ address, error }) =>
    out.error(Object.assign(error, { message: `${address}: ${error.message}` })),
  );
  const address = await socket.bind(required(flags.bind, "bind"));
  out.event("ready", { address }, `listening on ${address}`);

  const stop = () => void socket.close();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  let answered = 0;
  const started = Date.now();
  if (limit > 0) {
    for await (const request of socket) {
      request.respond(request.payload);
      if (++answered >= limit) break;
    }
  }
  await socket.close({ linger: 1000 });
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);
  const stats = socket.stats();
  out.event(
    "done",
    {
      received: stats.requestsReceived,
      sent: stats.responsesSent,
      errors: stats.connectionErrors,
      elapsedMs: Date.now() - started,
    },
    `answered ${answered} requests`,
  );
  return 0;
}
