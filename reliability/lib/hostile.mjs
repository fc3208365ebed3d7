/** Hostile peers for the scenarios: raw TCP connections that send what no msg socket would. */
import * as net from "node:net";
import { createCompressor, encodeReqRep, REQREP_HEADER_SIZE, writeReqRepHeader } from "@msg/wire";

/** Opens `count` raw connections to `address` (host:port), `concurrency` at a time, and hands each to `act`. */
export async function rawConnections(address, count, act, concurrency = 200) {
  const port = Number(address.split(":").pop());
  const sockets = [];
  for (let started = 0; started < count; started += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, count - started) }, async () => {
      const socket = net.connect(port, "127.0.0.1");
      socket.on("error", () => {});
      await new Promise((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("error", reject);
      });
      sockets.push(socket);
      act(socket);
    });
    await Promise.all(batch);
  }
  return {
    sockets,
    destroy: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** A req/rep header declaring `size` payload bytes. */
export function reqRepHeader(size, compression = 0, id = 1) {
  const header = Buffer.alloc(REQREP_HEADER_SIZE);
  writeReqRepHeader(header, 0, compression, id, size);
  return header;
}

/**
 * A zstd frame of `blocks` RLE blocks of 128 KiB each (4 bytes per block, no content size), followed by
 * `trailing` junk bytes: 8190 blocks are 1 GiB of output in 32 KiB.
 */
export function zstdRleBomb(blocks = 8190, trailing = 4) {
  const out = Buffer.alloc(6 + blocks * 4 + trailing, 0xee);
  out.set([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38]); // magic, no content size, 128 KiB window
  for (let i = 0; i < blocks; i++) {
    const header = (i === blocks - 1 ? 1 : 0) | (1 << 1) | ((128 * 1024) << 3);
    out.set([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, 0x41], 6 + i * 4);
  }
  return out;
}

/** How each kind of bomb is made: its compression id and a payload decompressing to more than `limit`. */
const BOMBS = {
  gzip: async (limit) => [1, await zeros("gzip", limit)],
  zstd: async (limit) => [2, await zeros("zstd", limit)],
  "zstd + junk": async (limit) => [
    2,
    Buffer.concat([await zeros("zstd", limit), Buffer.from([0xde, 0xad, 0xbe, 0xef])]),
  ],
  "zstd RLE 1 GiB + junk": async () => [2, zstdRleBomb()],
  snappy: async (limit) => [3, await zeros("snappy", limit)],
  "snappy declaring 4 GiB": async () => [3, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00])],
  lz4: async (limit) => [4, await zeros("lz4", limit)],
  "lz4 declaring 4 GiB": async () => [4, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00])],
};

export const BOMB_KINDS = Object.keys(BOMBS);

/** `limit` + 16 MiB of zeros compressed with `codec` (within the default 16 MiB maxFrameSize for each). */
async function zeros(codec, limit) {
  return Buffer.from(await createCompressor(codec).compress(new Uint8Array(limit + 16 * 1024 * 1024)));
}

/** One bomb (see BOMB_KINDS), as { compression, payload, frame } with `frame` a req/rep request. */
export async function bomb(kind, limit) {
  const [compression, payload] = await BOMBS[kind](limit);
  return { compression, payload, frame: encodeReqRep({ compression, id: 1, payload }) };
}

/** Every kind of bomb, by name. */
export async function bombFrames(limit) {
  const all = {};
  for (const kind of BOMB_KINDS) all[kind] = await bomb(kind, limit);
  return all;
}
