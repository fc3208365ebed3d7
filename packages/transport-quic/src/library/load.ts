import { ErrorCode, MsgError } from "@msg/core";

/**
 * Loading `@matrixai/quic` (quiche bindings). The library is ESM only; it is loaded with a dynamic
 * `import()` so that the CommonJS build of this package works too (Node 20 cannot `require` an ES module).
 * It is an optional dependency, like `selfsigned` (certificates for `bind`): `npm install --omit=optional`
 * leaves both out, with the native binary; everything else works, and QUIC fails with
 * `transport_unavailable` naming the package to install.
 */
export type QuicLibrary = typeof import("@matrixai/quic");

export const QUIC_LIBRARY = "@matrixai/quic";
/** The optional packages QUIC needs; a missing one is reported with the command that installs both. */
const QUIC_PACKAGES = [QUIC_LIBRARY, "selfsigned"];

let libraryLoading: Promise<QuicLibrary> | undefined;

/** Loads `@matrixai/quic` once (its native binding included); a failure is remembered too. */
export function loadQuicLibrary(): Promise<QuicLibrary> {
  libraryLoading ??= importLibrary<QuicLibrary>(QUIC_LIBRARY);
  return libraryLoading;
}

/**
 * Imports `name`, or rejects with MsgError `transport_unavailable` saying what to install. Exported for
 * tests, which give it a name that does not resolve.
 */
export async function importLibrary<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    const missing =
      (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") &&
      typeof message === "string" &&
      message.includes(`'${name}'`);
    const needs = `the QUIC transport needs the optional packages ${QUIC_PACKAGES.join(" and ")}`;
    const reason = missing
      ? `${name} is not installed: npm install ${QUIC_PACKAGES.join(" ")}`
      : `${name} failed to load (${message}); reinstall it`;
    throw new MsgError(ErrorCode.TransportUnavailable, `${needs}; ${reason}`, { cause: error });
  }
}
