/**
 * Test utilities shared by every msg package and by authors of third-party transports: bounded waits
 * (every wait in a test must have a timeout) and a throwaway TLS PKI generated with openssl. The
 * transport compliance suite is its own entry, `@msg/core/compliance` (ESM only, as vitest is).
 */
export { generateTestPki, type Identity, type TestPki } from "./pki.js";
export { waitFor, withTimeout } from "./wait.js";
