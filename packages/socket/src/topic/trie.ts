import { SINGLE_TOKEN_WILDCARD, TAIL_WILDCARD, TOKEN_SEPARATOR } from "./tokens.js";

/** One token position in the trie. Edges are literal tokens, plus one dedicated edge for `*`. */
class TrieNode {
  /** Children reached by an exact token; created on first use (most nodes are leaves). */
  literal: Map<string, TrieNode> | undefined;
  /** Child reached by `*`, matching any single token. */
  anyToken: TrieNode | undefined;
  /** A pattern ends exactly here. */
  end = false;
  /** A pattern continues from here with `>`: any one or more further tokens match. */
  tail = false;

  isUnused(): boolean {
    return !this.end && !this.tail && this.anyToken === undefined && (this.literal?.size ?? 0) === 0;
  }
}

/**
 * A token trie of subscription patterns with NATS semantics. It holds no duplicates bookkeeping: the
 * caller ({@link TopicMatcher}) guarantees each pattern is inserted once and removed only if present,
 * and passes only valid patterns (`>` last, see validatePattern).
 *
 * Matching backtracks: at every node it tries the exact-token child first and, if that path fails,
 * the `*` child, so patterns `a.b.c` and `a.*.d` both match their topics. Each trie node sits at one
 * depth, so a topic visits each node at most once: the worst case is the size of the trie, never
 * exponential.
 */
export class PatternTrie {
  private readonly root = new TrieNode();

  /** Adds a pattern given as its tokens. */
  insert(tokens: readonly string[]): void {
    let node = this.root;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      if (token === TAIL_WILDCARD && i === tokens.length - 1) {
        node.tail = true;
        return;
      }
      node = this.child(node, token);
    }
    node.end = true;
  }

  /** Removes a pattern given as its tokens, pruning nodes no other pattern uses. */
  remove(tokens: readonly string[]): void {
    const path: TrieNode[] = [this.root];
    let node: TrieNode | undefined = this.root;
    const last = tokens.length - 1;
    for (let i = 0; i <= last && node !== undefined; i++) {
      const token = tokens[i]!;
      if (token === TAIL_WILDCARD && i === last) break;
      node = token === SINGLE_TOKEN_WILDCARD ? node.anyToken : node.literal?.get(token);
      if (node !== undefined) path.push(node);
    }
    if (node === undefined) return;
    if (tokens[last] === TAIL_WILDCARD) node.tail = false;
    else node.end = false;
    // Prune upwards: path[d] was reached from path[d - 1] by tokens[d - 1].
    for (let depth = path.length - 1; depth > 0 && path[depth]!.isUnused(); depth--) {
      const parent = path[depth - 1]!;
      const token = tokens[depth - 1]!;
      if (token === SINGLE_TOKEN_WILDCARD) parent.anyToken = undefined;
      else parent.literal?.delete(token);
    }
  }

  /** True when some pattern in the trie matches `topic`. */
  matches(topic: string): boolean {
    return matchFrom(this.root, topic, 0);
  }

  private child(node: TrieNode, token: string): TrieNode {
    if (token === SINGLE_TOKEN_WILDCARD) {
      node.anyToken ??= new TrieNode();
      return node.anyToken;
    }
    node.literal ??= new Map();
    let next = node.literal.get(token);
    if (next === undefined) {
      next = new TrieNode();
      node.literal.set(token, next);
    }
    return next;
  }
}

/**
 * Matches the tokens of `topic` from index `start` against the patterns below `node`. Tokens are
 * located with indexOf instead of split() so that a match allocates no array. A topic with n
 * separators has n + 1 tokens (`""` is one empty token), so "no token left" is `start > length`.
 */
function matchFrom(node: TrieNode, topic: string, start: number): boolean {
  if (start > topic.length) return node.end;
  if (node.tail) return true; // `>` takes the one or more tokens that remain.
  let end = topic.indexOf(TOKEN_SEPARATOR, start);
  if (end === -1) end = topic.length;
  if (node.literal !== undefined) {
    const next = node.literal.get(topic.slice(start, end));
    if (next !== undefined && matchFrom(next, topic, end + 1)) return true;
  }
  return node.anyToken !== undefined && matchFrom(node.anyToken, topic, end + 1);
}
