import type { DecoderOptions, FrameDecoder } from "../src/index.js";

/** Builds a decoder that records its frames in `frames`. */
export function collecting<F, D extends FrameDecoder<F>>(
  Decoder: new (options: DecoderOptions<F>) => D,
  maxFrameSize?: number,
): { decoder: D; frames: F[] } {
  const frames: F[] = [];
  const options: DecoderOptions<F> = { onFrame: (frame) => frames.push(frame) };
  if (maxFrameSize !== undefined) options.maxFrameSize = maxFrameSize;
  return { decoder: new Decoder(options), frames };
}

/** Pushes `bytes` one byte at a time (each byte its own chunk). */
export function pushBytewise(decoder: { push(chunk: Uint8Array): void }, bytes: Uint8Array): void {
  for (let i = 0; i < bytes.length; i++) decoder.push(bytes.subarray(i, i + 1));
}

/** Splits `bytes` at the given (sorted, in-range) cut points. */
export function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const cut of cuts) {
    chunks.push(bytes.subarray(start, cut));
    start = cut;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}
