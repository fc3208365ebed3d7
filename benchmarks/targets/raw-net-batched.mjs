// Baseline: raw-net Pub/Sub with write coalescing: frames copied into a ~64 KiB buffer, written when
// full or on the next setImmediate (lib/raw-stream.mjs). What batching alone buys in Node.
import { rawPubSub } from "../lib/raw-stream.mjs";

export default {
  name: "raw-net-batched",
  baseline: "raw-net",
  pubsub: {
    sockets: "net.Socket, 64 KiB batches",
    lossy: false,
    ...rawPubSub("tcp", { batched: true }),
  },
};
