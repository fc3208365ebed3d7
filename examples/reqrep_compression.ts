// Per-message compression: each side picks its own algorithm; the receiver decompresses by the id in
// each frame's header. Only payloads larger than `minCompressSize` are compressed.
// Run: node --import tsx examples/reqrep_compression.ts
import { createCompressor, RepSocket, ReqSocket, TcpTransport } from "@msg/msg";

const document = Buffer.from(
  JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ id: i, status: "active" }))),
);

const rep = new RepSocket(new TcpTransport(), { compressor: createCompressor("lz4"), minCompressSize: 1024 });
const address = await rep.bind("127.0.0.1:0");
const serving = (async () => {
  for await (const request of rep) request.respond(request.payload);
})();

for (const algorithm of ["gzip", "zstd", "snappy", "lz4"] as const) {
  const req = new ReqSocket(new TcpTransport(), {
    compressor: createCompressor(algorithm),
    minCompressSize: 1024,
  });
  await req.connect(address);
  const echoed = await req.request(document);
  const { bytesTx, bytesRx } = req.stats();
  console.log(
    `${algorithm.padEnd(6)} request ${document.length} B sent as ${bytesTx - 10} B; ` +
      `lz4 response received as ${bytesRx - 10} B; intact: ${Buffer.compare(echoed, document) === 0}`,
  );
  await req.close();
}
await rep.close();
await serving;
