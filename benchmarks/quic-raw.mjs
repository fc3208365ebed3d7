#!/usr/bin/env node
/**
 * QUIC on loopback, two processes: the `@matrixai/quic` library through its own API (WHATWG streams)
 * against `@msg/transport-quic` (its own engine on the same library's native quiche binding, behind
 * core's Connection), msg's Req/Rep sockets over that transport, and the same sockets over TCP, measured
 * in the same run.
 *
 *   pnpm --filter @msg/transport-quic build && node benchmarks/quic-raw.mjs [--quick] [--json FILE]
 *
 * Two numbers per side, each the median of several runs:
 * - throughput: one connection sends N MiB in 64 KiB writes, then ends; the server answers with the
 *   byte count once it has read everything. MB/s = N / (first write → answer).
 * - round trips/s: one connection sends 100 bytes and waits for the 100-byte echo, in a loop.
 * For the sockets, throughput is 64 KiB requests (16 in flight) each answered with a 1-byte ack, and
 * round trips are sequential 100-byte requests echoed by a RepSocket; `tcp` runs the same over TCP, the
 * baseline of the QUIC/TCP ratio.
 * The raw side uses the transport's settings (its defaults), the certificate it generates (from
 * `@msg/transport-quic/internal`) and the crypto callbacks the library asks for (below); it leaves the
 * UDP socket buffers at the system's size.
 * The server runs in a child process (this script with `--serve raw|transport|sockets|tcp`).
 */
import { createHmac, randomBytes, randomFillSync, timingSafeEqual } from "node:crypto";
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { RepSocket, ReqSocket } from "@msg/socket";
import { QuicTransport, quicDefaults } from "@msg/transport-quic";
import { generateLocalhostCertificate, loadQuicLibrary } from "@msg/transport-quic/internal";
import { TcpTransport } from "@msg/transport-tcp";
import { bounded, CALL_TIMEOUT_MS, serveSelf } from "./lib/serve-self.mjs";
import { medianSample } from "./lib/stats.mjs";
import { markdownTable } from "./lib/table.mjs";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "string" },
    serve: { type: "string" },
  },
});

const SETTINGS = args.quick
  ? { throughputBytes: 1 << 20, roundTripMs: 500, warmupMs: 100, runs: 1 }
  : { throughputBytes: 8 << 20, roundTripMs: 3000, warmupMs: 500, runs: 3 };
const WRITE_SIZE = 64 * 1024;
const MESSAGE_SIZE = 100;
/** First byte of a connection: what the server does with it. */
const MODE = { throughput: 0x54 /* T */, echo: 0x45 /* E */ };
/** Library settings shared by both sides: @msg/transport-quic's defaults, in the library's terms. */
const LIBRARY_CONFIG = {
  applicationProtos: [quicDefaults.alpn],
  keepAliveIntervalTime: quicDefaults.keepAliveInterval,
  maxIdleTimeout: quicDefaults.idleTimeout,
  maxSendUdpPayloadSize: quicDefaults.initialMtu,
  readableChunkSize: quicDefaults.readChunkSize,
  initialMaxStreamsUni: 0,
};
/** The library's crypto callbacks: random connection ids (client), HMAC-signed retry tokens (server). */
const clientCrypto = { ops: { randomBytes: async (data) => void randomFillSync(bytesOf(data)) } };
function serverCrypto() {
  const key = randomBytes(32);
  const hmac = (secret, data) => createHmac("sha256", bytesOf(secret)).update(bytesOf(data)).digest();
  return {
    key: key.buffer.slice(key.byteOffset, key.byteOffset + key.byteLength),
    ops: {
      sign: async (secret, data) => {
        const mac = hmac(secret, data);
        return mac.buffer.slice(mac.byteOffset, mac.byteOffset + mac.byteLength);
      },
      verify: async (secret, data, signature) => {
        const expected = hmac(secret, data);
        const given = bytesOf(signature);
        return given.byteLength === expected.byteLength && timingSafeEqual(expected, given);
      },
    },
  };
}
/** The library passes ArrayBuffers, or typed arrays where it says ArrayBuffer. */
const bytesOf = (data) =>
  ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
/** The sides measured, in order, and the transport each socket side runs on. */
const SIDES = ["raw", "transport", "sockets", "tcp"];
const socketTransport = (side) => (side === "tcp" ? new TcpTransport() : new QuicTransport());

// ---------------------------------------------------------------------------------------------------
// Parent: the client side and the report.

async function main() {
  const results = {};
  for (const side of SIDES) {
    process.stderr.write(`[quic-raw] ${side}: starting server process\n`);
    const server = await serveSelf(side);
    try {
      const client =
        side === "raw"
          ? await rawClient()
          : side === "transport"
            ? transportClient()
            : socketsClient(() => socketTransport(side));
      const throughputs = [];
      for (let run = 0; run < SETTINGS.runs; run++) {
        throughputs.push(await bounded(client.throughput(server.port), `${side} throughput`));
      }
      const roundTrips = [];
      for (let run = 0; run < SETTINGS.runs; run++) {
        roundTrips.push(await bounded(client.roundTrips(server.port), `${side} round trips`));
      }
      results[side] = {
        throughputMBps: medianSample(throughputs),
        roundTripsPerSec: medianSample(roundTrips),
      };
      process.stderr.write(`[quic-raw] ${side}: ${JSON.stringify(results[side])}\n`);
    } finally {
      server.stop();
    }
  }
  report(results);
}

function report(results) {
  const row = (label, key, digits) => {
    const raw = results.raw[key];
    const transport = results.transport[key];
    const sockets = results.sockets[key];
    const tcp = results.tcp[key];
    const ratio = (value, base, places = 2) => `${(value / base).toFixed(places)}×`;
    return [
      label,
      raw.toFixed(digits),
      transport.toFixed(digits),
      ratio(transport, raw),
      sockets.toFixed(digits),
      ratio(sockets, raw),
      tcp.toFixed(digits),
      ratio(sockets, tcp, 3),
    ];
  };
  const table = markdownTable(
    [
      "QUIC, two processes, loopback",
      "raw @matrixai/quic",
      "@msg/transport-quic",
      "vs raw",
      "Req/Rep sockets",
      "vs raw",
      "Req/Rep over TCP",
      "QUIC vs TCP sockets",
    ],
    [
      row(`throughput, MB/s (${WRITE_SIZE / 1024} KiB writes)`, "throughputMBps", 2),
      row(`round trips/s (${MESSAGE_SIZE} B)`, "roundTripsPerSec", 0),
    ],
    ["l", "r", "r", "r", "r", "r", "r", "r"],
  );
  const runs = SETTINGS.runs === 1 ? "one run" : `median of ${SETTINGS.runs} runs`;
  process.stdout.write(
    `## QUIC: raw library vs transport vs TCP\n\n${table}\n\n` +
      `${SETTINGS.throughputBytes >> 20} MiB per throughput run, ${SETTINGS.roundTripMs} ms of round trips ` +
      `after ${SETTINGS.warmupMs} ms warm-up; ${runs}${args.quick ? " (--quick)" : ""}.\n`,
  );
  if (args.json) writeFileSync(args.json, `${JSON.stringify({ settings: SETTINGS, results }, null, 2)}\n`);
}

/** A client over the library's own API. */
async function rawClient() {
  const lib = await loadQuicLibrary();
  const connect = async (port, mode) => {
    const client = await lib.QUICClient.createQUICClient({
      host: "127.0.0.1",
      port,
      localHost: "127.0.0.1",
      crypto: clientCrypto,
      config: { ...LIBRARY_CONFIG, verifyPeer: false },
      logger: silentLogger,
    });
    const stream = client.connection.newStream("bidi");
    const writer = stream.writable.getWriter();
    const reader = stream.readable.getReader();
    await writer.write(Uint8Array.of(mode));
    const readBytes = async (count) => {
      let have = 0;
      while (have < count) {
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended early");
        have += value.byteLength;
      }
    };
    return { client, writer, readBytes };
  };
  return {
    async throughput(port) {
      const { client, writer, readBytes } = await connect(port, MODE.throughput);
      const chunk = randomBytes(WRITE_SIZE);
      const started = performance.now();
      for (let sent = 0; sent < SETTINGS.throughputBytes; sent += WRITE_SIZE) {
        await writer.ready;
        writer.write(chunk).catch(() => {});
      }
      await writer.close();
      await readBytes(8);
      const seconds = (performance.now() - started) / 1000;
      await client.destroy({ force: true });
      return SETTINGS.throughputBytes / 1e6 / seconds;
    },
    async roundTrips(port) {
      const { client, writer, readBytes } = await connect(port, MODE.echo);
      const message = randomBytes(MESSAGE_SIZE);
      const rate = await roundTripRate(async () => {
        await writer.write(message);
        await readBytes(MESSAGE_SIZE);
      });
      await client.destroy({ force: true });
      return rate;
    },
  };
}

/** A client over @msg/transport-quic's Connection. */
function transportClient() {
  const transport = new QuicTransport();
  const connect = async (port, mode) => {
    const connection = await transport.connect(`127.0.0.1:${port}`);
    let have = 0;
    let want = 0;
    let wake;
    let drained;
    connection.setHandler({
      onData(chunk) {
        have += chunk.byteLength;
        if (wake && have >= want) wake();
      },
      onDrain: () => drained?.(),
      onClose() {},
    });
    connection.write(Uint8Array.of(mode));
    const readBytes = (count) =>
      new Promise((resolve) => {
        want = count;
        wake = () => {
          wake = undefined;
          have -= count;
          resolve();
        };
        if (have >= want) wake();
      });
    const whenDrained = () => new Promise((resolve) => (drained = resolve));
    return { connection, readBytes, whenDrained };
  };
  return {
    async throughput(port) {
      const { connection, readBytes, whenDrained } = await connect(port, MODE.throughput);
      const chunk = randomBytes(WRITE_SIZE);
      const started = performance.now();
      for (let sent = 0; sent < SETTINGS.throughputBytes; sent += WRITE_SIZE) {
        if (!connection.write(chunk)) await whenDrained();
      }
      connection.end();
      await readBytes(8);
      const seconds = (performance.now() - started) / 1000;
      connection.destroy();
      return SETTINGS.throughputBytes / 1e6 / seconds;
    },
    async roundTrips(port) {
      const { connection, readBytes } = await connect(port, MODE.echo);
      const message = randomBytes(MESSAGE_SIZE);
      const rate = await roundTripRate(async () => {
        connection.write(message);
        await readBytes(MESSAGE_SIZE);
      });
      connection.destroy();
      return rate;
    },
  };
}

/** A client over msg's ReqSocket: the whole socket stack on top of the transport `makeTransport` gives. */
function socketsClient(makeTransport) {
  const connect = async (port) => {
    const req = new ReqSocket(makeTransport(), { timeout: CALL_TIMEOUT_MS });
    await req.connect(`127.0.0.1:${port}`);
    return req;
  };
  return {
    async throughput(port) {
      const req = await connect(port);
      const chunk = randomBytes(WRITE_SIZE);
      let sent = 0;
      const started = performance.now();
      const worker = async () => {
        while (sent < SETTINGS.throughputBytes) {
          sent += WRITE_SIZE;
          await req.request(chunk);
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
      const seconds = (performance.now() - started) / 1000;
      await req.close();
      return SETTINGS.throughputBytes / 1e6 / seconds;
    },
    async roundTrips(port) {
      const req = await connect(port);
      const message = randomBytes(MESSAGE_SIZE);
      const rate = await roundTripRate(() => req.request(message));
      await req.close();
      return rate;
    },
  };
}

/** Round trips per second of `roundTrip`, awaited one at a time, after a warm-up. */
async function roundTripRate(roundTrip) {
  const until = async (ms) => {
    let count = 0;
    const started = performance.now();
    while (performance.now() - started < ms) {
      await roundTrip();
      count++;
    }
    return count / ((performance.now() - started) / 1000);
  };
  await until(SETTINGS.warmupMs);
  return until(SETTINGS.roundTripMs);
}

// ---------------------------------------------------------------------------------------------------
// Child: the server side. Prints {"port":N} on stdout once listening; killed by the parent.

async function serve(side) {
  const port =
    side === "raw"
      ? await serveRaw()
      : side === "transport"
        ? await serveTransport()
        : await serveSockets(socketTransport(side));
  process.stdout.write(`${JSON.stringify({ port })}\n`);
}

/** What the server does with one connection's bytes, by its first byte. */
function serverSession(write, end) {
  let mode;
  let received = 0;
  return {
    data(chunk) {
      if (mode === undefined) {
        mode = chunk[0];
        chunk = chunk.subarray(1);
      }
      received += chunk.byteLength;
      if (mode === MODE.echo && chunk.byteLength > 0) write(chunk);
    },
    end() {
      if (mode === MODE.throughput) {
        const count = Buffer.alloc(8);
        count.writeBigUInt64BE(BigInt(received));
        write(count);
      }
      end();
    },
  };
}

async function serveRaw() {
  const lib = await loadQuicLibrary();
  const { cert, key } = await generateLocalhostCertificate();
  const server = new lib.QUICServer({
    crypto: serverCrypto(),
    config: { ...LIBRARY_CONFIG, key, cert, verifyPeer: false },
    logger: silentLogger,
  });
  server.addEventListener(lib.events.EventQUICServerConnection.name, (event) => {
    event.detail.addEventListener(lib.events.EventQUICConnectionStream.name, async (streamEvent) => {
      const stream = streamEvent.detail;
      const writer = stream.writable.getWriter();
      const session = serverSession(
        (bytes) => writer.write(Buffer.from(bytes)).catch(() => {}),
        () => writer.close().catch(() => {}),
      );
      try {
        for await (const chunk of stream.readable) session.data(chunk);
        session.end();
      } catch {
        // The client went away.
      }
    });
  });
  await server.start({ host: "127.0.0.1", port: 0 });
  return server.port;
}

async function serveTransport() {
  const transport = new QuicTransport();
  const listener = await transport.bind("127.0.0.1:0", async (pending) => {
    const connection = await pending.accept().catch(() => undefined);
    if (!connection) return;
    const session = serverSession(
      (bytes) => connection.write(Buffer.from(bytes)),
      () => connection.end(),
    );
    connection.setHandler({
      onData: (chunk) => session.data(chunk),
      onEnd: () => session.end(),
      onClose() {},
    });
  });
  return Number(listener.localAddress.split(":").pop());
}

/** A RepSocket: echoes small requests, acknowledges large ones with one byte (throughput runs). */
async function serveSockets(transport) {
  const rep = new RepSocket(transport);
  const address = await rep.bind("127.0.0.1:0");
  const ack = Uint8Array.of(1);
  (async () => {
    for await (const request of rep)
      request.respond(request.payload.byteLength > MESSAGE_SIZE ? ack : request.payload);
  })();
  return Number(address.split(":").pop());
}

/** The library logs at INFO to stderr by default. */
const silentLogger = { getChild: () => silentLogger, debug() {}, info() {}, warn() {}, error() {} };

if (args.serve) await serve(args.serve);
else await main();
