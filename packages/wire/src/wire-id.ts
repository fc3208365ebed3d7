/** The first byte of every frame names its protocol (docs/protocol.md, "Ground rules"). */
export const WireId = {
  /** The token handshake. */
  Auth: 0x01,
  /** Requests and responses. */
  ReqRep: 0x02,
  /** Published messages and subscription control frames. */
  PubSub: 0x03,
} as const;
export type WireId = (typeof WireId)[keyof typeof WireId];
