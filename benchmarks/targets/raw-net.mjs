// Baseline: node:net TCP on loopback, 4-byte big-endian length prefix, no library (lib/raw-stream.mjs).
import { rawPubSub, rawReqRep } from "../lib/raw-stream.mjs";

export default {
  name: "raw-net",
  baseline: "raw-net",
  reqrep: {
    sockets: { sequential: "net.Socket", pipelined: "net.Socket" },
    ...rawReqRep("tcp"),
  },
  pubsub: {
    sockets: "net.Socket, one write per message",
    lossy: false,
    ...rawPubSub("tcp"),
  },
};
