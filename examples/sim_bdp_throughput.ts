// Throughput over a long fat pipe (msg-rs linkem's bdp_throughput, in process): 10 Mbit/s with 20 ms
// each way, 20 sequential 256 KiB requests. Each request pays the serialisation time plus one round
// trip, so the link is not full; the printout says how far from full.
// Run: node --import tsx examples/sim_bdp_throughput.ts
import { link, Network, RepSocket, ReqSocket } from "@msg/msg";

const RATE_BITS = 10e6;
const LATENCY_MS = 20;
const MESSAGE_BYTES = 256 * 1024;
const MESSAGES = 20;

const net = new Network({ seed: 1 });
const sender = net.addPeer("sender");
const receiver = net.addPeer("receiver");
const impairment = { latencyMs: LATENCY_MS, rateBitsPerSec: RATE_BITS };
net.applyImpairment(link(sender, receiver), impairment);
net.applyImpairment(link(receiver, sender), impairment);
const bdpKB = (RATE_BITS / 8 / 1000) * ((2 * LATENCY_MS) / 1000);
console.log(`link: ${RATE_BITS / 1e6} Mbit/s, ${2 * LATENCY_MS} ms RTT, BDP ${bdpKB.toFixed(0)} KB`);

const rep = new RepSocket(receiver.transport());
const address = await rep.bind(receiver.address(9001));
void (async () => {
  for await (const request of rep) request.respond("ok");
})();
const req = new ReqSocket(sender.transport(), { timeout: 10_000 });
await req.connect(address);
await req.request("warm-up");

const payload = new Uint8Array(MESSAGE_BYTES);
const started = performance.now();
for (let i = 0; i < MESSAGES; i++) await req.request(payload);
const seconds = (performance.now() - started) / 1000;
const mbits = (MESSAGES * MESSAGE_BYTES * 8) / seconds / 1e6;
console.log(`${MESSAGES} × ${MESSAGE_BYTES / 1024} KiB in ${seconds.toFixed(2)} s`);
console.log(
  `throughput ${mbits.toFixed(2)} Mbit/s, ${((mbits / (RATE_BITS / 1e6)) * 100).toFixed(0)}% of the link`,
);
await req.close();
await rep.close();
