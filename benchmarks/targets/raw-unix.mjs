// Baseline: raw-net's protocol over a unix domain socket (the reference for IPC targets).
import { rawPubSub, rawReqRep } from "../lib/raw-stream.mjs";

export default {
  name: "raw-unix",
  baseline: "raw-net",
  reqrep: {
    sockets: { sequential: "net.Socket (unix)", pipelined: "net.Socket (unix)" },
    ...rawReqRep("unix"),
  },
  pubsub: {
    sockets: "net.Socket (unix), one write per message",
    lossy: false,
    ...rawPubSub("unix"),
  },
};
