export { formatHostPort, type HostPort, parseHostPort } from "./address.js";
export { Backoff, type BackoffOptions } from "./backoff.js";
export { monotonicMicros, nowMicros } from "./clock.js";
export {
  type CompressionName,
  CompressionType,
  type Compressor,
  compressionNames,
} from "./compression.js";
export type { Connection, ConnectionHandler, ConnectionStats } from "./connection.js";
export { readExactly } from "./connection-io.js";
export { ErrorCode, isMsgError, MsgError, toMsgError } from "./errors.js";
export type { ConnectionHook, HookContext } from "./hook.js";
export { InboundDelivery, type InboundSource } from "./inbound-delivery.js";
export {
  createLogger,
  type Logger,
  LogLevel,
  type LogLevelName,
  type LogRecord,
  type LogSink,
  setLogLevel,
  setLogSink,
} from "./logger.js";
export {
  checkBoolean,
  checkBytes,
  checkInteger,
  checkMethods,
  checkNumber,
  checkOneOf,
  MAX_TIMER_MS,
  optionError,
} from "./options.js";
export {
  allocBytes,
  allowManyListeners,
  atTurnEnd,
  concatBytes,
  environmentVariable,
  MAX_BYTE_LENGTH,
  onNextTurn,
  unrefTimer,
  utf8Encode,
  utf8Length,
  writeDiagnostic,
} from "./runtime.js";
export type {
  ConnectAttemptStats,
  ConnectErrorInfo,
  PublisherStats,
  PubSocketStats,
  RepSocketStats,
  ReqSocketStats,
  SubSocketStats,
} from "./stats.js";
export {
  type ConnectOptions,
  type Listener,
  type PendingConnection,
  type Transport,
  type TransportControl,
  unsupportedControl,
} from "./transport.js";
