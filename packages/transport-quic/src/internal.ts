/**
 * `@msg/transport-quic/internal`: the pieces of this transport that a client or server written directly
 * against `@matrixai/quic` or quiche's native binding needs to behave like it (the loader of the library
 * and its binding, the self-signed certificate). This repository's `benchmarks/quic-raw.mjs` and
 * `benchmarks/quic-floor.mjs` use it. Not a stable API: it follows the engine.
 */
export { generateLocalhostCertificate } from "./certificate.js";
export { loadQuicLibrary } from "./library/load.js";
