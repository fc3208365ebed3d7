/**
 * @msg/wire: the msg wire protocol (msg-rs 0.1.6 compatible) — frame encoders, incremental decoders
 * and per-message compression codecs. Pure: no I/O.
 */
export {
  AUTH_ACCEPTED,
  AUTH_ACK_SIZE,
  AUTH_HEADER_SIZE,
  AUTH_REJECTED,
  AuthDecoder,
  type AuthFrame,
  encodeAuthToken,
  parseAuthAck,
  parseAuthHeader,
} from "./auth.js";
export {
  type CompressorOptions,
  createCompressor,
  decompress,
} from "./compression/codecs.js";
export {
  compressionName,
  DEFAULT_MAX_DECOMPRESSED_SIZE,
  DEFAULT_MIN_COMPRESS_SIZE,
  shouldCompress,
  toCompressionType,
} from "./compression/limits.js";
export { DEFAULT_MAX_FRAME_SIZE, type DecoderOptions, FrameDecoder } from "./frame-decoder.js";
export {
  encodePubSub,
  encodeSubscribe,
  encodeUnsubscribe,
  PUBSUB_FIXED_HEADER_SIZE,
  PubSubDecoder,
  type PubSubFrame,
  type PubSubFrameView,
  PubSubViewDecoder,
  parseControlTopic,
  SUBSCRIBE_PREFIX,
  UNSUBSCRIBE_PREFIX,
  writePubSubHeader,
  writePubSubSeqAndSize,
} from "./pubsub.js";
export {
  encodeReqRep,
  REQREP_HEADER_SIZE,
  ReqRepDecoder,
  type ReqRepFrame,
  writeReqRepHeader,
} from "./reqrep.js";
export { encodeTopic, MAX_TOPIC_LENGTH } from "./topic.js";
export { WireId } from "./wire-id.js";
