// The web side of #platform (see runtime.ts), for browsers and every runtime that is not Node: only
// ECMAScript and web-platform globals (TextEncoder, queueMicrotask, setTimeout, console).

/** Typed arrays may be longer in some engines; 2^31 - 1 bytes is what every current one allows. */
export const MAX_BYTE_LENGTH: number = 2 ** 31 - 1;

const encoder = new TextEncoder();

export function allocBytes(size: number): Uint8Array {
  return new Uint8Array(size);
}

export function concatBytes(
  chunks: readonly Uint8Array[],
  total = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0),
): Uint8Array {
  // As Buffer.concat: no chunks give an empty array whatever `total` says.
  if (chunks.length === 0) return new Uint8Array(0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    if (offset >= total) break;
    const part = offset + chunk.byteLength > total ? chunk.subarray(0, total - offset) : chunk;
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

export function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) length += 1;
    else if (unit < 0x800) length += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      // A valid surrogate pair is one 4-byte character; a lone surrogate encodes as U+FFFD (3 bytes).
      if (next >= 0xdc00 && next <= 0xdfff) {
        length += 4;
        i++;
      } else length += 3;
    } else length += 3;
  }
  return length;
}

export function atTurnEnd(callback: () => void): void {
  queueMicrotask(callback);
}

export function onNextTurn(callback: () => void): void {
  setTimeout(callback, 0);
}

export function writeDiagnostic(line: string): void {
  console.error(line.endsWith("\n") ? line.slice(0, -1) : line);
}

export function environmentVariable(_name: string): string | undefined {
  return undefined;
}

export function unrefTimer(_timer: ReturnType<typeof setTimeout>): void {
  // A page does not wait for timers to end: nothing to do.
}

export function allowManyListeners(_target: EventTarget): void {
  // Browsers never warn about many listeners on an EventTarget.
}
