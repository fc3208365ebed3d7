// Pub/Sub with token authentication: only subscribers with a valid token receive anything.
// Run: node --import tsx examples/pubsub_auth.ts
import { isMsgError, PubSocket, SubSocket, TcpTransport } from "@msg/msg";

const pub = new PubSocket(new TcpTransport(), { authTokens: ["reader-token"] });
const address = await pub.bind("127.0.0.1:0");
pub.on("authRejected", ({ address: peer }) => console.log(`publisher: refused ${peer}`));

const reader = new SubSocket(new TcpTransport(), { authToken: "reader-token" });
const subscribed = new Promise((resolve) => pub.once("subscribed", resolve));
await reader.subscribe("alerts.>");
void reader.connect(address);
await subscribed;

const outsider = new SubSocket(new TcpTransport(), { authToken: "not-a-token" });
await outsider.subscribe("alerts.>");
try {
  await outsider.connect(address);
} catch (error) {
  console.log(`outsider: ${isMsgError(error) ? error.code : error}`);
}

await pub.publish("alerts.disk", "disk 91% full");
const { value } = await reader[Symbol.asyncIterator]().next();
console.log(`reader: ${value!.topic}: ${Buffer.from(value!.payload)}`);
console.log(`publisher has ${pub.stats().activeClients} subscriber(s)`);
await Promise.all([reader.close(), outsider.close()]);
await pub.close();
