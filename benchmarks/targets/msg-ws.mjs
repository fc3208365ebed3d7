// msg's sockets over WebSocket (@msg/transport-ws), against raw `ws` with length-prefixed frames.
import { msgTarget } from "../lib/msg-target.mjs";

export default msgTarget({
  name: "msg-ws",
  baseline: "raw-ws",
  transport: async () => new (await import("@msg/transport-ws")).WsTransport(),
  bindAddress: () => "ws://127.0.0.1:0/msg",
});
