/**
 * The WebSocket baseline: the `ws` library on loopback carrying the same length-prefixed frames as the
 * raw node:net baseline (lib/length-prefix.mjs), one binary message per request or published message,
 * permessage-deflate off (as msg's WebSocket transport), no other protocol. It bounds what a messaging
 * library over `ws` can reach on the same machine.
 *
 * - Req/Rep: the client sends one frame per request in its own message; the server decodes the frames
 *   of each message and echoes them in one message, responses matched in order (one connection, FIFO).
 * - Pub/Sub: the publisher sends every frame to every subscriber as its own message. With backpressure,
 *   a subscriber whose `bufferedAmount` is above 64 KiB makes the publisher wait until that message
 *   has been written. There are no topics: subscribers get everything.
 */
import { encodeFrame, FrameDecoder, HEADER_BYTES } from "./length-prefix.mjs";
import { Requester } from "./requester.mjs";

/** Queued bytes above which a backpressured publisher waits for a subscriber. */
const HIGH_WATER_MARK = 64 * 1024;

async function ws() {
  return import("ws");
}

/** Starts a WebSocket server on 127.0.0.1, port 0; resolves with its URL and a close() that ends every client. */
async function listen(onConnection) {
  const { WebSocketServer } = await ws();
  const server = new WebSocketServer({
    host: "127.0.0.1",
    port: 0,
    perMessageDeflate: false,
    maxPayload: 64 * 1024 * 1024,
  });
  await new Promise((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  server.on("connection", (socket) => {
    socket.on("error", () => socket.terminate());
    onConnection(socket);
  });
  const { port } = server.address();
  const close = async () => {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(() => resolve()));
  };
  return { address: `ws://127.0.0.1:${port}/`, close, clients: server.clients };
}

async function connect(url) {
  const { WebSocket } = await ws();
  const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  return socket;
}

function closeSocket(socket) {
  return new Promise((resolve) => {
    if (socket.readyState === socket.CLOSED) return resolve();
    socket.once("close", () => resolve());
    socket.terminate();
  });
}

export function rawWsReqRep() {
  return {
    async server() {
      return listen((socket) => {
        const decoder = new FrameDecoder();
        socket.on("message", (data) => {
          const frames = [];
          decoder.push(data, (buffer, start, end) => frames.push(buffer.subarray(start, end)));
          if (frames.length > 0) socket.send(frames.length === 1 ? frames[0] : Buffer.concat(frames));
        });
      });
    },

    async client({ address }) {
      const socket = await connect(address);
      const requester = new Requester((frame) => socket.send(frame));
      socket.on("message", (data) => requester.receive(data));
      socket.on("error", (error) => requester.fail(error));
      socket.on("close", () => requester.fail(new Error("connection closed")));
      return { request: (payload) => requester.request(payload), close: () => closeSocket(socket) };
    },
  };
}

export function rawWsPubSub() {
  return {
    async publisher({ backpressure }) {
      const server = await listen(() => {}); // subscribers send nothing
      return {
        address: server.address,
        publish(payload) {
          const frame = encodeFrame(payload);
          const full = [];
          for (const socket of server.clients) {
            if (backpressure && socket.bufferedAmount + frame.length > HIGH_WATER_MARK) {
              full.push(new Promise((resolve) => socket.send(frame, () => resolve())));
            } else socket.send(frame);
          }
          return full.length > 0 ? Promise.all(full) : undefined;
        },
        close: server.close,
      };
    },

    async subscriber({ address, onMessage }) {
      const socket = await connect(address);
      const decoder = new FrameDecoder();
      socket.on("message", (data) =>
        decoder.push(data, (buffer, start, end) => onMessage(buffer.subarray(start + HEADER_BYTES, end))),
      );
      socket.on("error", () => {});
      return { close: () => closeSocket(socket) };
    },
  };
}
