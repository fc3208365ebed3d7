/**
 * Test utilities shared by every msg package and by authors of third-party transports, one of each:
 * bounded waits (every wait in a test must have a timeout), a connection `Reader` and an `Incoming`
 * queue with bounded waits, `Resources` closed after each test, free ports and temp socket paths, and
 * a throwaway TLS PKI generated with openssl. The transport compliance suite is its own entry,
 * `@msg/core/compliance` (ESM only, as vitest is).
 */
export { freePort, freeUdpPort, TempPaths } from "./addresses.js";
export {
  badOptionCases,
  badTimeoutValues,
  badTlsOptionValues,
  notANumber,
  optionRefusal,
} from "./options.js";
export { generateTestPki, type Identity, type TestPki } from "./pki.js";
export { Reader } from "./reader.js";
export { Incoming, Resources } from "./resources.js";
export { rejectionOf, waitFor, withTimeout } from "./wait.js";
