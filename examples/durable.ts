// Durability: the server restarts while a client keeps sending. The Req reconnects by itself with
// capped, jittered backoff; requests caught by the restart fail fast with `connection_lost` (or, with
// `resendOnReconnect`, are sent again once reconnected), and requests made while the server is down
// wait for it ("late bind").
// Run: node --import tsx examples/durable.ts
import { isMsgError, RepSocket, ReqSocket, TcpTransport } from "@msg/msg";

async function startServer(address: string, name: string) {
  const rep = new RepSocket(new TcpTransport());
  const bound = await rep.bind(address);
  void (async () => {
    for await (const request of rep) request.respond(`${name}: ${Buffer.from(request.payload)}`);
  })();
  return { rep, address: bound };
}

const first = await startServer("127.0.0.1:0", "server 1");
const req = new ReqSocket(new TcpTransport(), {
  resendOnReconnect: true,
  reconnectInitialDelay: 50,
  timeout: 3000,
});
req.on("disconnected", () => console.log("client: connection lost"));
req.on("reconnectScheduled", ({ delayMs }) => console.log(`client: reconnecting in ${delayMs} ms`));
req.on("connected", ({ address }) => console.log(`client: connected to ${address}`));
await req.connect(first.address);
console.log(Buffer.from(await req.request("before the restart")).toString());

await first.rep.close();
console.log("server 1 is gone; a request made now waits for the next server");
const waiting = req.request("made while the server was down");
await new Promise((resolve) => setTimeout(resolve, 300));
const second = await startServer(first.address, "server 2");
try {
  console.log(Buffer.from(await waiting).toString());
} catch (error) {
  console.log(`request failed: ${isMsgError(error) ? error.code : error}`);
}
console.log(Buffer.from(await req.request("after the restart")).toString());
await req.close();
await second.rep.close();
