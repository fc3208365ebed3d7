// The Node side of #platform (see runtime.ts): Node's Buffer and scheduling, which are faster on Node
// than the web equivalents (pooled, uninitialised allocation; native utf8; nextTick before promises).
import { Buffer, constants } from "node:buffer";
import { setMaxListeners } from "node:events";

export const MAX_BYTE_LENGTH: number = constants.MAX_LENGTH;

export function allocBytes(size: number): Uint8Array {
  return Buffer.allocUnsafe(size);
}

export function concatBytes(chunks: readonly Uint8Array[], total?: number): Uint8Array {
  return Buffer.concat(chunks, total);
}

export function utf8Encode(text: string): Uint8Array {
  return Buffer.from(text, "utf8");
}

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

export function atTurnEnd(callback: () => void): void {
  process.nextTick(callback);
}

export function onNextTurn(callback: () => void): void {
  setImmediate(callback);
}

export function writeDiagnostic(line: string): void {
  process.stderr.write(line);
}

export function environmentVariable(name: string): string | undefined {
  return process.env[name];
}

export function unrefTimer(timer: ReturnType<typeof setTimeout>): void {
  timer.unref();
}

export function allowManyListeners(target: EventTarget): void {
  setMaxListeners(0, target);
}
