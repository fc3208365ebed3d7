// axon 2.0 (pure JS, amp framing), callback API. axon's Pub has no flow control of its own (it writes
// to every socket and Node buffers without limit); with `backpressure` the adapter waits for 'drain'
// when a subscriber's buffer is over its high-water mark, so throughput runs stay bounded.
import { createRequire } from "node:module";
import { drainedOrClosed } from "../lib/drain.mjs";

const require = createRequire(import.meta.url);
const HOST = "127.0.0.1";

function axon() {
  return require("axon");
}

function bind(socket) {
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, HOST, () => {
      socket.off("error", reject);
      resolve({ host: HOST, port: socket.server.address().port });
    });
  });
}

function connect(socket, address) {
  return new Promise((resolve) => {
    socket.once("connect", () => resolve());
    socket.connect(address.port, address.host);
  });
}

/** Destroys the socket's connections (and stops its server); axon does this synchronously. */
async function close(socket) {
  socket.close();
}

export default {
  name: "axon",
  baseline: "raw-net",
  reqrep: {
    sockets: { sequential: "req/rep", pipelined: "req/rep" },
    async server() {
      const rep = axon().socket("rep");
      rep.on("message", (payload, reply) => reply(payload));
      const address = await bind(rep);
      return { address, close: () => close(rep) };
    },
    async client({ address }) {
      const req = axon().socket("req");
      await connect(req, address);
      return {
        request: (payload) => new Promise((resolve) => req.send(payload, resolve)),
        close: () => close(req),
      };
    },
  },
  pubsub: {
    sockets: "pub/sub",
    lossy: false,
    async publisher({ topic, backpressure }) {
      const pub = axon().socket("pub");
      const address = await bind(pub);
      return {
        address,
        publish(payload) {
          pub.send(topic, payload);
          if (!backpressure) return undefined;
          const full = pub.socks.filter((socket) => socket.writableNeedDrain);
          return full.length > 0 ? Promise.all(full.map(drainedOrClosed)) : undefined;
        },
        close: () => close(pub),
      };
    },
    async subscriber({ address, topic, onMessage }) {
      const sub = axon().socket("sub");
      sub.subscribe(topic);
      sub.on("message", (_topic, payload) => onMessage(payload));
      await connect(sub, address);
      return { close: () => close(sub) };
    },
  },
};
