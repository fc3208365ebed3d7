import { isMsgError } from "@msg/core";

/**
 * Everything a command prints. In JSON mode stdout carries one JSON object per line (scripts and other
 * languages parse it); otherwise short human-readable lines. Diagnostics always go to stderr.
 */
export class Output {
  constructor(readonly json: boolean) {}

  /** A JSON event line (JSON mode), or `human` when given (text mode). */
  event(event: string, fields: Record<string, unknown>, human?: string): void {
    if (this.json) process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
    else if (human !== undefined) process.stdout.write(`${human}\n`);
  }

  /** Reports a problem: `{"event":"error","code":...,"message":...}` in JSON mode, stderr otherwise. */
  error(error: unknown): void {
    if (this.json) {
      const code = isMsgError(error) ? error.code : "error";
      const message = error instanceof Error ? error.message : String(error);
      process.stdout.write(`${JSON.stringify({ event: "error", code, message })}\n`);
    } else process.stderr.write(`${errorLine(error)}\n`);
  }

  /** A problem the command carries on after (text mode only; JSON mode has an event for it). */
  note(error: unknown, detail: string): void {
    if (!this.json) process.stderr.write(`${errorLine(error)} (${detail})\n`);
  }
}

/** `msg: CODE: message`, the one format of every error line. */
export function errorLine(error: unknown): string {
  const code = isMsgError(error) ? error.code : "error";
  const message = error instanceof Error ? error.message : String(error);
  return `msg: ${code}: ${message}`;
}

/** Counts by error code (a MsgError's code, or the given string), for the `errors` field of `done` events. */
export function countByCode(counts: Record<string, number>, error: unknown): void {
  const code = typeof error === "string" ? error : isMsgError(error) ? error.code : "error";
  counts[code] = (counts[code] ?? 0) + 1;
}
