// Four regions with msg-rs linkem's cloud profiles (sim_multi_region), in process: every region runs
// a Rep, every other region pings it with Req, and the round-trip times are printed as a matrix.
// Run: node --import tsx examples/sim_multi_region.ts
import { type Impairment, link, Network, type Peer, RepSocket, ReqSocket } from "@msg/msg";

const profiles = {
  sameRegion: { latencyMs: 1, jitterMs: 0.5, loss: 0.01 },
  euToUs: { latencyMs: 40, jitterMs: 5, loss: 0.1, rateBitsPerSec: 1000e6 },
  usToTokyo: { latencyMs: 80, jitterMs: 10, loss: 0.2, rateBitsPerSec: 500e6 },
  euToTokyo: { latencyMs: 120, jitterMs: 15, loss: 0.5, rateBitsPerSec: 300e6 },
} satisfies Record<string, Impairment>;
const PINGS = 5;

const net = new Network({ seed: 2026 });
const [eu, us1, us2, tokyo] = ["EU-West", "US-East-1", "US-East-2", "Tokyo"].map((name) =>
  net.addPeer(name),
) as [Peer, Peer, Peer, Peer];
function both(a: Peer, b: Peer, impairment: Impairment) {
  net.applyImpairment(link(a, b), impairment);
  net.applyImpairment(link(b, a), impairment);
}
both(us1, us2, profiles.sameRegion);
for (const us of [us1, us2]) {
  both(eu, us, profiles.euToUs);
  both(us, tokyo, profiles.usToTokyo);
}
both(eu, tokyo, profiles.euToTokyo);

const regions = [eu, us1, us2, tokyo];
const servers = await Promise.all(
  regions.map(async (peer) => {
    const rep = new RepSocket(peer.transport());
    const address = await rep.bind(peer.address(9999));
    void (async () => {
      for await (const request of rep) request.respond(request.payload);
    })();
    return { rep, address };
  }),
);

/** Median round trip from `from` to `to` over PINGS sequential requests (after one to connect). */
async function rtt(from: Peer, to: number): Promise<number> {
  const req = new ReqSocket(from.transport(), { timeout: 5000 });
  await req.connect(servers[to]!.address);
  await req.request("warm-up");
  const samples: number[] = [];
  for (let i = 0; i < PINGS; i++) {
    const started = performance.now();
    await req.request("ping");
    samples.push(performance.now() - started);
  }
  await req.close();
  return samples.sort((a, b) => a - b)[Math.floor(PINGS / 2)]!;
}

const matrix = await Promise.all(
  regions.map((from, i) => Promise.all(regions.map((_, j) => (i === j ? Promise.resolve(0) : rtt(from, j))))),
);
const width = 11;
console.log(`median RTT in ms over ${PINGS} Req/Rep pings (rows ping columns)`);
console.log(["".padEnd(width), ...regions.map((peer) => peer.name.padStart(width))].join(""));
matrix.forEach((row, i) => {
  console.log(
    [
      regions[i]!.name.padEnd(width),
      ...row.map((ms, j) => (i === j ? "-" : ms.toFixed(1)).padStart(width)),
    ].join(""),
  );
});
await Promise.all(servers.map((server) => server.rep.close()));
