import { ErrorCode, isMsgError, type Transport } from "@msg/core";
import { PubSocket, RepSocket, ReqSocket, SubSocket } from "@msg/socket";
import { TcpTransport } from "@msg/transport-tcp";
import { createCompressor } from "@msg/wire";
import { commonFlags, defineCommand } from "./command.js";

export const tour = defineCommand({
  name: "tour",
  summary: "a guided tour of msg in one process (what `npm start` runs)",
  synopsis: "",
  description: `Shows request/reply, authentication, health checks, publish/subscribe with wildcards and
compression, and the same sockets over TCP, a Unix socket and QUIC, all over loopback in this process.
Every wait is bounded, so it ends on its own.`,
  flags: { help: commonFlags.help },
  run: () => runTour(),
});

/**
 * `npm start`: a short guided tour of what msg does, run in one process over loopback TCP.
 * Each step prints what it shows; every wait is bounded, so the tour ends on its own.
 */
async function runTour(): Promise<number> {
  const step = (title: string) => console.log(`\n== ${title}`);
  const say = (text: string) => console.log(`   ${text}`);
  const bounded = <T>(promise: Promise<T>, what: string) =>
    Promise.race([
      promise,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`${what} took too long`)), 5000).unref(),
      ),
    ]);

  console.log("msg: ZeroMQ-style messaging for Node.js, wire-compatible with msg-rs.");

  step("Request/reply: a Rep echoes, a Req asks");
  const rep = new RepSocket(new TcpTransport(), { authTokens: ["tour-token"] });
  const repAddress = await rep.bind("127.0.0.1:0");
  say(`Rep bound to ${repAddress} (port 0 picks a free port)`);
  void (async () => {
    for await (const request of rep) request.respond(Buffer.from(`echo: ${Buffer.from(request.payload)}`));
  })();
  const req = new ReqSocket(new TcpTransport(), { authToken: "tour-token" });
  void req.connect(repAddress);
  const answers = await bounded(
    Promise.all(["one", "two", "three"].map((text) => req.request(text))),
    "requests",
  );
  for (const answer of answers) say(`response: ${Buffer.from(answer)}`);
  say(`Req stats: ${JSON.stringify(req.stats())}`);

  step("Authentication: a wrong token is refused with a typed error");
  const intruder = new ReqSocket(new TcpTransport(), { authToken: "guess" });
  void intruder.connect(repAddress);
  try {
    await bounded(intruder.request("let me in"), "refusal");
  } catch (error) {
    say(
      `request failed with code "${isMsgError(error) ? error.code : error}" (expected ${ErrorCode.AuthRejected})`,
    );
  }
  await intruder.close();

  step("Health check: PING is answered by the Rep socket itself");
  say(`PING -> ${Buffer.from(await bounded(req.request("PING"), "PING"))}`);
  await req.close();
  await rep.close();

  step("Publish/subscribe with NATS-style wildcards and per-subscriber sequence numbers");
  const pub = new PubSocket(new TcpTransport(), {
    compressor: createCompressor("gzip"),
    minCompressSize: 1024,
  });
  const pubAddress = await pub.bind("127.0.0.1:0");
  const sub = new SubSocket(new TcpTransport());
  const applied = new Promise<void>((resolve) => pub.once("subscribed", () => resolve()));
  await sub.subscribe("prices.*.btc");
  void sub.connect(pubAddress);
  await bounded(applied, "subscription");
  say(`Sub subscribed to "prices.*.btc" on ${pubAddress}`);
  for (const topic of ["prices.eu.btc", "prices.us.eth", "prices.us.btc", "news.btc"]) {
    await pub.publish(topic, topic.endsWith("btc") ? Buffer.from("x".repeat(4000)) : "small");
    say(`published on ${topic}`);
  }
  const iterator = sub[Symbol.asyncIterator]();
  for (let i = 0; i < 2; i++) {
    const { value } = await bounded(iterator.next(), "message");
    say(
      `received ${value!.topic} seq=${value!.seq} (${value!.payload.byteLength} bytes, sent gzip-compressed)`,
    );
  }
  say(
    `publisher sent ${pub.stats().bytesTx} bytes for 2 x 4000-byte payloads (compressed once before fan-out)`,
  );
  await sub.close();
  await pub.close();

  step("Same sockets, any transport: TCP, Unix socket, QUIC");
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { IpcTransport } = await import("@msg/transport-ipc");
  const { QuicTransport } = await import("@msg/transport-quic");
  const ipcDir = mkdtempSync(join(tmpdir(), "msg-tour-"));
  const transports: [string, () => Transport, string][] = [
    ["tcp", () => new TcpTransport(), "127.0.0.1:0"],
    ["ipc", () => new IpcTransport(), join(ipcDir, "tour.sock")],
    ["quic", () => new QuicTransport(), "127.0.0.1:0"],
  ];
  try {
    for (const [name, transport, bindAddress] of transports) {
      const server = new RepSocket(transport());
      const address = await server.bind(bindAddress);
      void (async () => {
        for await (const request of server) request.respond(request.payload);
      })();
      const client = new ReqSocket(transport());
      void client.connect(address);
      const started = performance.now();
      await bounded(client.request("ping"), `${name} request`);
      say(
        `${name.padEnd(4)} ${address}: first round trip (with connection set-up) ${(performance.now() - started).toFixed(1)} ms`,
      );
      await client.close();
      await server.close();
    }
  } finally {
    rmSync(ipcDir, { recursive: true, force: true }); // the socket file is gone; its folder too
  }
  say("(TLS takes certificates: see examples/reqrep_mtls.ts)");

  step("Next: from the root of the repository (each line runs as printed; the first two in two terminals)");
  say("npm exec msg -- rep --bind 127.0.0.1:4000");
  say("npm exec msg -- req --connect 127.0.0.1:4000 --count 1000");
  say(
    "npm exec msg -- --help                  # every command; npm exec msg -- pub --help: one command's flags",
  );
  say("node --import tsx examples/pubsub.ts    # examples/ has one runnable file per feature");
  return 0;
}
