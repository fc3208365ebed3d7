// One publisher, three subscribers behind emulated links of different quality (msg-rs linkem's
// pubsub_latency_probe, in process): each subscriber measures the one-way delay of every message
// from the publisher's timestamp and prints avg/min/max next to its link's profile.
// Run: node --import tsx examples/sim_pubsub_latency_probe.ts
import { type Impairment, link, Network, nowMicros, PubSocket, SubSocket } from "@msg/msg";

const profiles: { name: string; impairment: Impairment }[] = [
  { name: "local", impairment: { latencyMs: 1, jitterMs: 0.5 } },
  { name: "regional", impairment: { latencyMs: 50, jitterMs: 10 } },
  { name: "overseas", impairment: { latencyMs: 120, jitterMs: 20, loss: 0.5 } },
];
const MESSAGES = 200;
const INTERVAL_MS = 10;

const net = new Network({ seed: 42 });
const hub = net.addPeer("publisher");
const pub = new PubSocket(hub.transport());
const address = await pub.bind(hub.address(4000));

let subscribed = 0;
const allSubscribed = new Promise<void>((resolve) =>
  pub.on("subscribed", () => ++subscribed === profiles.length && resolve()),
);
const probes = await Promise.all(
  profiles.map(async ({ name, impairment }) => {
    const peer = net.addPeer(name);
    net.applyImpairment(link(hub, peer), impairment);
    net.applyImpairment(link(peer, hub), impairment);
    const sub = new SubSocket(peer.transport());
    await sub.subscribe("probe");
    void sub.connect(address);
    return { name, impairment, peer, sub, delays: [] as number[] };
  }),
);
await allSubscribed;

const receiving = probes.map(async (probe) => {
  for await (const message of probe.sub) {
    probe.delays.push((nowMicros() - message.timestamp) / 1000);
    if (probe.delays.length === MESSAGES) break;
  }
});
for (let i = 0; i < MESSAGES; i++) {
  await pub.publish("probe", `tick ${i}`);
  await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
}
await Promise.all(receiving);

console.log(`${MESSAGES} messages, one every ${INTERVAL_MS} ms; one-way delay per subscriber:`);
for (const { name, impairment, peer, delays } of probes) {
  const sorted = [...delays].sort((a, b) => a - b);
  const avg = delays.reduce((sum, d) => sum + d, 0) / delays.length;
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const latency = impairment.latencyMs ?? 0;
  const jitter = impairment.jitterMs ?? 0;
  const stats = net.stats(link(hub, peer));
  // The median is the fair yardstick: a lost segment is retransmitted after an RTO and holds up the
  // messages behind it (head-of-line blocking, as over TCP), which lifts the average and the max.
  const near = Math.abs(median - latency) <= jitter + Math.max(1, latency * 0.1);
  console.log(
    `${name.padEnd(9)} avg ${avg.toFixed(2)} ms  min ${sorted[0]!.toFixed(2)}  median ${median.toFixed(2)}  max ${sorted.at(-1)!.toFixed(2)}` +
      `  (profile ${latency} ± ${jitter} ms${impairment.loss ? `, ${impairment.loss}% loss` : ""}; ` +
      `${stats.retransmits} retransmissions)  near the profile: ${near ? "yes" : "NO"}`,
  );
}

await Promise.all(probes.map((probe) => probe.sub.close()));
await pub.close();
