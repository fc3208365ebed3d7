// zeromq 6.8 (libzmq 4.3.5). A Request socket allows one pending request, so pipelined runs use
// Dealer/Router (responses arrive in order on the one connection) with high-water marks above the window. Publisher
// drops at its send high-water mark (1000 messages), so Pub/Sub is lossy: see received/sent.
import { Fifo } from "../lib/fifo.mjs";

/** libzmq's spelling of "port 0": bind an ephemeral port, read it back from lastEndpoint. */
const EPHEMERAL_TCP = "tcp://127.0.0.1:*";

/**
 * High-water marks of the pipelined pair. A Router silently drops a reply when the pipe to its peer is
 * full, and the defaults (1000 messages each way) are below the harness's 2048 requests in flight:
 * replies would vanish and the run would never finish. Above the window, nothing is dropped.
 */
const PIPELINE_HWM = { sendHighWaterMark: 8192, receiveHighWaterMark: 8192 };

async function zmq() {
  return import("zeromq");
}

/** Serves `socket` until it is closed: echoes every (multipart) message, which suits Reply and Router. */
async function echo(socket) {
  try {
    for await (const message of socket) await socket.send(message);
  } catch (error) {
    if (!socket.closed) throw error;
  }
}

async function requestClient(address) {
  const { Request } = await zmq();
  const socket = new Request({ linger: 0 });
  socket.connect(address);
  return {
    async request(payload) {
      await socket.send(payload);
      const [reply] = await socket.receive();
      return reply;
    },
    close: async () => socket.close(),
  };
}

async function dealerClient(address) {
  const { Dealer } = await zmq();
  const socket = new Dealer({ linger: 0, ...PIPELINE_HWM });
  socket.connect(address);
  const waiting = new Fifo();
  let sending = Promise.resolve(); // zeromq allows one send in progress at a time
  (async () => {
    try {
      for await (const [reply] of socket) waiting.shift()?.resolve(reply);
    } catch (error) {
      for (const pending of waiting.drain()) pending.reject(error);
    }
  })();
  return {
    request(payload) {
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        sending = sending.then(() => socket.send(payload)).catch(reject);
      });
    },
    close: async () => socket.close(),
  };
}

export default {
  name: "zeromq",
  baseline: "raw-net",
  reqrep: {
    sockets: { sequential: "Request/Reply", pipelined: "Dealer/Router" },
    async server({ mode }) {
      const { Reply, Router } = await zmq();
      const socket =
        mode === "sequential" ? new Reply({ linger: 0 }) : new Router({ linger: 0, ...PIPELINE_HWM });
      await socket.bind(EPHEMERAL_TCP);
      const serving = echo(socket);
      return {
        address: socket.lastEndpoint,
        close: async () => {
          socket.close();
          await serving;
        },
      };
    },
    client: ({ mode, address }) => (mode === "sequential" ? requestClient(address) : dealerClient(address)),
  },
  pubsub: {
    sockets: "Publisher/Subscriber",
    lossy: true,
    async publisher({ topic }) {
      const { Publisher } = await zmq();
      const socket = new Publisher({ linger: 0 });
      await socket.bind(EPHEMERAL_TCP);
      return {
        address: socket.lastEndpoint,
        publish: (payload) => socket.send([topic, payload]),
        close: async () => socket.close(),
      };
    },
    async subscriber({ address, topic, onMessage }) {
      const { Subscriber } = await zmq();
      const socket = new Subscriber({ linger: 0 });
      socket.connect(address);
      socket.subscribe(topic);
      const receiving = (async () => {
        try {
          for await (const [, payload] of socket) onMessage(payload);
        } catch (error) {
          if (!socket.closed) throw error;
        }
      })();
      return {
        close: async () => {
          socket.close();
          await receiving;
        },
      };
    },
  },
};
