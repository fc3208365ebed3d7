#!/usr/bin/env node
/**
 * The floor under @msg/transport-quic: quiche's native binding (the one `@matrixai/quic` ships) driven
 * directly from Node, with none of the library's JavaScript layer, against raw `node:net` TCP in the
 * same run. Two processes on loopback; the server runs in a child (this script with `--serve quic|tcp`).
 *
 *   pnpm --filter @msg/transport-quic build && node benchmarks/quic-floor.mjs [--quick] [--json FILE]
 *   node benchmarks/quic-floor.mjs --round-trips N   only N QUIC round trips, one JSON line (profiling)
 *
 * What msg-rs needs of QUIC, and nothing more: ALPN `msg`, TLS 1.3 (quiche speaks nothing else), a
 * self-signed ECDSA certificate the client does not verify, one bidirectional stream (id 0), the client
 * speaks first. Per process: one UDP socket, one `Connection`, one Node timer re-armed from
 * `conn.timeout()`; each received datagram goes to `conn.recv`, the stream is read, the answer written,
 * and `conn.send` is drained into `socket.send` once per event-loop turn (so the answer carries the ACK).
 *
 * Measured, each the median of several runs:
 * - round trips/s: the client writes 100 bytes and waits for the 100-byte echo, in a loop;
 * - throughput: the client writes N MiB in 64 KiB writes (as fast as quiche's flow and congestion
 *   control take them) and the server answers with one byte once it has read everything.
 * The TCP side does the same over `node:net` (NODELAY, no framing: fixed sizes).
 * Counted on the client per round trip: UDP datagrams each way, native calls, timers armed.
 */
import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import { writeFileSync } from "node:fs";
import net from "node:net";
import { parseArgs } from "node:util";
import { generateLocalhostCertificate, loadQuicLibrary } from "@msg/transport-quic/internal";
import { bounded, serveSelf } from "./lib/serve-self.mjs";
import { medianSample } from "./lib/stats.mjs";
import { markdownTable } from "./lib/table.mjs";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    "round-trips": { type: "string" },
    json: { type: "string" },
    serve: { type: "string" },
  },
});

const SETTINGS = args.quick
  ? { throughputBytes: 4 << 20, roundTripMs: 500, warmupMs: 100, runs: 1 }
  : { throughputBytes: 32 << 20, roundTripMs: 3000, warmupMs: 500, runs: 3 };
const MESSAGE_SIZE = 100;
const WRITE_SIZE = 64 * 1024;
const ALPN = "msg";
const STREAM = 0;
/** quiche's UDP payload limit in both directions, as @msg/transport-quic's default `initialMtu`. */
const UDP_PAYLOAD = 1460;
const UDP_BUFFER = 4 << 20;
const IDLE_TIMEOUT_MS = 30_000;
/** First byte of a connection: what the server does with it. */
const MODE = { throughput: 0x54 /* T */, echo: 0x45 /* E */ };

const { quiche } = (await loadQuicLibrary()).native;

// ---------------------------------------------------------------------------------------------------
// A QUIC endpoint on quiche's native Connection: one UDP socket, one connection, one timer.

function quicheConfig(certificate) {
  const config = certificate
    ? quiche.Config.withBoringSslCtx(
        false,
        false,
        null,
        [Buffer.from(certificate.key)],
        [Buffer.from(certificate.cert)],
        null,
      )
    : quiche.Config.withBoringSslCtx(false, false, null, null, null, null);
  config.setApplicationProtos([ALPN]);
  config.setMaxIdleTimeout(IDLE_TIMEOUT_MS);
  config.setMaxRecvUdpPayloadSize(UDP_PAYLOAD);
  config.setMaxSendUdpPayloadSize(UDP_PAYLOAD);
  config.setInitialMaxData(10 << 20);
  config.setInitialMaxStreamDataBidiLocal(1 << 20);
  config.setInitialMaxStreamDataBidiRemote(1 << 20);
  config.setInitialMaxStreamDataUni(0);
  config.setInitialMaxStreamsBidi(1);
  config.setInitialMaxStreamsUni(0);
  config.setDisableActiveMigration(true);
  return config;
}

/** Counters of the work done per round trip (client side). */
const counts = { datagramsOut: 0, datagramsIn: 0, nativeCalls: 0, timers: 0 };

/**
 * Drives one native connection over `socket`: `onReadable` is called (at most once per event-loop turn)
 * when the stream has data; `flush()` drains quiche's outgoing packets.
 */
class Endpoint {
  constructor(socket, conn, peer, local) {
    this.socket = socket;
    this.conn = conn;
    this.peer = peer;
    this.recvInfo = { from: peer, to: local };
    this.out = Buffer.allocUnsafe(UDP_PAYLOAD);
    this.timer = undefined;
    this.timerDeadline = Number.POSITIVE_INFINITY;
    this.flushQueued = false;
    this.onReadable = () => {};
    this.onWritable = () => {};
    this.established = false;
    this.onEstablished = () => {};
  }

  receive(datagram) {
    counts.datagramsIn++;
    counts.nativeCalls++;
    this.conn.recv(datagram, this.recvInfo);
    if (!this.established) {
      counts.nativeCalls++;
      if (this.conn.isEstablished()) {
        this.established = true;
        this.onEstablished();
      }
    }
    this.queueFlush();
  }

  queueFlush() {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      this.onReadable();
      this.onWritable();
      this.flush();
    });
  }

  flush() {
    for (;;) {
      counts.nativeCalls++;
      const sent = this.conn.send(this.out);
      if (sent === null) break;
      const [length] = sent;
      // dgram keeps the buffer until the packet is out: hand it a copy.
      counts.datagramsOut++;
      this.socket.send(Buffer.from(this.out.subarray(0, length)), this.peer.port, this.peer.host);
    }
    this.armTimer();
  }

  armTimer() {
    counts.nativeCalls++;
    const timeout = this.conn.timeout();
    if (timeout === null) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.timerDeadline = Number.POSITIVE_INFINITY;
      return;
    }
    const deadline = performance.now() + timeout;
    // Re-armed only when quiche's deadline moved earlier; a late-firing timer re-arms itself.
    if (this.timer !== undefined && deadline >= this.timerDeadline) return;
    clearTimeout(this.timer);
    counts.timers++;
    this.timerDeadline = deadline;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerDeadline = Number.POSITIVE_INFINITY;
      counts.nativeCalls++;
      this.conn.onTimeout();
      this.flush();
    }, timeout + 1);
  }

  /** Reads whatever the stream holds into `buffer`; returns [bytes, fin] or null. */
  read(buffer) {
    counts.nativeCalls++;
    try {
      return this.conn.streamRecv(STREAM, buffer);
    } catch {
      // The stream does not exist yet (the server, before the client's first bytes).
      return null;
    }
  }

  /** Writes as much of `data` as quiche takes now; returns the byte count. */
  write(data, fin = false) {
    counts.nativeCalls++;
    return this.conn.streamSend(STREAM, data, fin) ?? 0;
  }

  close() {
    clearTimeout(this.timer);
    try {
      this.conn.close(true, 0, Buffer.alloc(0));
      this.flush();
    } catch {
      // already closed
    }
    clearTimeout(this.timer);
  }
}

async function udpSocket() {
  const socket = dgram.createSocket({
    type: "udp4",
    recvBufferSize: UDP_BUFFER,
    sendBufferSize: UDP_BUFFER,
  });
  await new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", resolve);
  });
  return socket;
}

/** The server: routes datagrams to connections by destination connection id; accepts new ones. */
async function quicServer() {
  const certificate = await generateLocalhostCertificate();
  const config = quicheConfig(certificate);
  const socket = await udpSocket();
  const local = { host: "127.0.0.1", port: socket.address().port };
  const connections = new Map();
  socket.on("message", (datagram, rinfo) => {
    let header;
    try {
      header = quiche.Header.fromSlice(datagram, quiche.MAX_CONN_ID_LEN);
    } catch {
      return;
    }
    const key = Buffer.from(header.dcid).toString("latin1");
    let endpoint = connections.get(key);
    if (endpoint === undefined) {
      if (header.ty !== quiche.Type.Initial) return;
      const scid = randomBytes(quiche.MAX_CONN_ID_LEN);
      const peer = { host: rinfo.address, port: rinfo.port };
      const conn = quiche.Connection.accept(scid, null, local, peer, config);
      endpoint = new Endpoint(socket, conn, peer, local);
      // The client addresses its later packets to our connection id; its first ones to its own choice.
      connections.set(scid.toString("latin1"), endpoint);
      connections.set(key, endpoint);
      serveConnection(endpoint);
    }
    endpoint.receive(datagram);
  });
  return { port: local.port, close: () => socket.close() };
}

/** What the server does with one connection: echo mode or throughput mode, chosen by the first byte. */
function serveConnection(endpoint) {
  const buffer = Buffer.allocUnsafe(WRITE_SIZE);
  let mode;
  let received = 0;
  const pending = [];
  endpoint.onWritable = () => {
    while (pending.length > 0) {
      const chunk = pending[0];
      const written = endpoint.write(chunk);
      if (written < chunk.length) {
        pending[0] = chunk.subarray(written);
        return;
      }
      pending.shift();
    }
  };
  endpoint.onReadable = () => {
    for (;;) {
      const result = endpoint.read(buffer);
      if (result === null) break;
      let [length] = result;
      let offset = 0;
      if (mode === undefined && length > 0) {
        mode = buffer[0];
        offset = 1;
        length -= 1;
      }
      if (mode === MODE.echo) {
        pending.push(Buffer.from(buffer.subarray(offset, offset + length)));
      } else if (mode === MODE.throughput) {
        received += length;
        if (result[1]) pending.push(Buffer.from([received & 0xff]));
      }
    }
    endpoint.onWritable();
  };
}

/** The client: one connection; resolves once the handshake is done. */
async function quicClient(port) {
  const socket = await udpSocket();
  const local = { host: "127.0.0.1", port: socket.address().port };
  const peer = { host: "127.0.0.1", port };
  const conn = quiche.Connection.connect(
    "localhost",
    randomBytes(quiche.MAX_CONN_ID_LEN),
    local,
    peer,
    quicheConfig(undefined),
  );
  const endpoint = new Endpoint(socket, conn, peer, local);
  socket.on("message", (datagram) => endpoint.receive(datagram));
  const established = new Promise((resolve) => {
    endpoint.onEstablished = resolve;
  });
  endpoint.flush();
  await bounded(established, "QUIC handshake");
  return {
    endpoint,
    close() {
      endpoint.close();
      socket.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Client measurements over the native connection.

/**
 * Counts echoes of sequential round trips: a warm-up, then `SETTINGS.roundTripMs` measured; or, given
 * `limit`, exactly `limit` round trips measured from the first. `echoed(bytes)` is called with each
 * chunk of echo that arrived; it calls `send()` for each completed round trip while the measurement goes
 * on, and `done({ rate, seconds, count })` once, at the end. `onMeasureStart` runs when measuring starts.
 */
function roundTripClock({ limit, send, done, onMeasureStart = () => {} }) {
  let got = 0;
  let count = 0;
  let phase = limit === undefined ? "warmup" : "measure";
  let started = performance.now();
  let finished = false;
  return (bytes) => {
    got += bytes;
    while (got >= MESSAGE_SIZE && !finished) {
      got -= MESSAGE_SIZE;
      count++;
      const now = performance.now();
      if (phase === "warmup" && now - started >= SETTINGS.warmupMs) {
        phase = "measure";
        started = now;
        count = 0;
        onMeasureStart();
      } else if (
        phase === "measure" &&
        (limit === undefined ? now - started >= SETTINGS.roundTripMs : count >= limit)
      ) {
        finished = true;
        done({ rate: count / ((now - started) / 1000), count });
        return;
      }
      send();
    }
  };
}

/** Sequential QUIC round trips (see roundTripClock), with counts per round trip. */
async function quicRoundTrips(port, limit) {
  const client = await quicClient(port);
  const { endpoint } = client;
  const message = randomBytes(MESSAGE_SIZE);
  const buffer = Buffer.allocUnsafe(WRITE_SIZE);
  let before = { ...counts };
  const done = new Promise((resolve) => {
    const send = () => {
      endpoint.write(message);
      endpoint.queueFlush();
    };
    const echoed = roundTripClock({
      limit,
      send,
      onMeasureStart: () => {
        before = { ...counts };
      },
      done: ({ rate, count }) => {
        const per = (key) => (counts[key] - before[key]) / count;
        resolve({
          rate,
          perRoundTrip: {
            datagramsOut: per("datagramsOut"),
            datagramsIn: per("datagramsIn"),
            nativeCalls: per("nativeCalls"),
            timers: per("timers"),
          },
        });
      },
    });
    endpoint.onReadable = () => {
      for (;;) {
        const result = endpoint.read(buffer);
        if (result === null) break;
        echoed(result[0]);
      }
    };
    endpoint.write(Buffer.from([MODE.echo]));
    send();
  });
  try {
    return await done;
  } finally {
    client.close();
  }
}

async function quicThroughput(port) {
  const client = await quicClient(port);
  const { endpoint } = client;
  const chunk = randomBytes(WRITE_SIZE);
  let remaining = SETTINGS.throughputBytes;
  let offset = 0;
  const started = performance.now();
  const done = new Promise((resolve) => {
    endpoint.onWritable = () => {
      while (remaining > 0) {
        const length = Math.min(remaining, WRITE_SIZE - offset);
        const written = endpoint.write(chunk.subarray(offset, offset + length), remaining === length);
        remaining -= written;
        offset = (offset + written) % WRITE_SIZE;
        if (written < length) return;
      }
    };
    const buffer = Buffer.allocUnsafe(64);
    endpoint.onReadable = () => {
      if (endpoint.read(buffer) !== null) resolve();
    };
  });
  endpoint.write(Buffer.from([MODE.throughput]));
  endpoint.queueFlush();
  await bounded(done, "QUIC throughput");
  const seconds = (performance.now() - started) / 1000;
  client.close();
  return SETTINGS.throughputBytes / seconds / 1e6;
}

// ---------------------------------------------------------------------------------------------------
// TCP: the same two measurements over node:net.

function tcpServer() {
  const server = net.createServer({ noDelay: true }, (socket) => {
    let mode;
    let received = 0;
    socket.on("data", (data) => {
      let payload = data;
      if (mode === undefined) {
        mode = data[0];
        payload = data.subarray(1);
      }
      if (mode === MODE.echo) socket.write(payload);
      else received += payload.length;
    });
    socket.on("end", () => socket.end(Buffer.from([received & 0xff])));
    socket.on("error", () => {});
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () =>
      resolve({ port: server.address().port, close: () => server.close() }),
    );
  });
}

function tcpConnect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1", noDelay: true }, () => resolve(socket));
    socket.once("error", reject);
  });
}

async function tcpRoundTrips(port) {
  const socket = await tcpConnect(port);
  const message = randomBytes(MESSAGE_SIZE);
  const rate = await new Promise((resolve) => {
    const echoed = roundTripClock({
      send: () => socket.write(message),
      done: ({ rate }) => resolve(rate),
    });
    socket.on("data", (data) => echoed(data.length));
    socket.write(Buffer.from([MODE.echo]));
    socket.write(message);
  });
  socket.destroy();
  return { rate };
}

async function tcpThroughput(port) {
  const socket = await tcpConnect(port);
  const chunk = randomBytes(WRITE_SIZE);
  const started = performance.now();
  const answered = new Promise((resolve) => socket.once("data", resolve));
  socket.write(Buffer.from([MODE.throughput]));
  for (let sent = 0; sent < SETTINGS.throughputBytes; sent += WRITE_SIZE) {
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once("drain", resolve));
  }
  socket.end();
  await bounded(answered, "TCP throughput");
  const seconds = (performance.now() - started) / 1000;
  socket.destroy();
  return SETTINGS.throughputBytes / seconds / 1e6;
}

// ---------------------------------------------------------------------------------------------------
// Parent: runs both sides and reports.

const SIDES = {
  quic: { roundTrips: quicRoundTrips, throughput: quicThroughput },
  tcp: { roundTrips: tcpRoundTrips, throughput: tcpThroughput },
};

async function main() {
  const results = {};
  for (const side of Object.keys(SIDES)) {
    process.stderr.write(`[quic-floor] ${side}: starting server process\n`);
    const server = await serveSelf(side);
    try {
      const throughputs = [];
      const roundTrips = [];
      let perRoundTrip;
      for (let run = 0; run < SETTINGS.runs; run++) {
        throughputs.push(await bounded(SIDES[side].throughput(server.port), `${side} throughput`));
      }
      for (let run = 0; run < SETTINGS.runs; run++) {
        const result = await bounded(SIDES[side].roundTrips(server.port), `${side} round trips`);
        roundTrips.push(result.rate);
        perRoundTrip ??= result.perRoundTrip;
      }
      results[side] = {
        throughputMBps: medianSample(throughputs),
        roundTripsPerSec: medianSample(roundTrips),
        ...(perRoundTrip ? { perRoundTrip } : {}),
      };
      process.stderr.write(`[quic-floor] ${side}: ${JSON.stringify(results[side])}\n`);
    } finally {
      server.stop();
    }
  }
  report(results);
}

function report(results) {
  const { quic, tcp } = results;
  const row = (label, key, digits) => [
    label,
    quic[key].toFixed(digits),
    tcp[key].toFixed(digits),
    `${(quic[key] / tcp[key]).toFixed(3)}×`,
  ];
  const table = markdownTable(
    ["two processes, loopback", "quiche native binding", "node:net TCP", "QUIC / TCP"],
    [
      row(`throughput, MB/s (${WRITE_SIZE / 1024} KiB writes)`, "throughputMBps", 2),
      row(`round trips/s (${MESSAGE_SIZE} B)`, "roundTripsPerSec", 0),
    ],
    ["l", "r", "r", "r"],
  );
  const per = quic.perRoundTrip;
  const runs = SETTINGS.runs === 1 ? "one run" : `median of ${SETTINGS.runs} runs`;
  process.stdout.write(
    `## QUIC floor: quiche's native binding driven directly vs TCP\n\n${table}\n\n` +
      `${SETTINGS.throughputBytes >> 20} MiB per throughput run, ${SETTINGS.roundTripMs} ms of round trips ` +
      `after ${SETTINGS.warmupMs} ms warm-up; ${runs}${args.quick ? " (--quick)" : ""}. ` +
      `Client, per round trip: ${per.datagramsOut.toFixed(2)} datagrams out, ${per.datagramsIn.toFixed(2)} in, ` +
      `${per.nativeCalls.toFixed(1)} native calls, ${per.timers.toFixed(2)} timers armed.\n`,
  );
  if (args.json) writeFileSync(args.json, `${JSON.stringify({ settings: SETTINGS, results }, null, 2)}\n`);
}

if (args.serve) {
  const server = args.serve === "quic" ? await quicServer() : await tcpServer();
  process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
  process.on("SIGTERM", () => {
    server.close();
    process.exit(0);
  });
} else if (args["round-trips"]) {
  // Only QUIC round trips, a fixed number of them (for profiles and counts).
  const server = await serveSelf("quic");
  try {
    const result = await bounded(
      quicRoundTrips(server.port, Number(args["round-trips"])),
      "QUIC round trips",
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    server.stop();
  }
} else {
  await main();
}
