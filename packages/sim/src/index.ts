export * from "./engine/index.js";
export * from "./network/index.js";

// Standalone proxy (`msg sim proxy`) and the toxiproxy-compatible API (`msg sim serve`).
export * from "./proxy/index.js";
