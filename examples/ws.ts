// Request/reply and publish/subscribe over WebSocket (ws://): the same sockets as over TCP, with a
// WebSocket transport. Each listener serves one URL path; the Rep accepts browsers only from one origin.
// Run: node --import tsx examples/ws.ts   (after `npm run build`)
import { isMsgError, PubSocket, RepSocket, ReqSocket, SubSocket, WsTransport } from "@msg/msg";

// Req/Rep on ws://127.0.0.1:<port>/rpc. Non-browser clients send no Origin and are accepted.
const rep = new RepSocket(new WsTransport({ allowedOrigins: ["https://app.example"] }));
const rpc = await rep.bind("ws://127.0.0.1:0/rpc"); // port 0: the OS picks a free port
console.log(`Rep listening on ${rpc}`);
const serving = (async () => {
  for await (const request of rep) request.respond(Buffer.from(request.payload).toString().toUpperCase());
})();

const req = new ReqSocket(new WsTransport(), { timeout: 2000 });
await req.connect(rpc);
for (const word of ["alpha", "beta"]) console.log(`${word} -> ${Buffer.from(await req.request(word))}`);

// A page from another origin is refused during the upgrade (HTTP 403).
const foreign = await new WsTransport({ origin: "https://elsewhere.example" }).connect(rpc).catch((e) => e);
console.log(`origin https://elsewhere.example: ${isMsgError(foreign) ? foreign.code : "connected?!"}`);

// Pub/Sub on its own path; host:port addresses take the transport's `path` option.
const pub = new PubSocket(new WsTransport({ path: "/events" }));
const events = await pub.bind("127.0.0.1:0");
console.log(`Pub listening on ${events}`);
const sub = new SubSocket(new WsTransport());
const subscribed = new Promise((resolve) => pub.once("subscribed", resolve));
await sub.subscribe("orders.*");
void sub.connect(events);
await subscribed;
await pub.publish("orders.created", "order 17");
await pub.publish("audit.login", "not for this subscriber");
await pub.publish("orders.shipped", "order 17");
const messages = sub[Symbol.asyncIterator]();
for (let i = 0; i < 2; i++) {
  const { value } = await messages.next();
  console.log(`sub: ${value!.topic} = ${Buffer.from(value!.payload)}`);
}

await Promise.all([req.close(), sub.close()]);
await Promise.all([rep.close(), pub.close()]);
await serving;
