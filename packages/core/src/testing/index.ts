/**
 * Test utilities shared by every msg package and by authors of third-party transports:
 * bounded waits (every wait in a test must have a timeout), the transport compliance suite, and a
 * throwaway TLS PKI generated with openssl.
 */
export {
  type ComplianceLimits,
  type ComplianceTarget,
  type ComplianceTuning,
  transportComplianceSuite,
} from "./compliance.js";
export { generateTestPki, type Identity, type TestPki } from "./pki.js";
export { waitFor, withTimeout } from "./wait.js";
