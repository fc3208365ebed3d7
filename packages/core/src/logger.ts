import { environmentVariable, writeDiagnostic } from "./runtime.js";

/**
 * Namespaced logging, silent by default. Enable it with the environment variable `MSG_LOG`, much like
 * `RUST_LOG` in msg-rs:
 *
 *   MSG_LOG=debug                    every namespace at debug and above
 *   MSG_LOG=socket=debug,wire=trace  per namespace (a namespace matches itself and its children:
 *                                    `socket` covers `socket.req`)
 *   MSG_LOG=warn,socket.rep=trace    a default level plus overrides
 *
 * Records go to stderr (in a browser: `console.error`) as one line each, or to the user's own logger through {@link setLogSink}.
 */
/** The levels, from the most to the least severe; a logger set to a level emits that level and those above. */
export const LogLevel = {
  /** Something failed and was not recovered. */
  error: 1,
  /** Something went wrong and was handled (a connection dropped, a message refused). */
  warn: 2,
  /** Noteworthy events of normal operation. */
  info: 3,
  /** Detail for diagnosing a problem (each failed connect, each refused peer). */
  debug: 4,
  /** Everything, including per-message detail. */
  trace: 5,
} as const;
/** A level's name, as written in `MSG_LOG`. */
export type LogLevelName = keyof typeof LogLevel;

/** One log record, as handed to a {@link LogSink}. */
export interface LogRecord {
  /** How severe it is. */
  level: LogLevelName;
  /** The logger's namespace, e.g. `socket.req`. */
  namespace: string;
  /** What happened, in words. */
  message: string;
  /** Structured details (addresses, error codes, sizes). */
  fields?: Record<string, unknown>;
  /** Milliseconds since the UNIX epoch. */
  time: number;
}

/** Receives every record that passes the level filter; see {@link setLogSink}. */
export type LogSink = (record: LogRecord) => void;

/** A namespaced logger from {@link createLogger}; silent unless its namespace's level allows. */
export interface Logger {
  /** The namespace records are tagged with. */
  readonly namespace: string;
  /** True when records at `level` would be emitted: guard expensive field computation with it. */
  enabled(level: LogLevelName): boolean;
  /** Logs at `error` level. */
  error(message: string, fields?: Record<string, unknown>): void;
  /** Logs at `warn` level. */
  warn(message: string, fields?: Record<string, unknown>): void;
  /** Logs at `info` level. */
  info(message: string, fields?: Record<string, unknown>): void;
  /** Logs at `debug` level. */
  debug(message: string, fields?: Record<string, unknown>): void;
  /** Logs at `trace` level. */
  trace(message: string, fields?: Record<string, unknown>): void;
  /** A logger for a sub-namespace: `socket` → `socket.req`. */
  child(name: string): Logger;
}

interface LevelRule {
  prefix: string;
  level: number;
}

let rules: LevelRule[] = [];
let defaultLevel = 0;
let sink: LogSink = stderrSink;
/** Bumped on every configuration change so loggers re-resolve their cached threshold. */
let generation = 0;

/** Spec items already reported as unusable, so each is reported once per process. */
const reported = new Set<string>();

/**
 * Sets levels from a spec in the `MSG_LOG` syntax; `undefined` or empty turns logging off, and so does
 * the level `off`. An item that cannot be used (an unknown level such as `debgu`, or a malformed
 * namespace such as `=debug` or `socket=`) is skipped and reported once on stderr, so a typo does not
 * silently turn logging off.
 * Called once at load with the `MSG_LOG` environment variable (on Node; elsewhere logging starts off).
 */
export function setLogLevel(spec: string | undefined): void {
  rules = [];
  defaultLevel = 0;
  for (const part of (spec ?? "").split(",")) {
    const item = part.trim();
    if (!item) continue;
    const eq = item.indexOf("=");
    if (eq === -1) {
      const level = levelNumber(item);
      if (level === undefined) reportUnusable(item, `unknown level "${item}"`);
      else defaultLevel = level;
      continue;
    }
    const prefix = item.slice(0, eq).trim();
    const level = levelNumber(item.slice(eq + 1).trim());
    if (!NAMESPACE.test(prefix)) reportUnusable(item, `"${prefix}" is not a namespace`);
    else if (level === undefined) reportUnusable(item, `unknown level "${item.slice(eq + 1).trim()}"`);
    else rules.push({ prefix, level });
  }
  // Most specific namespace first.
  rules.sort((a, b) => b.prefix.length - a.prefix.length);
  generation++;
}

/** Sends records to `customSink` instead of stderr (pass undefined to go back to stderr). */
export function setLogSink(customSink: LogSink | undefined): void {
  sink = customSink ?? stderrSink;
}

/** A logger for `namespace` (`socket.req`, `myapp.orders`); levels come from `MSG_LOG` or {@link setLogLevel}. */
export function createLogger(namespace: string): Logger {
  return new NamespacedLogger(namespace);
}

/** Dot-separated words, as the library's own namespaces (`socket.req`, `transport.quic`). */
const NAMESPACE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** The threshold for a level name, 0 for `off`, undefined for anything else. */
function levelNumber(name: string): number | undefined {
  const lower = name.toLowerCase();
  if (lower === "off") return 0;
  return Object.hasOwn(LogLevel, lower) ? LogLevel[lower as LogLevelName] : undefined;
}

function reportUnusable(item: string, reason: string): void {
  if (reported.has(item)) return;
  reported.add(item);
  writeDiagnostic(
    `msg: MSG_LOG item "${item}" ignored: ${reason} (levels: off, ${Object.keys(LogLevel).join(", ")}; syntax: level,namespace=level)\n`,
  );
}

function thresholdFor(namespace: string): number {
  for (const rule of rules) {
    if (namespace === rule.prefix || namespace.startsWith(`${rule.prefix}.`)) return rule.level;
  }
  return defaultLevel;
}

function stderrSink(record: LogRecord): void {
  const fields = record.fields ? ` ${safeJson(record.fields)}` : "";
  writeDiagnostic(
    `${new Date(record.time).toISOString()} ${record.level.toUpperCase().padEnd(5)} ${record.namespace}: ${record.message}${fields}\n`,
  );
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v) =>
      typeof v === "bigint" ? v.toString() : v instanceof Error ? `${v.name}: ${v.message}` : v,
    );
  } catch {
    return "[unserialisable fields]";
  }
}

class NamespacedLogger implements Logger {
  readonly namespace: string;
  #threshold = 0;
  #generation = -1;

  constructor(namespace: string) {
    this.namespace = namespace;
  }

  enabled(level: LogLevelName): boolean {
    if (this.#generation !== generation) {
      this.#threshold = thresholdFor(this.namespace);
      this.#generation = generation;
    }
    return LogLevel[level] <= this.#threshold;
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.#log("error", message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.#log("warn", message, fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.#log("info", message, fields);
  }
  debug(message: string, fields?: Record<string, unknown>): void {
    this.#log("debug", message, fields);
  }
  trace(message: string, fields?: Record<string, unknown>): void {
    this.#log("trace", message, fields);
  }

  child(name: string): Logger {
    return new NamespacedLogger(`${this.namespace}.${name}`);
  }

  #log(level: LogLevelName, message: string, fields?: Record<string, unknown>): void {
    if (!this.enabled(level)) return;
    const record: LogRecord = { level, namespace: this.namespace, message, time: Date.now() };
    if (fields) record.fields = fields;
    sink(record);
  }
}

setLogLevel(environmentVariable("MSG_LOG"));
