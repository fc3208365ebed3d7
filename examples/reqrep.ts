// Request/reply over TCP: a Rep echoes in upper case, a Req sends requests from concurrent callers.
// Run: node --import tsx examples/reqrep.ts   (after `npm run build`)
import { RepSocket, ReqSocket, TcpTransport } from "@msg/msg";

const rep = new RepSocket(new TcpTransport());
const address = await rep.bind("127.0.0.1:0"); // port 0: the OS picks a free port
console.log(`Rep listening on ${address}`);
const serving = (async () => {
  for await (const request of rep) {
    request.respond(Buffer.from(request.payload).toString().toUpperCase());
  }
})();

const req = new ReqSocket(new TcpTransport(), { timeout: 2000 });
await req.connect(address);
const words = ["alpha", "beta", "gamma", "delta"];
const answers = await Promise.all(words.map((word) => req.request(word)));
for (const [i, answer] of answers.entries()) console.log(`${words[i]} -> ${Buffer.from(answer)}`);

const stats = req.stats();
console.log(
  `sent ${stats.requestsSent}, received ${stats.responsesReceived}, average RTT ${stats.averageRttUs} µs`,
);
await req.close();
await rep.close();
await serving;
