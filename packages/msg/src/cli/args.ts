import { readFileSync } from "node:fs";
import { ErrorCode } from "@msg/core";
import { type FlagSpec, type FlagSpecs, UsageError } from "./command.js";

/** `--bind`, for the commands that listen (rep, pub). */
export const bindFlag = {
  type: "string",
  value: "ADDR",
  required: true,
  help: "where to listen: host:port (port 0 picks a free port), or a socket path with --transport ipc",
} as const satisfies FlagSpec;

/** How the commands that open a transport choose it, for the side that binds. */
export const serverTransportFlags = {
  transport: { type: "string", value: "NAME", default: "tcp", help: "tcp, tls, ipc, quic, ws or wss" },
  cert: {
    type: "string",
    value: "FILE",
    defaultText: "tls, wss: required; quic: a self-signed certificate for localhost",
    help: "PEM certificate chain, leaf first",
  },
  key: { type: "string", value: "FILE", help: "PEM private key of --cert" },
  ca: { type: "string", value: "FILE", help: "tls: PEM CA that client certificates must chain to" },
  "require-client-cert": {
    type: "boolean",
    help: "tls: refuse clients without a certificate signed by --ca (mutual TLS)",
  },
} as const satisfies FlagSpecs;

/** How the commands that open a transport choose it, for the side that connects. */
export const clientTransportFlags = {
  transport: serverTransportFlags.transport,
  ca: {
    type: "string",
    value: "FILE",
    defaultText: "tls: the system's CAs; quic: no verification",
    help: "PEM CA the server's certificate must chain to (quic: turns verification on)",
  },
  servername: {
    type: "string",
    value: "NAME",
    defaultText: "the address's host name; localhost for an IP address",
    help: "tls/quic: the name the server's certificate must carry",
  },
  cert: { type: "string", value: "FILE", help: "tls: client certificate chain, PEM (mutual TLS)" },
  key: { type: "string", value: "FILE", help: "tls: private key of --cert, PEM" },
} as const satisfies FlagSpecs;

export const compressionFlags = {
  compress: {
    type: "string",
    value: "NAME",
    default: "none",
    help: "compress outgoing payloads: none, gzip, zstd, snappy or lz4",
  },
  level: { type: "string", value: "N", defaultText: "the codec's own", help: "compression level" },
  "min-compress-size": {
    type: "string",
    value: "BYTES",
    default: "8192",
    help: "compress only payloads larger than this",
  },
} as const satisfies FlagSpecs;

/** How a client (req, sub) retries, and how much of it is shown. */
export const reconnectFlags = {
  "retry-attempts": {
    type: "string",
    value: "N",
    defaultText: "unlimited",
    help: "failed connection attempts in a row before giving up (then exit 1)",
  },
  verbose: {
    type: "boolean",
    short: "v",
    help: "print every failed connection attempt on stderr (the first one is always printed; --json prints each as an event)",
  },
} as const satisfies FlagSpecs;

/** A whole, non-negative number option, or its default. */
export function integer(value: string | undefined, name: string, fallback = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isSafeInteger(n) || n < 0) {
    throw new UsageError(ErrorCode.InvalidArgument, `--${name} takes a whole number >= 0, got "${value}"`);
  }
  return n;
}

/** `--retry-attempts`: a number, or unlimited when absent. */
export function retryAttempts(value: string | undefined): number {
  return value === undefined ? Number.POSITIVE_INFINITY : integer(value, "retry-attempts");
}

export function readPem(path: string | undefined): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(ErrorCode.InvalidArgument, `cannot read ${path}: ${(error as Error).message}`);
  }
}
