import { ErrorCode, MsgError } from "@msg/core";

/**
 * The optional-package loader outside Node (see native-node.ts for Node's): the native codec packages
 * (zstd, snappy, lz4) are Node addons, so asking for one fails at once with a MsgError
 * codec_unavailable that says so. gzip does not come here: it is plain JavaScript everywhere.
 */
export function loadOptionalPackage<T>(packageName: string, purpose: string, _subpath = ""): T {
  throw new MsgError(
    ErrorCode.CodecUnavailable,
    `${purpose} needs the optional package ${packageName}, a native Node.js addon: it works only on Node, not in a browser (gzip works everywhere)`,
  );
}
