export * from "./engine/index.js";
export * from "./network/index.js";
