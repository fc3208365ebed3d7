/**
 * Loading `@matrixai/quic` (quiche bindings). The library is ESM only; it is loaded with a dynamic
 * `import()` so that the CommonJS build of this package works too (Node 20 cannot `require` an ES module).
 */
export type QuicLibrary = typeof import("@matrixai/quic");

let libraryLoading: Promise<QuicLibrary> | undefined;

/** Loads `@matrixai/quic` once (its native binding included). */
export function loadQuicLibrary(): Promise<QuicLibrary> {
  libraryLoading ??= import("@matrixai/quic");
  return libraryLoading;
}
