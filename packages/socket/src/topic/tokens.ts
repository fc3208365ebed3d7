/**
 * The vocabulary of topics and patterns (NATS subjects): `.`-separated tokens, where a pattern token
 * that is exactly `*` or exactly `>` is a wildcard. A token that merely contains `*` or `>` (`a*`, `>b`)
 * is an ordinary literal token.
 */

/** Separates the tokens of a topic or pattern. */
export const TOKEN_SEPARATOR = ".";

/** Pattern token matching exactly one topic token, whatever it is (including an empty token). */
export const SINGLE_TOKEN_WILDCARD = "*";

/** Pattern token, allowed only in last position, matching one or more trailing topic tokens. */
export const TAIL_WILDCARD = ">";

/** Splits a topic or pattern into its tokens. `""` is one empty token; `a..b` is `a`, ``, `b`. */
export function tokenize(text: string): string[] {
  return text.split(TOKEN_SEPARATOR);
}

/** True when the token is `*` or `>`. */
export function isWildcardToken(token: string): boolean {
  return token === SINGLE_TOKEN_WILDCARD || token === TAIL_WILDCARD;
}

/** True when some token of `text` is a wildcard. Cheap for the common case of no `*`/`>` at all. */
export function hasWildcardToken(text: string): boolean {
  if (!text.includes(SINGLE_TOKEN_WILDCARD) && !text.includes(TAIL_WILDCARD)) return false;
  return tokenize(text).some(isWildcardToken);
}
