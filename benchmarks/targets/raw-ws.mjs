// Baseline for msg over WebSocket: the `ws` library, length-prefixed frames, one message each (lib/raw-ws.mjs).
import { rawWsPubSub, rawWsReqRep } from "../lib/raw-ws.mjs";

export default {
  name: "raw-ws",
  baseline: "raw-ws",
  reqrep: {
    sockets: { sequential: "ws WebSocket", pipelined: "ws WebSocket" },
    ...rawWsReqRep(),
  },
  pubsub: {
    sockets: "ws WebSocket, one message per message",
    lossy: false,
    ...rawWsPubSub(),
  },
};
