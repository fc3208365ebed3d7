// msg's sockets over the emulator: in memory and over real TCP (wrap), under latency, jitter and loss.
import { ErrorCode, isMsgError, type Transport } from "@msg/core";
import { withTimeout } from "@msg/core/testing";
import { TcpTransport } from "@msg/transport-tcp";
import { describe, expect, it } from "vitest";
import { type LinkDecision, link, Network, type Peer, type TraceSource } from "../src/index.js";
import { pubSub, reqRep, useCleanup } from "./sockets-helpers.js";

const lossy = { latencyMs: 50, jitterMs: 10, loss: 2 };

function lossyNetwork(seed: number, options: ConstructorParameters<typeof Network>[0] = {}) {
  const net = new Network({ seed, ...options });
  const client = net.addPeer("client");
  const server = net.addPeer("server");
  net.applyImpairment(link(client, server), lossy);
  net.applyImpairment(link(server, client), lossy);
  return { net, client, server };
}

const carriers: {
  name: string;
  transports: (client: Peer, server: Peer) => { client: Transport; server: Transport; bind: string };
}[] = [
  {
    name: "transport() (in memory)",
    transports: (client, server) => ({
      client: client.transport(),
      server: server.transport(),
      bind: server.address(0),
    }),
  },
  {
    name: "wrap(tcp)",
    transports: (client, server) => ({
      client: client.wrap(new TcpTransport()),
      server: server.wrap(new TcpTransport()),
      bind: "127.0.0.1:0",
    }),
  },
];

describe.each(carriers)("sockets over $name with 50 ± 10 ms and 2 % loss each way", ({ transports }) => {
  const track = useCleanup();

  it("Req/Rep: 300 concurrent requests of up to 20 KB all come back intact", async () => {
    const { net, client, server } = lossyNetwork(11);
    const { req } = await reqRep(track, client, server, transports(client, server));
    const payloads = Array.from({ length: 300 }, (_, i) => Buffer.alloc(1 + ((i * 677) % 20_000), i % 251));
    const replies = await withTimeout(
      Promise.all(payloads.map((p) => req.request(p))),
      30_000,
      "300 replies",
    );
    replies.forEach((reply, i) => {
      expect(Buffer.from(reply).equals(payloads[i]!)).toBe(true);
    });
    const stats = net.stats(link(client, server));
    // Loss really happened: the stream retransmitted, the application saw none of it.
    expect(stats.lost).toBeGreaterThan(0);
    expect(stats.retransmits).toBe(stats.lost + stats.corrupted);
  });

  it("Pub/Sub: 2000 messages arrive intact, in order, without a gap", async () => {
    const { net, client, server } = lossyNetwork(12);
    const { pub, sub } = await pubSub(track, client, server, transports(client, server));
    const count = 2000;
    const received = (async () => {
      const seen: { payload: Buffer; seq: number }[] = [];
      for await (const message of sub) {
        seen.push({ payload: Buffer.from(message.payload), seq: message.seq });
        if (seen.length === count) break;
      }
      return seen;
    })();
    // 300-byte messages: 600 KB, a few hundred segments, so the 2 % loss really strikes.
    const body = (i: number) => `message ${i} `.padEnd(300, "x");
    for (let i = 0; i < count; i++) await pub.publish(`t.${i % 7}`, Buffer.from(body(i)));
    const seen = await withTimeout(received, 30_000, `${count} messages`);
    seen.forEach((message, i) => {
      expect(message.payload.toString()).toBe(body(i));
    });
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.seq).toBe(seen[i - 1]!.seq + 1);
    expect(net.stats(link(server, client)).lost).toBeGreaterThan(0);
  });
});

describe.each(carriers)("partition and heal over $name", ({ transports }) => {
  const track = useCleanup();

  it("a partition makes requests time out with the typed error; after heal the socket recovers", async () => {
    const net = new Network({ seed: 5 });
    const client = net.addPeer("client");
    const server = net.addPeer("server");
    net.applyImpairment(link(client, server), { latencyMs: 5 });
    const { req } = await reqRep(track, client, server, transports(client, server));
    expect(Buffer.from(await req.request("before")).toString()).toBe("before");
    net.partition(client, server);
    const error = await req.request("during", { timeout: 300 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMsgError(error, ErrorCode.Timeout)).toBe(true);
    net.heal(client, server);
    const after = await withTimeout(req.request("after", { timeout: 5000 }), 6000, "a reply after heal");
    expect(Buffer.from(after).toString()).toBe("after");
  });
});

describe("partition of new connections", () => {
  it("a connect through a partition waits for the heal, or fails with connect_failed after connectTimeoutMs", async () => {
    const net = new Network({ seed: 5 });
    const client = net.addPeer("client");
    const server = net.addPeer("server");
    const listener = await server.transport().bind(server.address(7000), (pending) => void pending.accept());
    net.partition(client, server);
    const started = performance.now();
    const error = await client
      .transport({ connectTimeoutMs: 200 })
      .connect(server.address(7000))
      .then(
        (connection) => connection.destroy(),
        (e: unknown) => e,
      );
    expect(isMsgError(error, ErrorCode.ConnectFailed)).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(195);
    const waiting = client.transport().connect(server.address(7000));
    setTimeout(() => net.heal(client, server), 100);
    const connection = await withTimeout(waiting, 5000, "connect after heal");
    connection.destroy();
    await listener.close();
  });
});

describe("in memory on a perfect link", () => {
  const track = useCleanup();

  it("a request loop leaves timers their turn (delivery is a later event-loop turn, as a socket's)", async () => {
    const net = new Network({ seed: 3 });
    const { req } = await reqRep(track, net.addPeer("client"), net.addPeer("server"));
    let fired = false;
    setTimeout(() => {
      fired = true;
    }, 20);
    // On microtask delivery this loop ran all 200,000 round trips before the timer's turn came.
    let requests = 0;
    while (!fired && requests < 200_000) {
      await req.request("x");
      requests++;
    }
    expect(fired).toBe(true);
    expect(requests).toBeLessThan(200_000);
  });
});

describe("determinism", () => {
  const track = useCleanup();

  /** Runs 30 sequential requests over a lossy, jittery network and returns its decisions. */
  async function traceOf(seed: number) {
    const decisions: string[] = [];
    const trace = (source: TraceSource, d: LinkDecision) => {
      // Times depend on the machine; the decisions (what, how long, lost or not) must not.
      decisions.push(
        `${source.from}>${source.to}#${source.connection} ${d.seq} ${d.bytes}B ${d.delayMs.toFixed(6)} ${d.outcome} r${d.retransmits} ${d.corrupted} ${d.duplicated} ${d.reordered}`,
      );
    };
    const net = new Network({ seed, trace });
    const client = net.addPeer("client");
    const server = net.addPeer("server");
    const impairment = {
      latencyMs: 3,
      jitterMs: 2,
      distribution: "normal" as const,
      loss: 3,
      corrupt: 1,
      duplicate: 2,
    };
    net.applyImpairment(link(client, server), impairment);
    net.applyImpairment(link(server, client), impairment);
    const { req, rep } = await reqRep(track, client, server);
    for (let i = 0; i < 30; i++) await req.request(Buffer.alloc(100 + i * 100, i));
    await req.close();
    await rep.close();
    return decisions;
  }

  it("two runs with one seed give identical decision traces; another seed gives another", async () => {
    const first = await traceOf(77);
    const second = await traceOf(77);
    const other = await traceOf(78);
    expect(first.length).toBeGreaterThan(60);
    expect(second).toEqual(first);
    expect(other).not.toEqual(first);
  }, 60_000);
});
