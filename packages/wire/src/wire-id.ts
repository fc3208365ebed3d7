/** The first byte of every frame names its protocol (docs/protocol.md, "Ground rules"). */
export const WireId = { Auth: 0x01, ReqRep: 0x02, PubSub: 0x03 } as const;
export type WireId = (typeof WireId)[keyof typeof WireId];
