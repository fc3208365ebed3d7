import type { Connection } from "./connection.js";
import { ErrorCode, MsgError } from "./errors.js";
import { concatBytes } from "./runtime.js";

/**
 * Reads exactly `length` bytes from a connection (for hooks and handshakes), giving any extra bytes
 * back to the connection so the next reader sees them. Rejects with a MsgError `eof_mid_frame` if the
 * connection ends first, or `aborted` when `signal` fires.
 */
export function readExactly(
  connection: Connection,
  length: number,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let have = 0;
    const finish = (error?: Error) => {
      signal?.removeEventListener("abort", onAbort);
      connection.setHandler(undefined);
      if (error) reject(error);
    };
    const onAbort = () =>
      finish(new MsgError(ErrorCode.Aborted, `read of ${length} bytes aborted`, { cause: signal?.reason }));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    if (length === 0) {
      finish();
      return resolve(new Uint8Array(0));
    }
    connection.setHandler({
      onData(chunk) {
        chunks.push(chunk);
        have += chunk.byteLength;
        if (have < length) return;
        const all = chunks.length === 1 ? chunk : concatBytes(chunks, have);
        finish();
        if (have > length) connection.unshift(all.subarray(length));
        resolve(all.subarray(0, length));
      },
      onEnd() {
        finish(
          new MsgError(ErrorCode.EofMidFrame, `connection ended after ${have} of ${length} expected bytes`),
        );
      },
      onClose(error) {
        finish(
          new MsgError(ErrorCode.EofMidFrame, `connection closed after ${have} of ${length} expected bytes`, {
            cause: error,
          }),
        );
      },
    });
  });
}
