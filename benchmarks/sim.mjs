#!/usr/bin/env node
/**
 * Overhead of the network emulator (@msg/sim) with no impairment: sequential 100-byte Req/Rep round
 * trips over the in-memory transport (`peer.transport()`) and over TCP wrapped by the emulator
 * (`peer.wrap(tcp)`), against msg over plain TCP loopback, all measured in the same run.
 *
 *   node benchmarks/sim.mjs [--quick] [--json FILE]
 *
 * The in-memory transport lives in one process by nature, so the TCP baselines are measured both ways:
 * Rep in a child process (the usual two-process loopback), and Rep in this process (same-process TCP,
 * the like-for-like comparison for wrap(tcp), whose two ends are both in this process here). Rounds are
 * interleaved (every case once per round) and each case reports the median of its rounds.
 */
import { fork } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { link, Network, RepSocket, ReqSocket, TcpTransport } from "@msg/msg";
import { formatCount } from "./lib/format.mjs";
import { medianSample } from "./lib/stats.mjs";
import { markdownTable } from "./lib/table.mjs";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "string" },
    "child-rep": { type: "boolean", default: false },
  },
});

const PAYLOAD = new Uint8Array(100);

async function echoRep(transport, address) {
  const rep = new RepSocket(transport);
  const bound = await rep.bind(address);
  void (async () => {
    for await (const request of rep) request.respond(request.payload);
  })();
  return { rep, address: bound };
}

if (values["child-rep"]) {
  // The child side of the two-process baseline: a TCP echo Rep until the parent says stop.
  const { rep, address } = await echoRep(new TcpTransport(), "127.0.0.1:0");
  process.send({ address });
  process.once("message", async () => {
    await rep.close();
    process.disconnect();
  });
} else {
  await main();
}

/** Sequential round trips per second over `req` for `durationMs`. */
async function measure(req, durationMs) {
  const started = performance.now();
  let count = 0;
  while (performance.now() - started < durationMs) {
    await req.request(PAYLOAD);
    count++;
  }
  return count / ((performance.now() - started) / 1000);
}

async function main() {
  const WARMUP_MS = values.quick ? 100 : 300;
  const DURATION_MS = values.quick ? 200 : 1000;
  const REPEATS = values.quick ? 1 : 5;

  const child = fork(new URL(import.meta.url), ["--child-rep"], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const [{ address: childAddress }] = await once(child, "message");

  // One network per emulated case, so each one's link counters show it really went through the links.
  const memoryNet = new Network({ seed: 1 });
  const wrapNet = new Network({ seed: 1 });
  const [memoryClient, memoryServer] = [memoryNet.addPeer("client"), memoryNet.addPeer("server")];
  const [wrapClient, wrapServer] = [wrapNet.addPeer("client"), wrapNet.addPeer("server")];
  const sameProcessTcp = await echoRep(new TcpTransport(), "127.0.0.1:0");
  const memory = await echoRep(memoryServer.transport(), memoryServer.address(5555));
  const wrapped = await echoRep(wrapServer.wrap(new TcpTransport()), "127.0.0.1:0");

  const cases = [
    {
      name: "msg over TCP loopback, Rep in another process",
      transport: new TcpTransport(),
      address: childAddress,
    },
    {
      name: "msg over TCP loopback, one process",
      transport: new TcpTransport(),
      address: sameProcessTcp.address,
    },
    {
      name: "msg over sim transport() (in memory, perfect links)",
      transport: memoryClient.transport(),
      address: memory.address,
    },
    {
      name: "msg over sim wrap(tcp) (perfect links), one process",
      transport: wrapClient.wrap(new TcpTransport()),
      address: wrapped.address,
    },
  ];
  for (const entry of cases) {
    entry.req = new ReqSocket(entry.transport, { timeout: 10_000 });
    await entry.req.connect(entry.address);
    await measure(entry.req, WARMUP_MS);
    entry.samples = [];
  }
  for (let round = 0; round < REPEATS; round++) {
    for (const entry of cases) {
      entry.samples.push(await measure(entry.req, DURATION_MS));
      process.stderr.write(".");
    }
  }
  process.stderr.write("\n");
  const rate = (entry) => medianSample(entry.samples);
  const [twoProcessTcp, oneProcessTcp, viaMemory, viaWrap] = cases;
  const rows = [
    [twoProcessTcp.name, formatCount(rate(twoProcessTcp)), "1.00", "—"],
    [
      oneProcessTcp.name,
      formatCount(rate(oneProcessTcp)),
      (rate(oneProcessTcp) / rate(twoProcessTcp)).toFixed(2),
      "1.00",
    ],
    [
      viaMemory.name,
      formatCount(rate(viaMemory)),
      (rate(viaMemory) / rate(twoProcessTcp)).toFixed(2),
      (rate(viaMemory) / rate(oneProcessTcp)).toFixed(2),
    ],
    [
      viaWrap.name,
      formatCount(rate(viaWrap)),
      (rate(viaWrap) / rate(twoProcessTcp)).toFixed(2),
      (rate(viaWrap) / rate(oneProcessTcp)).toFixed(2),
    ],
  ];
  console.log(
    `Emulator overhead: sequential 100 B Req/Rep round trips, median of ${REPEATS} × ${DURATION_MS} ms, interleaved.\n`,
  );
  console.log(
    markdownTable(["case", "round trips/s", "× TCP (2 processes)", "× TCP (1 process)"], rows, [
      "l",
      "r",
      "r",
      "r",
    ]),
  );
  for (const [name, net] of [
    ["transport()", memoryNet],
    ["wrap(tcp)", wrapNet],
  ]) {
    const up = net.stats(link("client", "server"));
    const down = net.stats(link("server", "client"));
    console.log(
      `\n${name}: ${formatCount(up.packets)} requests and ${formatCount(down.packets)} responses went through the emulator's links.`,
    );
  }
  if (values.json) {
    const json = cases.map((entry) => ({ name: entry.name, samples: entry.samples, median: rate(entry) }));
    writeFileSync(values.json, `${JSON.stringify(json, null, 2)}\n`);
  }

  for (const entry of cases) await entry.req.close();
  await Promise.all([sameProcessTcp.rep.close(), memory.rep.close(), wrapped.rep.close()]);
  child.send("stop");
  await once(child, "exit");
}
