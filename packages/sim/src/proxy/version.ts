/**
 * The version `GET /version` reports: @msg/sim's own (a test keeps it equal to package.json's), since
 * this is not toxiproxy and must not claim one of its version numbers.
 */
export const SIM_VERSION = "0.1.0";
