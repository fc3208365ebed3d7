/**
 * Req/Rep load through the network emulator while it cycles through seeded chaos phases (latency
 * and jitter, loss, a rate limit, connection resets, black holes, partitions), over real TCP sockets
 * wrapped by the emulator and over its in-memory transport at once. Every request must come back
 * with its own payload intact, or fail with a typed MsgError; none may hang; memory must come back
 * to where it was after the first, clean phase.
 */
import { Prng } from "@msg/sim";
import { RepSocket, ReqSocket } from "@msg/socket";
import { checkMemoryFlat, intact, runChaosScenario, sealedPayload } from "../lib/chaos.mjs";
import { delay, percentile, round } from "../lib/measure.mjs";
import { scenario } from "../lib/scenario.mjs";

const TIMEOUT_MS = 3000;
/** A request not settled this long after its timeout is hung. */
const HUNG_MARGIN_MS = 2000;

await scenario("chaos-reqrep", async (context) => {
  const { short, figure, check, log } = context;
  const sockets = short ? 2 : 4;
  const loopsPerSocket = short ? 4 : 8;
  const { results, memoryBefore } = await runChaosScenario(context, (network, seed) =>
    startLoad(network, { seed, sockets, loopsPerSocket, short }),
  );
  for (const { network, links, recovered, ...r } of results) {
    log(`${network.name}:`);
    figure(`${network.name} requests`, r.requests);
    figure(`${network.name} outcomes`, r.outcomes);
    figure(`${network.name} answered, latency p50 / p99 / max`, `${r.p50} / ${r.p99} / ${r.max}`, "ms");
    figure(`${network.name} disconnects seen by the Req sockets`, r.disconnects);
    figure(`${network.name} emulator links`, links);
    check(r.outcomes.ok > 0, `${network.name}: requests are answered`);
    check(
      r.damaged === 0,
      `${network.name}: every answer is the request's own payload, intact (${r.damaged} not)`,
    );
    check(r.outcomes.untyped === undefined, `${network.name}: every failure is a typed MsgError`);
    check(
      r.hung === 0,
      `${network.name}: no request hung (${r.hung} unsettled ${HUNG_MARGIN_MS} ms past the ${TIMEOUT_MS} ms timeout)`,
    );
    check(r.outstanding === 0, `${network.name}: nothing outstanding at the end (${r.outstanding})`);
    check(recovered, `${network.name}: requests are answered again in the last, clean phase`);
  }
  checkMemoryFlat(memoryBefore, { figure, check });
});

/**
 * An echo Rep on the server peer and `sockets` Req sockets on the client peer, each running
 * `loopsPerSocket` request loops. A request carries (socket, loop, number), random bytes and a CRC,
 * 16 B to 64 KiB; its answer must be the same bytes.
 */
async function startLoad(network, { seed, sockets, loopsPerSocket, short }) {
  const rep = new RepSocket(network.serverTransport());
  const address = await rep.bind(network.bindAddress);
  void (async () => {
    for await (const request of rep) request.respond(request.payload);
  })();
  const outcomes = { ok: 0 };
  // Allocated up front, so the scenario's own samples do not show as growth in the memory check.
  const latencies = new Float64Array(short ? 2 ** 16 : 2 ** 20);
  let sampled = 0;
  let damaged = 0;
  let hung = 0;
  let outstanding = 0;
  let disconnects = 0;
  let running = true;
  const count = (key) => {
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  };

  const one = async (req, rng, header) => {
    const size =
      rng.next() < 0.9 ? 16 + Math.floor(rng.next() * 2048) : 2048 + Math.floor(rng.next() * 63 * 1024);
    const payload = sealedPayload(rng, size, (bytes) => bytes.writeBigUInt64BE(header, 0));
    let settled = false;
    const watchdog = setTimeout(() => {
      if (!settled) hung++;
    }, TIMEOUT_MS + HUNG_MARGIN_MS);
    outstanding++;
    const started = performance.now();
    try {
      const answer = await req.request(payload);
      if (sampled < latencies.length) latencies[sampled++] = performance.now() - started;
      if (intact(answer) && Buffer.from(answer).equals(payload)) count("ok");
      else damaged++;
    } catch (error) {
      count(error?.code ?? "untyped");
    } finally {
      settled = true;
      outstanding--;
      clearTimeout(watchdog);
    }
  };

  const reqs = Array.from({ length: sockets }, () => {
    const req = new ReqSocket(network.clientTransport(), { timeout: TIMEOUT_MS });
    req.on("disconnected", () => disconnects++);
    void req.connect(address);
    return req;
  });
  const loops = reqs.flatMap((req, s) =>
    Array.from({ length: loopsPerSocket }, async (_, l) => {
      const rng = Prng.derive(seed, network.name, String(s), String(l));
      let n = 0n;
      while (running) {
        await one(req, rng, (BigInt(s) << 48n) | (BigInt(l) << 32n) | n++);
      }
    }),
  );
  return {
    progress: () => outcomes.ok,
    async stop() {
      running = false;
      // Every loop ends with its current request; one still running past timeout + margin is hung.
      const finished = Promise.all(loops).then(() => true);
      const inTime = await Promise.race([
        finished,
        delay(TIMEOUT_MS + HUNG_MARGIN_MS + 1000).then(() => false),
      ]);
      const left = outstanding;
      for (const req of reqs) await req.close();
      await rep.close();
      const requests = Object.values(outcomes).reduce((a, b) => a + b, 0) + damaged;
      const answered = Array.from(latencies.subarray(0, sampled));
      return {
        requests,
        outcomes,
        damaged,
        hung: hung + (inTime ? 0 : left),
        outstanding: left,
        disconnects,
        p50: round(percentile(answered, 50), 1),
        p99: round(percentile(answered, 99), 1),
        max: round(
          answered.reduce((max, v) => Math.max(max, v), 0),
          1,
        ),
      };
    },
  };
}
