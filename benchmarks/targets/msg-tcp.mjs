// msg's sockets over TCP, against raw node:net.
import { msgTarget } from "../lib/msg-target.mjs";

export default msgTarget({
  name: "msg-tcp",
  baseline: "raw-net",
  transport: async () => new (await import("@msg/transport-tcp")).TcpTransport(),
  bindAddress: () => "127.0.0.1:0",
});
