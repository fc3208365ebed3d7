export { QUIC } from "./connection.js";
export { CloseCode } from "./library/types.js";
export { QuicListener, type QuicListenerStats } from "./listener.js";
export { type Pem, type QuicTransportOptions, quicDefaults } from "./options.js";
export { QuicTransport } from "./transport.js";
