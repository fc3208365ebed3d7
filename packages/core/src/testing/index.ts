/**
 * Test utilities shared by every msg package and by authors of third-party transports:
 * bounded waits (every wait in a test must have a timeout) and the transport compliance suite.
 */
export {
  type ComplianceLimits,
  type ComplianceTarget,
  type ComplianceTuning,
  transportComplianceSuite,
} from "./compliance.js";
export { waitFor, withTimeout } from "./wait.js";
