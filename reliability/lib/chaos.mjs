/**
 * What the chaos scenarios share: two emulated networks (one in front of real TCP sockets, one in
 * memory), a seeded schedule of network phases applied to both at once, payloads that carry their
 * own checksum, the emulator's link counters and memory samples.
 */
import { crc32 } from "node:zlib";
import { link, Network, Prng } from "@msg/sim";
import { TcpTransport } from "@msg/transport-tcp";
import { delay, round } from "./measure.mjs";

/** The default seed of the phase schedule and the links; `--seed N` replays another. */
export const DEFAULT_SEED = 20261127;

export function seedFromArgv() {
  const at = process.argv.indexOf("--seed");
  return at >= 0 ? Number(process.argv[at + 1]) : DEFAULT_SEED;
}

/**
 * The two ways sockets go through the emulator: `peer.wrap(new TcpTransport())` (kernel sockets on
 * loopback, the emulator impairing what each side writes) and `peer.transport()` (in memory). Each
 * has its own Network of two peers, `client` and `server`, seeded from `seed`.
 */
export function chaosNetworks(seed) {
  return [
    { name: "wrap(tcp)", wrap: true },
    { name: "in memory", wrap: false },
  ].map(({ name, wrap }) => {
    const net = new Network({ seed: seed + (wrap ? 1 : 2) });
    const client = net.addPeer("client");
    const server = net.addPeer("server");
    return {
      name,
      net,
      client,
      server,
      clientTransport: () => (wrap ? client.wrap(new TcpTransport()) : client.transport()),
      serverTransport: () => (wrap ? server.wrap(new TcpTransport()) : server.transport()),
      bindAddress: wrap ? "127.0.0.1:0" : server.address(0),
    };
  });
}

/** The kinds of chaos, each applied to both directions between client and server unless stated. */
const CHAOS = {
  latency: (rng) => ({
    impairment: { latencyMs: round(pick(rng, 10, 60)), jitterMs: round(pick(rng, 2, 20)) },
  }),
  loss: (rng) => ({ impairment: { latencyMs: round(pick(rng, 1, 10)), loss: round(pick(rng, 2, 10)) } }),
  rate: (rng) => ({ impairment: { latencyMs: 2, rateBitsPerSec: Math.round(pick(rng, 1, 8)) * 1e6 } }),
  /** Every connection, the ones made during the phase too, is reset this long after it starts. */
  resets: (rng) => ({ faults: { resetPeerMs: Math.round(pick(rng, 200, 1200)) } }),
  /**
   * One direction swallows everything; its connections reset after `ms`, or when the phase ends (see
   * `endBlackHole`), whichever comes first.
   */
  blackhole: (rng) => ({
    faults: { timeout: { ms: Math.round(pick(rng, 1000, 3000)) } },
    oneWay: rng.next() < 0.5 ? "client->server" : "server->client",
  }),
  /** Cut apart both ways for most of the phase, then healed. */
  partition: (rng) => ({ partitionShare: round(pick(rng, 0.4, 0.9), 3) }),
};

export const CHAOS_KINDS = Object.keys(CHAOS);

function pick(rng, low, high) {
  return low + rng.next() * (high - low);
}

/**
 * The phase list: a clean first phase (the memory baseline), then the chaos kinds in a seeded order,
 * reshuffled every round, for `chaosMs`, then a clean last phase in which everything settles.
 */
export function phasePlan({ seed, phaseMs, chaosMs }) {
  const rng = Prng.derive(seed, "phases");
  const plan = [{ kind: "clean", ms: phaseMs }];
  let planned = 0;
  while (planned < chaosMs) {
    const round = [...CHAOS_KINDS];
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [round[i], round[j]] = [round[j], round[i]];
    }
    for (const kind of round) {
      if (planned >= chaosMs) break;
      plan.push({ kind, ms: phaseMs, ...CHAOS[kind](rng) });
      planned += phaseMs;
    }
  }
  plan.push({ kind: "clean", ms: phaseMs });
  return plan;
}

/** Describes a phase in one line for the log. */
export function describePhase(phase) {
  const { kind, ms, ...settings } = phase;
  if (kind === "partition") return `partition for ${Math.round(phase.partitionShare * ms)} ms of ${ms}`;
  return `${kind} ${JSON.stringify(settings)}`;
}

/** Phase lengths: the full run is about 2 minutes, the short one (npm test) a few seconds. */
export function chaosTimes(short) {
  return short ? { phaseMs: 700, chaosMs: 6 * 700 } : { phaseMs: 6000, chaosMs: 108_000 };
}

/** Heap (after GC) and RSS may grow this much between the end of the first phase and the end of the last. */
const HEAP_BOUND_MiB = 16;
const RSS_BOUND_MiB = 96;

/**
 * Runs the seeded phase plan on `networks` while the caller's load runs, sampling memory after the
 * first (clean) phase, and `progress()` when the last, clean phase begins (so the caller can check
 * its load recovered in it). Resolves with { memoryBefore, progressBeforeLast }.
 */
export async function runChaos(networks, { seed, short, log, progress }) {
  const plan = phasePlan({ seed, ...chaosTimes(short) });
  let memoryBefore;
  let progressBeforeLast;
  await runPhases(networks, plan, {
    log,
    onPhaseEnd: (_phase, index) => {
      if (index === 0) memoryBefore = memorySample();
      if (index === plan.length - 2) progressBeforeLast = progress();
    },
  });
  return { memoryBefore, progressBeforeLast };
}

/**
 * The outline both chaos scenarios share: `startLoad(network)` starts the load on each network (it
 * resolves with `{ progress(), stop() }`, `progress` a count that grows while the load gets through,
 * `stop` resolving with the load's results); then the phases run; then each load stops and its
 * network closes. Resolves with one `{ network, links, ...results }` per network and the memory
 * sample taken after the first phase.
 */
export async function runChaosScenario({ short, log, figure }, startLoad) {
  const seed = seedFromArgv();
  const networks = chaosNetworks(seed);
  const loads = [];
  for (const network of networks) loads.push(await startLoad(network, seed));
  const { memoryBefore, progressBeforeLast } = await runChaos(networks, {
    seed,
    short,
    log,
    progress: () => loads.map((load) => load.progress()),
  });
  const results = [];
  for (const [i, network] of networks.entries()) {
    const result = await loads[i].stop();
    const recovered = loads[i].progress() > progressBeforeLast[i];
    results.push({ network, links: linkTotals(network), recovered, ...result });
    network.net.close();
  }
  figure("seed", seed);
  return { results, memoryBefore };
}

/** Checks (and prints) that memory came back to where it was after the first phase. */
export function checkMemoryFlat(before, { figure, check }) {
  const after = memorySample();
  figure(
    "memory after the first phase -> after the last",
    `heap ${before.heapMiB} -> ${after.heapMiB}, RSS ${before.rssMiB} -> ${after.rssMiB}`,
    "MiB",
  );
  const heapGrowth = round(after.heapMiB - before.heapMiB);
  const rssGrowth = round(after.rssMiB - before.rssMiB);
  check(
    heapGrowth <= HEAP_BOUND_MiB,
    `heap after GC within ${HEAP_BOUND_MiB} MiB of the first phase's (${heapGrowth} MiB)`,
  );
  check(
    rssGrowth <= RSS_BOUND_MiB,
    `RSS within ${RSS_BOUND_MiB} MiB of the first phase's (${rssGrowth} MiB)`,
  );
}

/**
 * Runs `plan` on every network at once: applies each phase, waits it out (a partition heals before
 * the phase ends), then makes the links perfect again. `onPhaseEnd(phase, index)` runs after each.
 */
export async function runPhases(networks, plan, { log, onPhaseEnd } = {}) {
  for (const [index, phase] of plan.entries()) {
    log?.(`phase ${index + 1}/${plan.length}: ${describePhase(phase)}`);
    for (const { net, client, server } of networks) apply(net, client, server, phase);
    if (phase.partitionShare !== undefined) {
      await delay(phase.ms * phase.partitionShare);
      for (const { net, client, server } of networks) net.heal(client, server);
      await delay(phase.ms * (1 - phase.partitionShare));
    } else {
      await delay(phase.ms);
    }
    if (phase.kind === "blackhole") await endBlackHole(networks, phase);
    for (const { net, client, server } of networks) clear(net, client, server);
    await onPhaseEnd?.(phase, index);
  }
}

/**
 * Ends a black hole the way TCP ends one: the connections caught in it reset. Removing toxiproxy's
 * timeout toxic instead lets a stream go on with a hole where the swallowed bytes were, which no
 * real TCP connection does (and which a Sub would count as publisher drops it cannot tell apart).
 */
async function endBlackHole(networks, phase) {
  for (const { net, client, server } of networks) {
    for (const direction of directions(client, server, phase)) net.setFaults(direction, { resetPeerMs: 0 });
  }
  await delay(50); // the resets fire on the emulator's scheduler
}

function directions(client, server, phase) {
  if (phase.oneWay === "client->server") return [link(client, server)];
  if (phase.oneWay === "server->client") return [link(server, client)];
  return [link(client, server), link(server, client)];
}

function apply(net, client, server, phase) {
  if (phase.partitionShare !== undefined) net.partition(client, server);
  for (const direction of directions(client, server, phase)) {
    if (phase.impairment) net.applyImpairment(direction, phase.impairment);
    if (phase.faults) net.setFaults(direction, phase.faults);
  }
}

function clear(net, client, server) {
  for (const direction of [link(client, server), link(server, client)]) {
    net.clearImpairment(direction);
    net.setFaults(direction, undefined);
  }
  net.heal(client, server);
}

/** The emulator's counters for both directions between client and server, added up. */
export function linkTotals({ net, client, server }) {
  const there = net.stats(link(client, server));
  const back = net.stats(link(server, client));
  const sum = (key) => there[key] + back[key];
  return {
    segments: sum("packets"),
    MiB: round(sum("bytes") / 2 ** 20, 1),
    lost: sum("lost"),
    corrupted: sum("corrupted"),
    retransmits: sum("retransmits"),
    blackholedBytes: sum("blackholedBytes"),
    backpressure: sum("backpressure"),
    peakQueueKiB: Math.round(Math.max(there.peakQueueBytes, back.peakQueueBytes) / 1024),
  };
}

/** Heap used (after a full GC, with --expose-gc) and RSS of this process, in MiB. */
export function memorySample() {
  globalThis.gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapMiB: round(heapUsed / 2 ** 20, 1), rssMiB: round(rss / 2 ** 20, 1) };
}

/**
 * A payload of `size` bytes (at least 12): `header` (8 bytes, the caller's numbering), random bytes,
 * and a CRC-32 of everything before it in the last 4 bytes, so damage anywhere is detected.
 */
export function sealedPayload(rng, size, writeHeader) {
  const bytes = Buffer.allocUnsafe(Math.max(12, size));
  writeHeader(bytes);
  for (let i = 8; i < bytes.length - 4; i += 4) bytes.writeUInt32LE(rng.nextUint32(), i);
  bytes.writeUInt32LE(crc32(bytes.subarray(0, bytes.length - 4)), bytes.length - 4);
  return bytes;
}

/** True when the last 4 bytes are the CRC-32 of the rest. */
export function intact(payload) {
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (bytes.length < 12) return false;
  return bytes.readUInt32LE(bytes.length - 4) === crc32(bytes.subarray(0, bytes.length - 4));
}
