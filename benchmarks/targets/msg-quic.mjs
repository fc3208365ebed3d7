// msg's sockets over QUIC (@matrixai/quic underneath; its own raw speed is in quic-raw.mjs).
import { msgTarget } from "../lib/msg-target.mjs";

export default msgTarget({
  name: "msg-quic",
  baseline: "raw-net",
  transport: async () => new (await import("@msg/transport-quic")).QuicTransport(),
  bindAddress: () => "127.0.0.1:0",
});
