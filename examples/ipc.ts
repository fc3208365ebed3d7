// Request/reply over a Unix domain socket: a file path instead of host:port. The socket file is created
// with the permissions you ask for (here owner-only), a stale file from a crashed server is replaced,
// and the file is removed on close.
// Run: node --import tsx examples/ipc.ts
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IpcTransport, RepSocket, ReqSocket } from "@msg/msg";

const folder = mkdtempSync(join(tmpdir(), "msg-example-"));
const path = join(folder, "service.sock");
const rep = new RepSocket(new IpcTransport({ mode: 0o600 }));
await rep.bind(path);
console.log(`Rep listening on ${path} (mode ${(statSync(path).mode & 0o777).toString(8)})`);
const serving = (async () => {
  for await (const request of rep) request.respond(`pong from ${process.pid} to ${request.peer}`);
})();

const clients = [new ReqSocket(new IpcTransport()), new ReqSocket(new IpcTransport())];
for (const [i, req] of clients.entries()) {
  await req.connect(path);
  console.log(`client ${i}: ${Buffer.from(await req.request("ping"))}`);
}
await Promise.all(clients.map((req) => req.close()));
await rep.close();
await serving;
let removed = false;
try {
  statSync(path);
} catch {
  removed = true;
}
console.log(`socket file removed on close: ${removed}`);
rmSync(folder, { recursive: true }); // the folder was ours; the socket file is already gone
