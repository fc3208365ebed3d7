/**
 * The raw baselines: node:net streams (TCP or unix socket) carrying length-prefixed frames, with no
 * library in between. They bound what any Node messaging library can reach on the same machine.
 *
 * - Req/Rep: the client writes one frame per request; the server decodes the frames of each read and
 *   echoes them in one corked write (writev), responses matched in order (one connection, FIFO).
 * - Pub/Sub: the publisher writes every frame to every subscriber, one write per message, or, when
 *   `batched`, copies frames into a ~64 KiB buffer flushed when full or on the next setImmediate.
 *   There are no topics: subscribers get everything.
 */
import { unlinkSync } from "node:fs";
import net from "node:net";
import { drainedOrClosed } from "./drain.mjs";
import { encodeFrame, FrameDecoder, HEADER_BYTES } from "./length-prefix.mjs";
import { Requester } from "./requester.mjs";
import { newUnixSocketPath } from "./unix-paths.mjs";

/** Size of the batched publisher's write buffer. */
const BATCH_BYTES = 64 * 1024;

/** Where a new server listens: loopback port 0, or a fresh unix socket path. */
function listenOptions(kind) {
  return kind === "tcp" ? { host: "127.0.0.1", port: 0 } : { path: newUnixSocketPath() };
}

/** Starts a server; resolves with its address and a close() that also ends open connections. */
async function listen(kind, onConnection) {
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    if (kind === "tcp") socket.setNoDelay(true);
    onConnection(socket);
  });
  const options = listenOptions(kind);
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options, resolve);
  });
  const bound = server.address();
  const address = kind === "tcp" ? { host: bound.address, port: bound.port } : { path: options.path };
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(() => resolve()));
    if (options.path) {
      try {
        unlinkSync(options.path);
      } catch {
        // already gone
      }
    }
  };
  return { address, close, sockets };
}

function connect(address) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(address, () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
    if (address.port !== undefined) socket.setNoDelay(true);
  });
}

function closeSocket(socket) {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    socket.once("close", () => resolve());
    socket.destroy();
  });
}

export function rawReqRep(kind) {
  return {
    async server() {
      return listen(kind, (socket) => {
        const decoder = new FrameDecoder();
        socket.on("data", (chunk) => {
          socket.cork();
          decoder.push(chunk, (buffer, start, end) => socket.write(buffer.subarray(start, end)));
          socket.uncork();
        });
      });
    },

    async client({ address }) {
      const socket = await connect(address);
      const requester = new Requester((frame) => socket.write(frame));
      socket.on("data", (chunk) => requester.receive(chunk));
      socket.on("error", (error) => requester.fail(error));
      socket.on("close", () => requester.fail(new Error("connection closed")));
      return { request: (payload) => requester.request(payload), close: () => closeSocket(socket) };
    },
  };
}

/**
 * Writes to all subscribers and remembers whether any of them asked to wait (write() returned false).
 * With `backpressure`, publish() hands that wait back to the publishing loop; without, it writes on
 * and Node buffers without limit, which is what the stalled-subscriber measurement shows.
 */
class FanOut {
  #drained;

  constructor(sockets, backpressure) {
    this.sockets = sockets;
    this.backpressure = backpressure;
  }

  write(bytes) {
    const full = [];
    for (const socket of this.sockets) {
      if (!socket.write(bytes)) full.push(socket);
    }
    if (full.length > 0 && this.backpressure && this.#drained === undefined) {
      this.#drained = Promise.all(full.map((socket) => drainedOrClosed(socket))).then(() => {
        this.#drained = undefined;
      });
    }
  }

  /** A promise while some subscriber's buffer is over its high-water mark (backpressure only). */
  get wait() {
    return this.#drained;
  }
}

/** Copies frames into one buffer, written to every subscriber when full or on the next setImmediate. */
class Batcher {
  #buffer = Buffer.allocUnsafe(BATCH_BYTES);
  #used = 0;
  #scheduled = false;

  constructor(fanOut) {
    this.fanOut = fanOut;
  }

  add(payload) {
    const frameBytes = HEADER_BYTES + payload.length;
    if (this.#used + frameBytes > BATCH_BYTES) this.flush();
    if (frameBytes > BATCH_BYTES) {
      this.fanOut.write(encodeFrame(payload));
      return;
    }
    this.#buffer.writeUInt32BE(payload.length, this.#used);
    this.#buffer.set(payload, this.#used + HEADER_BYTES);
    this.#used += frameBytes;
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush() {
    this.#scheduled = false;
    if (this.#used === 0) return;
    const batch = this.#buffer.subarray(0, this.#used);
    // The sockets keep a reference to the batch until written: start a fresh buffer.
    this.#buffer = Buffer.allocUnsafe(BATCH_BYTES);
    this.#used = 0;
    this.fanOut.write(batch);
  }
}

export function rawPubSub(kind, { batched = false } = {}) {
  return {
    async publisher({ backpressure }) {
      const server = await listen(kind, (socket) => socket.resume()); // subscribers send nothing
      const fanOut = new FanOut(server.sockets, backpressure);
      const batcher = batched ? new Batcher(fanOut) : undefined;
      return {
        address: server.address,
        publish(payload) {
          if (batcher) batcher.add(payload);
          else fanOut.write(encodeFrame(payload));
          return fanOut.wait;
        },
        close: server.close,
      };
    },

    async subscriber({ address, onMessage }) {
      const socket = await connect(address);
      const decoder = new FrameDecoder();
      socket.on("data", (chunk) =>
        decoder.push(chunk, (buffer, start, end) => onMessage(buffer.subarray(start + HEADER_BYTES, end))),
      );
      socket.on("error", () => {});
      return { close: () => closeSocket(socket) };
    },
  };
}
