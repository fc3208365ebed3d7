/**
 * Pub/Sub load through the network emulator while it cycles through seeded chaos phases (as
 * chaos-reqrep), over real TCP sockets wrapped by the emulator and over its in-memory transport at
 * once. The publisher numbers every message in its first 8 bytes (and seals it with a CRC); the
 * subscriber checks each one is intact and in order, and accounts for every number it did not get:
 * dropped by the publisher (a jump in the session's seq, the Sub's `missing`), dropped at the start
 * of a session, or lost between two sessions (a connection reset). A number missing without one of
 * these is a silent loss, and fails the run.
 */
import { Prng } from "@msg/sim";
import { PubSocket, SubSocket } from "@msg/socket";
import { checkMemoryFlat, intact, runChaosScenario, sealedPayload } from "../lib/chaos.mjs";
import { delay } from "../lib/measure.mjs";
import { scenario } from "../lib/scenario.mjs";

/** A publisher queue this small fills during a partition or under a rate limit, so drops happen. */
const MAX_QUEUE_BYTES = 256 * 1024;
/** How long the last message published may take to arrive once the last, clean phase is over. */
const DRAIN_MS = 15_000;

await scenario("chaos-pubsub", async (context) => {
  const { short, figure, check, log } = context;
  const rate = short ? 1000 : 2000; // messages per second per network, 32 B to 1 KiB each
  const { results, memoryBefore } = await runChaosScenario(context, (network, seed) =>
    startLoad(network, { seed, rate }),
  );
  for (const { network, links, recovered, ...r } of results) {
    log(`${network.name}:`);
    figure(`${network.name} published`, r.published);
    figure(`${network.name} received`, r.received);
    figure(`${network.name} not received`, r.lost);
    figure(`${network.name} publisher dropped (queue full)`, r.pubDropped);
    figure(
      `${network.name} sessions (subscriber connections) / disconnects`,
      `${r.sessions} / ${r.disconnects}`,
    );
    figure(`${network.name} emulator links`, links);
    const accounted = Object.values(r.lost).reduce((a, b) => a + b, 0);
    check(r.received > 0, `${network.name}: messages arrive`);
    check(r.damaged === 0, `${network.name}: every payload intact (${r.damaged} not)`);
    check(r.outOfOrder === 0, `${network.name}: in order, no duplicate (${r.outOfOrder} not)`);
    check(r.lost.silent === 0, `${network.name}: no message lost inside a session without a seq jump`);
    check(
      r.published === r.received + accounted,
      `${network.name}: published = received + counted losses (${r.published} = ${r.received} + ${accounted})`,
    );
    check(
      r.lost.inSession === r.subMissing,
      `${network.name}: the Sub's missing equals the seq jumps seen (${r.subMissing} = ${r.lost.inSession})`,
    );
    check(
      r.lost.inSession + r.lost.atSessionStart <= r.pubDropped,
      `${network.name}: every seq jump is a publisher drop (${r.lost.inSession + r.lost.atSessionStart} <= ${r.pubDropped})`,
    );
    check(
      r.lost.betweenSessions === 0 || r.sessions > 1,
      `${network.name}: losses between sessions only where a connection was replaced`,
    );
    check(
      r.sessions <= r.subscribed,
      `${network.name}: sessions seen <= subscriptions the Pub took (${r.subscribed})`,
    );
    check(r.lost.tail === 0, `${network.name}: the last message published arrived (nothing hung)`);
    check(recovered, `${network.name}: messages arrive again in the last, clean phase`);
  }
  checkMemoryFlat(memoryBefore, { figure, check });
});

/**
 * A Pub on the server peer publishing `rate` messages a second on "load", and a Sub on the client
 * peer checking and accounting for them (see the top of the file).
 */
async function startLoad(network, { seed, rate }) {
  const pub = new PubSocket(network.serverTransport(), { maxQueueBytes: MAX_QUEUE_BYTES });
  const address = await pub.bind(network.bindAddress);
  let subscribed = 0;
  pub.on("subscribed", () => subscribed++);
  const sub = new SubSocket(network.clientTransport());
  let disconnects = 0;
  sub.on("disconnected", () => disconnects++);
  await sub.subscribe("load");
  void sub.connect(address);

  const lost = { beforeFirst: 0, atSessionStart: 0, inSession: 0, betweenSessions: 0, silent: 0, tail: 0 };
  let received = 0;
  let damaged = 0;
  let outOfOrder = 0;
  let sessions = 0;
  let last; // { index, seq } of the last message received
  const consumer = (async () => {
    for await (const message of sub) {
      if (!intact(message.payload)) {
        damaged++;
        continue;
      }
      const index = Number(
        Buffer.from(message.payload.buffer, message.payload.byteOffset, 8).readBigUInt64BE(0),
      );
      const seq = message.seq;
      received++;
      if (last === undefined) {
        sessions++;
        lost.beforeFirst += index - seq;
        lost.atSessionStart += seq;
      } else if (index <= last.index) {
        outOfOrder++;
        continue;
      } else if (index - seq === last.index - last.seq) {
        // The same session: every message was offered to it, so index and seq move together.
        lost.inSession += seq - last.seq - 1;
      } else if (seq === last.seq + 1) {
        // The seq went on but the index jumped: messages vanished without a number.
        lost.silent += index - last.index - 1;
      } else {
        // A new session (its seq starts again at 0; the first `seq` were dropped for it).
        sessions++;
        lost.atSessionStart += seq;
        lost.betweenSessions += index - last.index - 1 - seq;
      }
      last = { index, seq };
    }
  })();

  let published = 0;
  let running = true;
  const rng = Prng.derive(seed, network.name, "payloads");
  const publisher = (async () => {
    const started = performance.now();
    while (running) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate) - published;
      for (let i = 0; i < due; i++) {
        const index = published++;
        const size = 32 + Math.floor(rng.next() * 992);
        pub.publish(
          "load",
          sealedPayload(rng, size, (bytes) => bytes.writeBigUInt64BE(BigInt(index), 0)),
        );
      }
      await delay(10);
    }
  })();

  return {
    progress: () => received,
    async stop() {
      running = false;
      await publisher;
      const deadline = performance.now() + DRAIN_MS;
      while ((last?.index ?? -1) < published - 1 && performance.now() < deadline) await delay(20);
      lost.tail = published - 1 - (last?.index ?? -1);
      const subMissing = Object.values(sub.stats().publishers).reduce((sum, p) => sum + p.missing, 0);
      const pubDropped = pub.stats().droppedMessagesTotal;
      await sub.close();
      await consumer;
      await pub.close();
      return {
        published,
        received,
        damaged,
        outOfOrder,
        sessions,
        subscribed,
        disconnects,
        lost,
        subMissing,
        pubDropped,
      };
    },
  };
}
