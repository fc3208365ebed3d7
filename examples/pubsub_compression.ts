// Compression in Pub/Sub happens once per message, before fan-out: every subscriber gets the same
// compressed bytes, and subscribers need no compressor of their own to read them.
// Run: node --import tsx examples/pubsub_compression.ts
import { createCompressor, PubSocket, SubSocket, TcpTransport } from "@msg/msg";

const pub = new PubSocket(new TcpTransport(), {
  compressor: createCompressor("zstd", { level: 3 }),
  minCompressSize: 512,
});
const address = await pub.bind("127.0.0.1:0");
const subs = [
  new SubSocket(new TcpTransport()),
  new SubSocket(new TcpTransport()),
  new SubSocket(new TcpTransport()),
];
let applied = 0;
const ready = new Promise<void>((resolve) =>
  pub.on("subscribed", () => ++applied === subs.length && resolve()),
);
for (const sub of subs) {
  await sub.subscribe("logs.*");
  void sub.connect(address);
}
await ready;

const line = "2026-11-21T06:00:00Z INFO request served in 3 ms path=/api/v1/items status=200\n";
const batch = Buffer.from(line.repeat(200));
await pub.publish("logs.web", batch);
for (const [i, sub] of subs.entries()) {
  const { value } = await sub[Symbol.asyncIterator]().next();
  console.log(
    `subscriber ${i}: ${value!.payload.byteLength} bytes, intact: ${Buffer.compare(value!.payload, batch) === 0}`,
  );
}
const { bytesTx } = pub.stats();
console.log(`payload ${batch.length} B; publisher sent ${bytesTx} B in all to ${subs.length} subscribers`);
await Promise.all(subs.map((sub) => sub.close()));
await pub.close();
