import { createRequire } from "node:module";
import { ErrorCode, MsgError } from "@msg/core";

/**
 * Lazy loader of the optional native codec packages (peer dependencies): a user who never uses zstd
 * never needs @mongodb-js/zstd. Works in the ESM build and in the CJS build (tsup shims import.meta.url).
 */
const requireHere = createRequire(import.meta.url);

const loaded = new Map<string, unknown>();
/** Failures are remembered too: retrying a failed require on every message would cost a file-system walk. */
const failures = new Map<string, MsgError>();

/**
 * Loads `packageName` (optionally one of its files, `subpath` like "/bindings.js") on first use.
 * Throws MsgError codec_unavailable whose message names the package to install. Exported for tests.
 */
export function loadOptionalPackage<T>(packageName: string, purpose: string, subpath = ""): T {
  const specifier = packageName + subpath;
  const cached = loaded.get(specifier);
  if (cached !== undefined) return cached as T;
  const failure = failures.get(specifier);
  if (failure) throw failure;
  try {
    const module = requireHere(specifier) as T;
    loaded.set(specifier, module);
    return module;
  } catch (error) {
    const reason = isNotInstalled(error, packageName)
      ? `which is not installed: install ${packageName} (npm install ${packageName})`
      : `which failed to load (${error instanceof Error ? error.message : String(error)}); reinstall ${packageName}`;
    const unavailable = new MsgError(
      ErrorCode.CodecUnavailable,
      `${purpose} needs the optional package ${packageName}, ${reason}`,
      { cause: error },
    );
    failures.set(specifier, unavailable);
    throw unavailable;
  }
}

function isNotInstalled(error: unknown, packageName: string): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === "MODULE_NOT_FOUND" && typeof message === "string" && message.includes(`'${packageName}'`);
}
