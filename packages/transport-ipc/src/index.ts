export { IpcTransport } from "./ipc-transport.js";
export type { IpcTransportOptions } from "./options.js";
