export { TopicMatcher, type TopicMatcherOptions } from "./matcher.js";
export type { ResultCacheStats as TopicCacheStats } from "./result-cache.js";
export {
  isWildcardToken,
  SINGLE_TOKEN_WILDCARD,
  TAIL_WILDCARD,
  TOKEN_SEPARATOR,
  tokenize,
} from "./tokens.js";
export {
  MAX_PATTERN_BYTES,
  MAX_TOPIC_BYTES,
  RESERVED_TOPIC_PREFIX,
  validatePattern,
  validateTopic,
} from "./validate.js";
