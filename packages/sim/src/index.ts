// @msg/sim is not built yet: see README.md. It exports nothing until an issue asks for the emulator.
export {};

// Standalone proxy (`msg sim proxy`) and the toxiproxy-compatible API (`msg sim serve`).
export * from "./proxy/index.js";
