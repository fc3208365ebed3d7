import { RepSocket } from "@msg/socket";
import { bindFlag, compressionFlags, integer, serverTransportFlags } from "./args.js";
import { commonFlags, defineCommand } from "./command.js";
import { compressionOptions, createTransport } from "./transports.js";

export const rep = defineCommand({
  name: "rep",
  summary: "answer requests with their payload (an echo server)",
  synopsis: "--bind ADDR [flags]",
  description: `Answers every request with its payload unchanged, until interrupted (SIGINT, SIGTERM) or,
with --count, until N requests are answered.`,
  flags: {
    bind: bindFlag,
    "auth-token": {
      type: "string",
      value: "TOKEN",
      multiple: true,
      defaultText: "no authentication",
      help: "accept only clients presenting one of these tokens",
    },
    count: {
      type: "string",
      value: "N",
      defaultText: "runs until interrupted",
      help: "exit 0 after N requests",
    },
    ...serverTransportFlags,
    ...compressionFlags,
    ...commonFlags,
  },
  async run(flags, out) {
    const limit = flags.count === undefined ? Number.POSITIVE_INFINITY : integer(flags.count, "count");
    const compression = await compressionOptions(flags);
    const tokens = flags["auth-token"];
    const socket = new RepSocket(await createTransport(flags, "server"), {
      ...compression,
      ...(tokens.length > 0 ? { authTokens: tokens } : {}),
    });
    const stop = () => void socket.close();
    try {
      socket.on("authRejected", ({ address }) => out.event("auth_rejected", { peer: address }));
      socket.on("peerError", ({ address, error }) =>
        out.error(Object.assign(error, { message: `${address}: ${error.message}` })),
      );
      const bound = await socket.bind(flags.bind);
      out.event("ready", { address: bound }, `listening on ${bound}`);

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
    } finally {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      await socket.close();
    }
  },
});
