// Token authentication (the built-in hook of the wire protocol): a good token is accepted, a wrong one
// is refused and the Req reports `auth_rejected`, not a generic I/O error.
// Run: node --import tsx examples/reqrep_auth.ts
import { isMsgError, RepSocket, ReqSocket, TcpTransport } from "@msg/msg";

const rep = new RepSocket(new TcpTransport(), { authTokens: ["team-a-token", "team-b-token"] });
const address = await rep.bind("127.0.0.1:0");
rep.on("authRejected", ({ address: peer }) => console.log(`server: refused a client from ${peer}`));
const serving = (async () => {
  for await (const request of rep) request.respond(request.payload);
})();

const member = new ReqSocket(new TcpTransport(), { authToken: "team-a-token" });
await member.connect(address);
console.log(`member: ${Buffer.from(await member.request("hello"))}`);

const stranger = new ReqSocket(new TcpTransport(), { authToken: "guessed" });
try {
  await stranger.connect(address);
} catch (error) {
  console.log(`stranger: connect failed with ${isMsgError(error) ? error.code : error}`);
}
try {
  await stranger.request("hello");
} catch (error) {
  console.log(`stranger: request failed with ${isMsgError(error) ? error.code : error}`);
}

await Promise.all([member.close(), stranger.close()]);
await rep.close();
await serving;
