#!/usr/bin/env node
/**
 * Micro-benchmark of topic matching (packages/socket/src/topic), the publisher's per-message,
 * per-subscriber hot path: TopicMatcher.matches() with about 10 and about 1000 patterns, with the
 * recent-results cache (default) and without it (cacheSize 0, the bare trie), over a few topics that
 * repeat (the usual publisher) and over many distinct topics (the cache cannot help). Also
 * validateTopic(), which the publisher runs once per message.
 *
 *   node benchmarks/topic.mjs [--quick] [--json FILE]
 *
 * Single process, no I/O. Loads the built @msg/socket when it exports TopicMatcher, otherwise the
 * TypeScript source through tsx.
 */
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { formatCount } from "./lib/format.mjs";
import { medianSample } from "./lib/stats.mjs";
import { markdownTable } from "./lib/table.mjs";

const { values } = parseArgs({
  options: { quick: { type: "boolean", default: false }, json: { type: "string" } },
});
const DURATION_MS = values.quick ? 100 : 500;
const REPEATS = values.quick ? 1 : 5;

async function loadTopicModule() {
  try {
    const built = await import("@msg/socket");
    if (typeof built.TopicMatcher === "function") return { ...built, source: "@msg/socket (dist)" };
  } catch {
    // not built yet: fall back to the source
  }
  const { tsImport } = await import("tsx/esm/api");
  const source = await tsImport("../packages/socket/src/topic/index.ts", import.meta.url);
  return { ...source, source: "packages/socket/src/topic (source via tsx)" };
}

/** A deterministic pseudo-random generator, so every run matches the same patterns and topics. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const SEGMENTS = ["market", "orders", "trades", "quotes", "news", "risk", "ops", "audit"];
const SYMBOLS = Array.from({ length: 200 }, (_, i) => `sym${i}`);
const REGIONS = ["eu", "us", "ap", "sa"];

/**
 * `count` patterns shaped like a subscriber's interests: 70% exact topics, 20% with `*` in the
 * middle, 10% ending in `>`.
 */
function patternsOf(count, next) {
  const pick = (list) => list[Math.floor(next() * list.length)];
  const patterns = new Set();
  while (patterns.size < count) {
    const roll = next();
    const base = `${pick(SEGMENTS)}.${pick(REGIONS)}`;
    if (roll < 0.7) patterns.add(`${base}.${pick(SYMBOLS)}.${pick(["bid", "ask", "last"])}`);
    else if (roll < 0.9) patterns.add(`${pick(SEGMENTS)}.*.${pick(SYMBOLS)}.${pick(["bid", "ask"])}`);
    else patterns.add(`${base}.${pick(SYMBOLS)}.>`);
  }
  return [...patterns];
}

/**
 * `count` topics: half are instances of the patterns (`*` and `>` filled in with tokens), so they
 * match; the other half are random topics from the same vocabulary, which mostly do not.
 */
function topicsOf(count, patterns, next) {
  const pick = (list) => list[Math.floor(next() * list.length)];
  const instance = (pattern) =>
    pattern
      .split(".")
      .map((token) =>
        token === "*" ? pick(REGIONS) : token === ">" ? `${pick(SYMBOLS)}.${pick(REGIONS)}` : token,
      )
      .join(".");
  return Array.from({ length: count }, (_, i) =>
    i % 2 === 0
      ? instance(pick(patterns))
      : `${pick(SEGMENTS)}.${pick(REGIONS)}.${pick(SYMBOLS)}.${pick(["bid", "ask", "last"])}`,
  );
}

/** Calls `fn(topic)` over `topics` in a loop for DURATION_MS; returns calls per second. */
function rate(fn, topics) {
  let calls = 0;
  let sink = 0;
  const start = performance.now();
  let now = start;
  while (now - start < DURATION_MS) {
    for (let i = 0; i < topics.length; i++) if (fn(topics[i])) sink++;
    calls += topics.length;
    now = performance.now();
  }
  if (sink < 0) console.log(sink); // keeps the result observable
  return (calls * 1000) / (now - start);
}

function measure(fn, topics) {
  rate(fn, topics); // warm-up: lets the JIT settle
  return medianSample(Array.from({ length: REPEATS }, () => rate(fn, topics)));
}

const topic = await loadTopicModule();
const rows = [];
for (const patternCount of [10, 1000]) {
  const patterns = patternsOf(patternCount, random(patternCount));
  for (const [topicsLabel, topicCount] of [
    ["64 repeating", 64],
    ["4096 distinct", 4096],
  ]) {
    const topics = topicsOf(topicCount, patterns, random(topicCount + patternCount));
    for (const [cacheLabel, options] of [
      ["default (256)", {}],
      ["off", { cacheSize: 0 }],
    ]) {
      const matcher = new topic.TopicMatcher(options);
      for (const pattern of patterns) matcher.add(pattern);
      const matched = topics.filter((t) => matcher.matches(t)).length;
      const perSecond = measure((t) => matcher.matches(t), topics);
      rows.push({ patterns: patternCount, topics: topicsLabel, cache: cacheLabel, matched, perSecond });
    }
  }
}
const validateTopics = topicsOf(64, patternsOf(10, random(7)), random(7));
const validatePerSecond = measure((t) => {
  topic.validateTopic(t);
  return true;
}, validateTopics);

console.log(`Topic matching (${topic.source}), median of ${REPEATS} × ${DURATION_MS} ms, single process.\n`);
console.log(
  markdownTable(
    ["patterns", "topics", "cache", "topics matched", "matches/s"],
    rows.map((r) => [r.patterns, r.topics, r.cache, `${r.matched}`, formatCount(r.perSecond)]),
    ["r", "l", "l", "r", "r"],
  ),
);
console.log(`\nvalidateTopic(): ${formatCount(validatePerSecond)} calls/s (4-token ASCII topics).`);
if (values.json) writeFileSync(values.json, `${JSON.stringify({ rows, validatePerSecond }, null, 2)}\n`);
