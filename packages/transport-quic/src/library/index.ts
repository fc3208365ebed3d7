/**
 * The adapter over `@matrixai/quic`: the only code in this package that knows the library. Everything
 * else works with the types below, so the library can be replaced by rewriting this directory alone.
 */
export { connectQuic } from "./client.js";
export { listenQuic } from "./server.js";
export * from "./types.js";
