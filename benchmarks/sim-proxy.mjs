#!/usr/bin/env node
/**
 * `msg sim proxy` on loopback: what the standalone proxy costs with no impairment, and how closely it
 * delivers the impairment it is asked for. Three processes: this script (the client), a server (this
 * script with `--serve`), and the real `msg sim proxy` command between them.
 *
 *   node scripts/run.mjs build && node benchmarks/sim-proxy.mjs [--quick] [--json FILE]
 *     [--only overhead|fidelity] [--cases rtt,mbps,dgps] [--native-relay] [--profile DIR]
 *
 * `--profile DIR` runs every `msg sim proxy` under `node --cpu-prof` and leaves the profiles in DIR.
 * `--native-relay` adds a baseline: the C relay of native-relay.c (compiled with `cc`), the cost of a
 * third process that is not Node.
 *
 * Overhead (no impairment): direct, through a bare relay process in Node (`pipe()` for TCP, a connected
 * socket for UDP) and through the proxy, back to back per case and run; the ratios reported are
 * medians of each run's ratios (5 runs; --quick: 1):
 * - sequential round trips: one TCP connection sends 100 bytes and waits for the echo, in a loop;
 * - throughput: one TCP connection writes N MiB in 64 KiB writes; the server answers with the byte
 *   count once it has everything; MB/s = N / (first write → answer). N is 256 (--quick: 64): at 1-3
 *   GB/s direct, the 32 MiB of earlier versions took 10-30 ms, too short to tell a steady rate from
 *   the filling of socket buffers and one scheduler hiccup;
 * - UDP: 64-byte datagrams through `--udp`, at most 2048 unacknowledged (the server acknowledges every
 *   256 over its IPC channel), so no socket buffer overflows; datagrams/s received by the server. The
 *   sender's socket is connected and the server only counts here (the fidelity cases check every
 *   datagram), so neither end spends on the datagram more than it must: what is measured is the path.
 * Fidelity (the issue's acceptance figures):
 * - latency: `--latency 20` each way, ≥ 200 sequential round trips; expected mean = 40 ms + direct RTT;
 * - rate: `--rate 16mbit --direction up`, 3 MiB sent; the server times the bytes after the first
 *   512 KiB (the token bucket lets a burst through first);
 * - UDP over 100k datagrams each (paced at 10k/s): `--loss 10`, `--duplicate 100`, `--corrupt 5`,
 *   `--reorder 25 --gap 5 --latency 10`, counted by the server and compared with the proxy's counters.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createSocket } from "node:dgram";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { cpuNs } from "./lib/cpu-time.mjs";
import { medianSample } from "./lib/stats.mjs";
import { markdownTable } from "./lib/table.mjs";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "string" },
    serve: { type: "boolean", default: false },
    only: { type: "string" },
    cases: { type: "string", default: "rtt,mbps,dgps" },
    profile: { type: "string" },
    "native-relay": { type: "boolean", default: false },
  },
});

if (args.only !== undefined && args.only !== "overhead" && args.only !== "fidelity") {
  throw new Error(`--only takes overhead or fidelity, got ${args.only}`);
}
const SETTINGS = args.quick
  ? {
      roundTrips: 500,
      throughputBytes: 64 << 20,
      udpDatagrams: 50_000,
      latencyRounds: 200,
      fidelityDatagrams: 100_000,
      runs: 1,
    }
  : {
      roundTrips: 3000,
      throughputBytes: 256 << 20,
      udpDatagrams: 200_000,
      latencyRounds: 300,
      fidelityDatagrams: 100_000,
      runs: 5,
    };
const WRITE_SIZE = 64 * 1024;
const MESSAGE_SIZE = 100;
const DATAGRAM_SIZE = 64;
const UDP_WINDOW = 2048;
const UDP_ACK_EVERY = 256;
const CALL_TIMEOUT_MS = 120_000;
/** First byte of a TCP connection: what the server does with it. */
const MODE = { echo: 0x45 /* E */, sink: 0x54 /* T */, rate: 0x52 /* R */ };
const msgBin = join(
  dirname(createRequire(import.meta.url).resolve("@msg/msg/package.json")),
  "bin",
  "msg.js",
);

/** Child processes still running, killed when the script ends, even after a failure. */
const children = new Set();
function track(child) {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

// ---------------------------------------------------------------------------------------------------
// Server process: a TCP echo / sink and a UDP sink, reporting over the IPC channel.

async function serve() {
  const tcp = createServer({ noDelay: true }, (socket) => {
    let mode;
    let count = 0;
    let markAt;
    socket.on("data", (chunk) => {
      if (mode === undefined) {
        mode = chunk[0];
        chunk = chunk.subarray(1);
      }
      if (mode === MODE.echo) {
        socket.write(chunk);
        return;
      }
      count += chunk.length;
      if (mode === MODE.rate && markAt === undefined && count >= 512 << 10)
        markAt = [performance.now(), count];
    });
    socket.on("end", () => {
      if (mode === MODE.sink) socket.end(`${count}`);
      if (mode === MODE.rate) {
        const [startedAt, from] = markAt;
        socket.end(JSON.stringify({ bytes: count - from, ms: performance.now() - startedAt }));
      }
    });
    socket.on("error", () => {});
  });
  tcp.listen(0, "127.0.0.1");
  await once(tcp, "listening");

  const udp = createSocket({ type: "udp4", recvBufferSize: 4 << 20 });
  udp.bind(0, "127.0.0.1");
  await once(udp, "listening");
  // A second sink for the overhead case only counts, so its cost per datagram is the least possible.
  const counter = createSocket({ type: "udp4", recvBufferSize: 4 << 20 });
  counter.bind(0, "127.0.0.1");
  await once(counter, "listening");
  let counted = 0;
  counter.on("message", () => {
    if (++counted % UDP_ACK_EVERY === 0) process.send({ ack: counted });
  });
  let tally = freshTally();
  udp.on("message", (packet) => {
    tally.received++;
    const seq = packet.readUInt32BE(0);
    if (!datagram(seq).equals(packet)) tally.damaged++;
    else {
      if (seq < tally.highest) tally.overtakers++;
      tally.highest = Math.max(tally.highest, seq);
      if (tally.seen.has(seq)) tally.duplicates++;
      else tally.seen.add(seq);
    }
  });
  process.on("message", (message) => {
    if (message === "tally") {
      const { seen, ...counts } = tally;
      process.send({ tally: counts });
      tally = freshTally();
    }
    if (message === "recount") {
      counted = 0;
      process.send({ recounted: true });
    }
  });
  process.send({
    ready: { tcp: tcp.address().port, udp: udp.address().port, udpCount: counter.address().port },
  });
}

function freshTally() {
  return { received: 0, damaged: 0, duplicates: 0, overtakers: 0, highest: -1, seen: new Set() };
}

/** A datagram carrying its sequence number and a hash of it, so a flipped bit is always detected. */
function datagram(seq) {
  const packet = Buffer.alloc(DATAGRAM_SIZE);
  packet.writeUInt32BE(seq, 0);
  createHash("sha256").update(packet.subarray(0, 4)).digest().copy(packet, 4);
  return packet;
}

// ---------------------------------------------------------------------------------------------------
// Parent: the client, the proxies, the report.

function bounded(promise, what, ms = CALL_TIMEOUT_MS) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no result after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function startServer() {
  const child = track(
    spawn(process.execPath, [fileURLToPath(import.meta.url), "--serve"], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }),
  );
  const [message] = await bounded(once(child, "message"), "server start", 15_000);
  const waiters = new Set();
  let acked = 0;
  child.on("message", (m) => {
    if (m.ack !== undefined) acked = m.ack;
    for (const waiter of waiters) waiter(m);
  });
  return {
    ...message.ready,
    get acked() {
      return acked;
    },
    /** Resolves with the next message `pick` accepts. */
    next(pick) {
      return new Promise((resolve) => {
        const waiter = (m) => {
          const value = pick(m);
          if (value !== undefined) {
            waiters.delete(waiter);
            resolve(value);
          }
        };
        waiters.add(waiter);
      });
    },
    async tally() {
      const result = this.next((m) => m.tally);
      child.send("tally");
      return bounded(result, "server tally");
    },
    /** Zeroes the counting sink (and what this side last heard from it). */
    async recount() {
      const done = this.next((m) => m.recounted);
      child.send("recount");
      await bounded(done, "server recount");
      acked = 0;
    },
    close: () => child.kill(),
  };
}

/** Starts `msg sim proxy FLAGS`; resolves once it prints its ready event. */
async function startProxy(flags) {
  const profile = args.profile ? ["--cpu-prof", "--cpu-prof-dir", args.profile] : [];
  const child = track(
    spawn(
      process.execPath,
      [...profile, msgBin, "sim", "proxy", "--listen", "127.0.0.1:0", "--json", ...flags],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    ),
  );
  const lines = createInterface({ input: child.stdout });
  const events = [];
  let wake = () => {};
  lines.on("line", (line) => {
    events.push(JSON.parse(line));
    wake();
  });
  const next = (name) =>
    bounded(
      new Promise((resolve) => {
        const check = () => {
          const found = events.find((e) => e.event === name);
          if (found) resolve(found);
        };
        wake = check;
        check();
      }),
      `msg sim proxy: ${name} event`,
      20_000,
    );
  const ready = await next("ready");
  return {
    port: Number(ready.address.split(":").pop()),
    pid: child.pid,
    /** Stops the proxy with SIGTERM; resolves with its done event (the counters). */
    async stop() {
      child.kill("SIGTERM");
      return next("done");
    },
  };
}

async function tcpConnect(port, mode) {
  const socket = connect({ host: "127.0.0.1", port, noDelay: true });
  await once(socket, "connect");
  socket.write(Buffer.from([mode]));
  return socket;
}

/** Reads until `bytes` more bytes arrived. */
function readExactly(socket, bytes) {
  return new Promise((resolve, reject) => {
    let have = 0;
    const onData = (chunk) => {
      have += chunk.length;
      if (have >= bytes) {
        socket.off("data", onData);
        socket.off("error", reject);
        resolve();
      }
    };
    socket.on("data", onData);
    socket.once("error", reject);
  });
}

async function roundTrips(port, count) {
  const socket = await tcpConnect(port, MODE.echo);
  const message = Buffer.alloc(MESSAGE_SIZE, 1);
  for (let i = 0; i < 50; i++) {
    socket.write(message);
    await readExactly(socket, MESSAGE_SIZE);
  }
  const times = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const sent = performance.now();
    socket.write(message);
    await readExactly(socket, MESSAGE_SIZE);
    times.push(performance.now() - sent);
  }
  const elapsedMs = performance.now() - started;
  socket.destroy();
  return { perSec: (count / elapsedMs) * 1000, meanMs: elapsedMs / count, medianMs: medianSample(times) };
}

/** Writes `total` bytes in 64 KiB writes (respecting backpressure); the server answers with its count. */
async function send(port, total, mode) {
  const socket = await tcpConnect(port, mode);
  const chunk = Buffer.alloc(WRITE_SIZE, 2);
  const reply = [];
  socket.on("data", (data) => reply.push(data));
  const closed = once(socket, "end");
  const started = performance.now();
  for (let sent = 0; sent < total; sent += WRITE_SIZE) {
    if (!socket.write(chunk)) await once(socket, "drain");
  }
  socket.end();
  await closed;
  const elapsedMs = performance.now() - started;
  socket.destroy();
  return { text: Buffer.concat(reply).toString(), elapsedMs };
}

async function throughput(port, total) {
  const { text, elapsedMs } = await send(port, total, MODE.sink);
  if (Number(text) !== total) throw new Error(`server counted ${text} of ${total} bytes`);
  return total / 1e6 / (elapsedMs / 1000);
}

/** Sends `count` datagrams with at most UDP_WINDOW unacknowledged; datagrams/s the server received. */
async function udpWindowed(server, port, count) {
  const socket = createSocket({ type: "udp4", sendBufferSize: 1 << 20 });
  // Connected: dgram sends without resolving the address of each datagram.
  socket.connect(port, "127.0.0.1");
  await once(socket, "connect");
  await server.recount();
  const packet = datagram(0);
  const started = performance.now();
  for (let sent = 0; sent < count; ) {
    while (sent < count && sent - server.acked < UDP_WINDOW) {
      socket.send(packet);
      sent++;
    }
    if (sent < count)
      await bounded(
        server.next((m) => (m.ack !== undefined && sent - m.ack < UDP_WINDOW ? true : undefined)),
        "udp acks",
        10_000,
      );
  }
  const last = Math.floor(count / UDP_ACK_EVERY) * UDP_ACK_EVERY;
  if (server.acked < last)
    await bounded(
      server.next((m) => (m.ack >= last ? true : undefined)),
      "udp final ack",
      10_000,
    );
  const elapsedMs = performance.now() - started;
  socket.close();
  return (last / elapsedMs) * 1000;
}

/** Sends datagrams 0..count-1 paced at 10k/s; returns the server's tally once all have arrived or 1 s passed. */
async function udpPaced(server, port, count) {
  const socket = createSocket({ type: "udp4", sendBufferSize: 1 << 20 });
  socket.bind(0, "127.0.0.1");
  await once(socket, "listening");
  await server.tally();
  const burst = 100;
  const started = performance.now();
  for (let seq = 0; seq < count; seq += burst) {
    for (let i = seq; i < Math.min(count, seq + burst); i++) socket.send(datagram(i), port, "127.0.0.1");
    const due = started + ((seq + burst) / 10_000) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  socket.close();
  return server.tally();
}

/**
 * A bare relay in its own process: TCP with `socket.pipe()` both ways, UDP with one connected upstream
 * socket and replies sent back to the last client (enough for one client). The least any proxy
 * process costs, so the proxy's own cost shows as the ratio against it.
 */
async function startRelay(upstream) {
  const code = `const net = require("node:net");
const dgram = require("node:dgram");
const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
  const upstream = net.connect({ host: "127.0.0.1", port: ${upstream.tcp}, allowHalfOpen: true, noDelay: true });
  client.pipe(upstream);
  upstream.pipe(client);
  client.on("error", () => upstream.destroy());
  upstream.on("error", () => client.destroy());
});
const buffers = { recvBufferSize: 4 << 20, sendBufferSize: 1 << 20 };
const udp = dgram.createSocket({ type: "udp4", ...buffers });
const out = dgram.createSocket({ type: "udp4", ...buffers });
let client;
udp.on("message", (packet, from) => {
  client = from;
  out.send(packet);
});
out.on("message", (packet) => client && udp.send(packet, client.port, client.address));
out.connect(${upstream.udp}, "127.0.0.1", () =>
  udp.bind(0, "127.0.0.1", () =>
    server.listen(0, "127.0.0.1", () => console.log(server.address().port, udp.address().port)),
  ),
);`;
  const child = track(spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] }));
  const [line] = await bounded(once(createInterface({ input: child.stdout }), "line"), "relay start", 15_000);
  const [tcp, udp] = line.split(" ").map(Number);
  return { tcp, udp, pid: child.pid, close: () => child.kill() };
}

/**
 * The C relay of native-relay.c, compiled with `cc` into a temporary directory: the cost of a third
 * process that is not Node. Undefined (with a note) when no C compiler is found.
 */
async function startNativeRelay(upstream) {
  const dir = mkdtempSync(join(tmpdir(), "native-relay-"));
  const binary = join(dir, "native-relay");
  const source = join(dirname(fileURLToPath(import.meta.url)), "native-relay.c");
  const compiler = spawnSync(process.env.CC ?? "cc", ["-O2", "-o", binary, source], { stdio: "inherit" });
  if (compiler.status !== 0) {
    process.stderr.write("[sim-proxy] --native-relay: no C compiler (cc) worked; measured without it\n");
    return undefined;
  }
  const child = track(
    spawn(binary, [String(upstream.tcp), String(upstream.udp)], { stdio: ["ignore", "pipe", "inherit"] }),
  );
  // Once it runs, the binary can go (Linux keeps a running program's file until it exits).
  child.once("spawn", () => rmSync(dir, { recursive: true, force: true }));
  const [line] = await bounded(
    once(createInterface({ input: child.stdout }), "line"),
    "native relay start",
    15_000,
  );
  const [tcp, udp] = line.split(" ").map(Number);
  return { tcp, udp, pid: child.pid, close: () => child.kill() };
}

async function overhead(server) {
  const tcpProxy = await startProxy(["--upstream", `127.0.0.1:${server.tcp}`]);
  const udpProxy = await startProxy(["--udp", "--upstream", `127.0.0.1:${server.udpCount}`]);
  const upstream = { tcp: server.tcp, udp: server.udpCount };
  const relay = await startRelay(upstream);
  const native = args["native-relay"] ? await startNativeRelay(upstream) : undefined;
  const ports = {
    direct: upstream,
    relay: { tcp: relay.tcp, udp: relay.udp },
    native: native && { tcp: native.tcp, udp: native.udp },
    proxy: { tcp: tcpProxy.port, udp: udpProxy.port },
  };
  // The process in the middle, whose CPU time per operation is reported (direct has none).
  const middle = {
    relay: () => relay.pid,
    native: () => native?.pid,
    proxy: (name) => (name === "dgps" ? udpProxy.pid : tcpProxy.pid),
  };
  /** Operations per measurement, for CPU per operation: round trips (with warm-up), MB, datagrams. */
  const operations = {
    rtt: SETTINGS.roundTrips + 50,
    mbps: SETTINGS.throughputBytes / 1e6,
    dgps: SETTINGS.udpDatagrams,
  };
  const sides = ["direct", "relay", ...(native ? ["native"] : []), "proxy"];
  const allCases = {
    rtt: (side) => roundTrips(ports[side].tcp, SETTINGS.roundTrips).then((r) => r.perSec),
    mbps: (side) => throughput(ports[side].tcp, SETTINGS.throughputBytes),
    dgps: (side) => udpWindowed(server, ports[side].udp, SETTINGS.udpDatagrams),
  };
  const chosen = args.cases.split(",");
  const cases = Object.fromEntries(Object.entries(allCases).filter(([name]) => chosen.includes(name)));
  // Every side is measured back to back, per case and run, and each run gives one ratio per side:
  // the load of a shared machine drifts within seconds, and a ratio of neighbours cancels most of it.
  const samples = {};
  for (const [name, measure] of Object.entries(cases)) {
    samples[name] = Object.fromEntries(
      sides.flatMap((side) => [
        [side, []],
        [`${side}Ratio`, []],
      ]),
    );
    samples[name].vsRelay = [];
    for (const side of sides.slice(1)) samples[name][`${side}Cpu`] = [];
    for (let run = 0; run < SETTINGS.runs; run++) {
      const got = {};
      for (const side of sides) {
        const pid = middle[side]?.(name);
        const cpuBefore = pid && cpuNs(pid);
        got[side] = await bounded(measure(side), `${side} ${name}`);
        samples[name][side].push(got[side]);
        const cpuAfter = pid && cpuNs(pid);
        if (cpuBefore !== undefined && cpuAfter !== undefined)
          samples[name][`${side}Cpu`].push((cpuAfter - cpuBefore) / 1e3 / operations[name]);
      }
      for (const side of sides) samples[name][`${side}Ratio`].push(got[side] / got.direct);
      samples[name].vsRelay.push(got.proxy / got.relay);
      process.stderr.write(
        `[sim-proxy] ${name} run ${run + 1}: ${sides.map((side) => `${side} ${fmt(got[side])}`).join(", ")}\n`,
      );
    }
  }
  await tcpProxy.stop();
  await udpProxy.stop();
  relay.close();
  native?.close();
  const median = (name, key) =>
    samples[name]?.[key].length > 0 ? medianSample(samples[name][key]) : undefined;
  const times = (value) => (value === undefined ? "—" : `${value.toFixed(2)}×`);
  const cpu = (name) =>
    sides
      .slice(1)
      .map((side) => median(name, `${side}Cpu`))
      .map((value) => (value === undefined ? "—" : value.toFixed(value < 10 ? 2 : 1)))
      .join(" / ");
  const row = (name, label, goal) => [
    label,
    cpu(name),
    fmt(median(name, "direct")),
    ...(native ? [fmt(median(name, "native")), times(median(name, "nativeRatio"))] : []),
    fmt(median(name, "relay")),
    times(median(name, "relayRatio")),
    fmt(median(name, "proxy")),
    times(median(name, "proxyRatio")),
    times(median(name, "vsRelay")),
    goal,
  ];
  return {
    table: markdownTable(
      [
        "case",
        `CPU µs per op (${sides.slice(1).join(" / ")})`,
        "direct",
        ...(native ? ["C relay", "C relay ÷ direct"] : []),
        "pipe() relay",
        "relay ÷ direct",
        "msg sim proxy",
        "proxy ÷ direct",
        "proxy ÷ relay",
        "goal",
      ],
      [
        samples.rtt && row("rtt", "sequential round trips/s, 100 B", "proxy ≥ 0.5× direct"),
        samples.mbps && row("mbps", "throughput MB/s, 64 KiB writes (CPU per MB)", "proxy ≥ 0.7× direct"),
        samples.dgps && row("dgps", `UDP datagrams/s, ${DATAGRAM_SIZE} B`, "proxy ≥ 100k/s"),
      ].filter(Boolean),
    ),
    // A case left out with --cases passes nothing: only the full set can pass.
    pass:
      median("rtt", "proxyRatio") >= 0.5 &&
      median("mbps", "proxyRatio") >= 0.7 &&
      median("dgps", "proxy") >= 100_000,
    samples,
  };
}

async function fidelity(server) {
  const rows = [];
  let pass = true;
  const check = (name, configured, measured, ok, goal) => {
    pass &&= ok;
    rows.push([name, configured, measured, goal, ok ? "yes" : "**no**"]);
  };

  const direct = await roundTrips(server.tcp, 200);
  const latency = await startProxy([
    "--upstream",
    `127.0.0.1:${server.tcp}`,
    "--latency",
    "20",
    "--seed",
    "1",
  ]);
  const delayed = await bounded(roundTrips(latency.port, SETTINGS.latencyRounds), "latency round trips");
  const latencyDone = await latency.stop();
  const expected = 40 + direct.meanMs;
  const error = (delayed.meanMs - expected) / expected;
  check(
    `latency, mean of ${SETTINGS.latencyRounds} round trips`,
    "20 ms each way",
    `mean ${delayed.meanMs.toFixed(2)} ms RTT (expected ${expected.toFixed(2)}), median ${delayed.medianMs.toFixed(2)}; link mean ${latencyDone.up.meanDelayMs.toFixed(2)} / ${latencyDone.down.meanDelayMs.toFixed(2)} ms`,
    Math.abs(error) <= 0.05,
    "within 5%",
  );

  const rate = await startProxy([
    "--upstream",
    `127.0.0.1:${server.tcp}`,
    "--rate",
    "16mbit",
    "--direction",
    "up",
  ]);
  const { text } = await bounded(send(rate.port, 3 << 20, MODE.rate), "rate");
  await rate.stop();
  const { bytes, ms } = JSON.parse(text);
  const measured = (bytes * 8) / (ms / 1000);
  check(
    `rate, ${(bytes / (1 << 20)).toFixed(2)} MiB after the burst`,
    "16 Mbit/s",
    `${(measured / 1e6).toFixed(2)} Mbit/s`,
    Math.abs(measured / 16e6 - 1) <= 0.05,
    "within 5%",
  );

  const n = SETTINGS.fidelityDatagrams;
  const udp = async (flags) => {
    const proxy = await startProxy([
      "--udp",
      "--upstream",
      `127.0.0.1:${server.udp}`,
      "--direction",
      "up",
      "--seed",
      "7",
      ...flags,
    ]);
    const tally = await bounded(udpPaced(server, proxy.port, n), `udp ${flags.join(" ")}`);
    return { tally, proxy: (await proxy.stop()).up };
  };
  // What reached the proxy at all: on a loaded machine the kernel may drop datagrams before the proxy
  // reads them, which is the machine's loss, not the emulator's; the rows say how many.
  const offered = (up) => up.packets - up.duplicated + up.lost + up.queueDrops;
  const beforeProxy = (up) =>
    offered(up) < n ? ` (${n - offered(up)} dropped by the kernel before the proxy)` : "";
  const loss = await udp(["--loss", "10"]);
  const lossPct = (1 - loss.tally.received / offered(loss.proxy)) * 100;
  check(
    `UDP loss, ${n} datagrams`,
    "10%",
    `${lossPct.toFixed(2)}% not received of ${offered(loss.proxy)} offered; proxy lost ${loss.proxy.lost}${beforeProxy(loss.proxy)}`,
    Math.abs(lossPct - 10) <= 0.5,
    "±0.5 pp",
  );
  const dup = await udp(["--duplicate", "100"]);
  const dupOffered = offered(dup.proxy);
  check(
    `UDP duplication, ${n} datagrams`,
    "100%",
    `${dup.tally.received} received for ${dupOffered} offered, ${dup.tally.duplicates} duplicates${beforeProxy(dup.proxy)}`,
    dup.tally.duplicates === dupOffered && dup.tally.received === 2 * dupOffered,
    "exactly 2×",
  );
  const corrupt = await udp(["--corrupt", "5"]);
  check(
    `UDP corruption, ${n} datagrams`,
    "5%",
    `${corrupt.tally.damaged} detected, proxy corrupted ${corrupt.proxy.corrupted} (${((corrupt.tally.damaged / n) * 100).toFixed(2)}%)`,
    corrupt.tally.damaged === corrupt.proxy.corrupted && corrupt.tally.damaged > 0,
    "every corruption detected",
  );
  const reorder = await udp(["--reorder", "25", "--gap", "5", "--latency", "10"]);
  // netem's rule: after gap - 1 delayed packets, each next one goes at once with the reorder
  // probability (and the count starts again), so 1 / (gap - 1 + 1/p) of all packets: 12.5% here.
  const reorderedPct = (reorder.proxy.reordered / offered(reorder.proxy)) * 100;
  check(
    `UDP reordering, ${n} datagrams`,
    "25%, gap 5, latency 10 ms",
    `${reorderedPct.toFixed(2)}% sent at once (netem's rule gives 12.50%); ${reorder.tally.overtakers} arrived after a higher seq`,
    Math.abs(reorderedPct - 12.5) <= 0.5 && reorder.tally.overtakers > 0,
    "12.5% ± 0.5 pp, overtaking seen",
  );
  return { table: markdownTable(["case", "configured", "measured", "goal", "met"], rows), pass };
}

function fmt(value) {
  return value >= 1e3 ? `${(value / 1e3).toFixed(1)}k` : value.toFixed(1);
}

async function main() {
  const server = await startServer();
  try {
    let pass = true;
    if (args.only !== "fidelity") {
      process.stderr.write("[sim-proxy] overhead\n");
      const cost = await overhead(server);
      process.stdout.write(`## Overhead, no impairment\n\n${cost.table}\n\n`);
      if (args.json) writeFileSync(args.json, JSON.stringify({ overhead: cost.samples }, null, 2));
      pass &&= cost.pass;
    }
    if (args.only !== "overhead") {
      process.stderr.write("[sim-proxy] fidelity\n");
      const fit = await fidelity(server);
      process.stdout.write(`## Fidelity\n\n${fit.table}\n`);
      pass &&= fit.pass;
    }
    process.exitCode = pass ? 0 : 1;
  } finally {
    server.close();
    for (const child of children) child.kill();
  }
}

if (args.serve) await serve();
else await main();
