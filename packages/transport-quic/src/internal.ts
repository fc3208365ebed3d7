/**
 * `@msg/transport-quic/internal`: the pieces of this transport that a client or server written directly
 * against `@matrixai/quic` needs to behave like it (the library's loader, its crypto callbacks, the
 * shared config, the self-signed certificate). This repository's `benchmarks/quic-raw.mjs` uses it to
 * compare the raw library with the transport on equal terms. Not a stable API: it follows the adapter.
 */
export { generateLocalhostCertificate } from "./certificate.js";
export { clientCrypto, serverCrypto, sessionConfig } from "./library/glue.js";
export { loadQuicLibrary } from "./library/load.js";
export { resolveQuicOptions } from "./options.js";
