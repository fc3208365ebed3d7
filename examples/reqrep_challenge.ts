// A custom connection hook: HMAC challenge/response. The server sends a random nonce, the client
// answers HMAC-SHA256(key, nonce), the server answers one byte: 1 accepted, 0 refused. The shared key
// never crosses the wire. (Over QUIC the client must speak first; see docs/protocol.md, "Token handshake".)
// Run: node --import tsx examples/reqrep_challenge.ts
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import {
  type Connection,
  type ConnectionHook,
  ErrorCode,
  isMsgError,
  MsgError,
  RepSocket,
  ReqSocket,
  readExactly,
  TcpTransport,
} from "@msg/msg";

const NONCE_SIZE = 32;
const sign = (key: string, nonce: Uint8Array) => createHmac("sha256", key).update(nonce).digest();

function challengeServer(key: string): ConnectionHook {
  return {
    name: "hmac-challenge-server",
    async run(connection: Connection, { signal }) {
      const nonce = randomBytes(NONCE_SIZE);
      connection.write(nonce);
      const answer = await readExactly(connection, 32, signal);
      const ok = timingSafeEqual(Buffer.from(answer), sign(key, nonce));
      connection.write(Buffer.from([ok ? 1 : 0]));
      if (!ok) throw new MsgError(ErrorCode.AuthRejected, "wrong answer to the challenge");
      return connection;
    },
  };
}

function challengeClient(key: string): ConnectionHook {
  return {
    name: "hmac-challenge-client",
    async run(connection: Connection, { signal }) {
      const nonce = await readExactly(connection, NONCE_SIZE, signal);
      connection.write(sign(key, nonce));
      const [verdict] = await readExactly(connection, 1, signal);
      if (verdict !== 1) throw new MsgError(ErrorCode.AuthRejected, "the server refused our answer");
      return connection;
    },
  };
}

const rep = new RepSocket(new TcpTransport(), { hook: challengeServer("correct horse") });
const address = await rep.bind("127.0.0.1:0");
const serving = (async () => {
  for await (const request of rep) request.respond(`signed in: ${Buffer.from(request.payload)}`);
})();

const friend = new ReqSocket(new TcpTransport(), { hook: challengeClient("correct horse") });
await friend.connect(address);
console.log(`friend: ${Buffer.from(await friend.request("hi"))}`);

const impostor = new ReqSocket(new TcpTransport(), { hook: challengeClient("battery staple") });
try {
  await impostor.connect(address);
} catch (error) {
  console.log(`impostor: ${isMsgError(error) ? error.code : error}`);
}

await Promise.all([friend.close(), impostor.close()]);
await rep.close();
await serving;
