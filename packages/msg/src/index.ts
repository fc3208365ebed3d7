/**
 * @msg/msg: everything in one package. Re-exports the interfaces and utilities (@msg/core), the wire
 * codecs (@msg/wire), the sockets (@msg/socket), every transport and the network emulator (@msg/sim).
 */
export * from "@msg/core";
export * from "@msg/sim";
export * from "@msg/socket";
export * from "@msg/transport-ipc";
// TLS and QUIC each name their PEM input type `Pem`; the umbrella exports TLS's as Pem, QUIC's as QuicPem.
export type { Pem as QuicPem } from "@msg/transport-quic";
export * from "@msg/transport-quic";
export type { Pem } from "@msg/transport-tcp";
export * from "@msg/transport-tcp";
export * from "@msg/transport-ws";
export * from "@msg/wire";
