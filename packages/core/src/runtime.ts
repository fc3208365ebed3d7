import * as platform from "#platform";

/*
 * What differs between Node and the other runtimes (browsers, workers), chosen when the package is
 * built or bundled: package.json maps `#platform` to platform/node.ts under the `node` condition and
 * to platform/browser.ts otherwise. Node keeps its Buffer, which is faster there; elsewhere only web
 * globals are used. Every msg package that needs bytes or scheduling goes through these.
 */

/**
 * Largest byte array this runtime can allocate: `buffer.constants.MAX_LENGTH` on Node, 2^31 - 1
 * elsewhere. Frames declaring more are refused before any allocation.
 */
export const MAX_BYTE_LENGTH: number = platform.MAX_BYTE_LENGTH;

/**
 * A byte array of `size` bytes whose contents the caller overwrites: on Node an uninitialised
 * `Buffer` (pooled when small), elsewhere a zero-filled `Uint8Array`.
 */
export const allocBytes: (size: number) => Uint8Array = platform.allocBytes;

/**
 * `chunks` joined into one array (a `Buffer` on Node). With `total`, the result has exactly that many
 * bytes: the chunks cut there, or zeros after them.
 */
export const concatBytes: (chunks: readonly Uint8Array[], total?: number) => Uint8Array =
  platform.concatBytes;

/** `text` as UTF-8 bytes (a `Buffer` on Node); lone surrogates become U+FFFD. */
export const utf8Encode: (text: string) => Uint8Array = platform.utf8Encode;

/** Length of `text` in UTF-8 bytes, without encoding it. */
export const utf8Length: (text: string) => number = platform.utf8Length;

/**
 * Runs `callback` once the current synchronous work is done, before any I/O or timer: Node's
 * `process.nextTick`, elsewhere `queueMicrotask`.
 */
export const atTurnEnd: (callback: () => void) => void = platform.atTurnEnd;

/** Runs `callback` on a later turn of the event loop, after pending I/O: `setImmediate` on Node, `setTimeout(0)` elsewhere. */
export const onNextTurn: (callback: () => void) => void = platform.onNextTurn;

/** Writes a diagnostic line: stderr on Node, `console.error` elsewhere. */
export const writeDiagnostic: (line: string) => void = platform.writeDiagnostic;

/** An environment variable on Node; always undefined where there is no process environment. */
export const environmentVariable: (name: string) => string | undefined = platform.environmentVariable;

/**
 * Lets the process exit while `timer` is pending (Node's `timer.unref()`); nothing to do elsewhere,
 * where timers are plain numbers and never keep anything alive.
 */
export const unrefTimer: (timer: ReturnType<typeof setTimeout>) => void = platform.unrefTimer;

/**
 * Declares that many listeners on `target` (an AbortSignal shared by every pending operation) are
 * expected, not a leak: turns off Node's 10-listener warning for it; nothing to do elsewhere.
 */
export const allowManyListeners: (target: EventTarget) => void = platform.allowManyListeners;
