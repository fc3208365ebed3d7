import { readFileSync } from "node:fs";

/** The vectors are kept in the repository, beside this file (see vectors/README.md for their origin). */
const VECTORS = new URL("./vectors/", import.meta.url);

/** Reads a vector file; u64 timestamps are kept exact by turning them into strings before JSON.parse. */
export function loadVectors<T>(file: string): T[] {
  const text = readFileSync(new URL(file, VECTORS), "utf8");
  return JSON.parse(text.replace(/("timestamp":\s*)(\d+)/g, '$1"$2"')) as T[];
}

export function hex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "hex"));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

export interface FrameVector<F> {
  description: string;
  fields: F;
  hex: string;
}

export interface ReqRepFields {
  wire_id: number;
  compression_type: number;
  id: number;
  size: number;
  payload_hex: string;
  plain_hex?: string;
}

export interface PubSubFields {
  wire_id: number;
  compression_type: number;
  topic_size: number;
  topic_hex: string;
  topic_utf8: string;
  timestamp: string;
  seq: number;
  size: number;
  payload_hex: string;
  plain_hex?: string;
}

export interface AuthFields {
  wire_id: number;
  token_len: number;
  token_hex: string;
}

export interface AckFields {
  wire_id: number;
  verdict: number;
  accepted: boolean;
}

export interface CodecVector {
  description: string;
  plain_hex: string;
  compressed_hex: string;
  level?: number;
}

export interface MalformedVector {
  description: string;
  protocol: "reqrep" | "pubsub" | "auth";
  hex: string;
  max_frame: number;
  stage: "decode" | "eof" | "decompress";
  detectable_after_bytes: number | null;
  error: { code: string; message: string };
}

/** Every file the manifest lists, so that a new vector file cannot go untested unnoticed. */
export function manifestFiles(): string[] {
  const manifest = JSON.parse(readFileSync(new URL("manifest.json", VECTORS), "utf8")) as { files: string[] };
  return manifest.files;
}
