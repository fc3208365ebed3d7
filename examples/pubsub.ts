// Publish/subscribe with NATS-style wildcards: `*` matches one token, `>` the rest. Each subscriber
// session numbers the messages it sends (`seq`), so a subscriber can see loss as gaps.
// Run: node --import tsx examples/pubsub.ts
import { PubSocket, SubSocket, TcpTransport } from "@msg/msg";

const pub = new PubSocket(new TcpTransport());
const address = await pub.bind("127.0.0.1:0");

const europe = new SubSocket(new TcpTransport());
const everything = new SubSocket(new TcpTransport());
let applied = 0;
const ready = new Promise<void>((resolve) => pub.on("subscribed", () => ++applied === 2 && resolve()));
await europe.subscribe("prices.eu.*");
await everything.subscribe("prices.>");
void europe.connect(address);
void everything.connect(address);
await ready;

const updates = [
  ["prices.eu.btc", "64000"],
  ["prices.us.btc", "64100"],
  ["prices.eu.eth", "3100"],
  ["news.eu.btc", "ignored by both"],
] as const;
for (const [topic, price] of updates) await pub.publish(topic, price);

async function show(name: string, sub: SubSocket, count: number) {
  const iterator = sub[Symbol.asyncIterator]();
  for (let i = 0; i < count; i++) {
    const { value } = await iterator.next();
    console.log(`${name}: ${value!.topic} = ${Buffer.from(value!.payload)} (seq ${value!.seq})`);
  }
}
await show("europe", europe, 2);
await show("everything", everything, 3);
await Promise.all([europe.close(), everything.close()]);
await pub.close();
