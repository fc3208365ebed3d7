/**
 * A Sub in its own process (so it can be frozen with SIGSTOP). Options (JSON in argv[2]): `address`,
 * `topic`, `endTopic`. Answers `stats` with the Sub's stats and whether a message on `endTopic` came.
 */
import { SubSocket } from "@msg/socket";
import { TcpTransport } from "@msg/transport-tcp";
import { serveParent } from "./child.mjs";

const options = JSON.parse(process.argv[2] ?? "{}");
const sub = new SubSocket(new TcpTransport(), { ingressQueueSize: 1_000_000 });
const connected = (async () => {
  await sub.subscribe(options.topic);
  await sub.subscribe(options.endTopic);
  await sub.connect(options.address);
})();
let ended = false;
(async () => {
  for await (const message of sub) if (message.topic === options.endTopic) ended = true;
})();

serveParent({
  ready: async () => {
    await connected;
    return {};
  },
  stop: () => sub.close(),
  handlers: { stats: () => ({ stats: sub.stats(), ended }) },
});
