// The same transfer over TCP and over QUIC: 150 requests of 16 KiB, 32 in flight, echoed back.
// Only the transport changes; the sockets and the code are identical.
// Run: node --import tsx examples/quic_vs_tcp.ts
import { QuicTransport, RepSocket, ReqSocket, TcpTransport, type Transport } from "@msg/msg";

async function transfer(name: string, transport: () => Transport): Promise<void> {
  const rep = new RepSocket(transport());
  const address = await rep.bind("127.0.0.1:0");
  const serving = (async () => {
    for await (const request of rep) request.respond(request.payload);
  })();
  const req = new ReqSocket(transport(), { timeout: 20_000 });
  await req.connect(address);
  const payload = Buffer.alloc(16 * 1024, 7);
  const total = 150;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < total) {
        next++;
        const echoed = await req.request(payload);
        if (echoed.byteLength !== payload.byteLength) throw new Error("short echo");
      }
    }),
  );
  const ms = performance.now() - started;
  const mb = (2 * total * payload.byteLength) / 1e6;
  console.log(
    `${name.padEnd(4)} ${total} round trips of 16 KiB in ${ms.toFixed(0)} ms (${(mb / (ms / 1000)).toFixed(1)} MB/s both ways)`,
  );
  await req.close();
  await rep.close();
  await serving;
}

await transfer("tcp", () => new TcpTransport());
await transfer("quic", () => new QuicTransport());
console.log(
  "QUIC encrypts and sends every datagram in user space, so it costs several times TCP's CPU; see packages/transport-quic/README.md.",
);
