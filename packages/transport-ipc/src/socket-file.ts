import { lstat, stat, unlink } from "node:fs/promises";
import { connect } from "node:net";
import { dirname } from "node:path";
import { ErrorCode, MsgError } from "@msg/core";

/** Longest socket path Linux accepts (`sun_path` is 108 bytes with the terminating NUL). */
export const MAX_PATH_BYTES = 107;

/** Throws a MsgError `invalid_address` for a path no unix socket can have. */
export function checkSocketPath(path: string): void {
  if (path === "") throw new MsgError(ErrorCode.InvalidAddress, "ipc: the socket path is empty");
  if (path.includes("\0")) throw new MsgError(ErrorCode.InvalidAddress, "ipc: the socket path contains NUL");
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_PATH_BYTES) {
    throw new MsgError(
      ErrorCode.InvalidAddress,
      `ipc: the socket path "${path}" is ${bytes} bytes long; unix sockets allow at most ${MAX_PATH_BYTES}`,
    );
  }
}

/**
 * Makes `path` free for a new socket: nothing there is fine; a stale socket file (a socket nobody
 * listens on: connecting is refused) is removed. Anything else rejects with a MsgError `bind_failed`
 * and is left as it is: a live server's socket, or a file that is not a socket, which is never deleted.
 */
export async function clearStaleSocket(path: string, probeTimeout: number): Promise<void> {
  // libuv reports a missing directory as EACCES; say what is really wrong.
  const directory = dirname(path);
  if (
    !(await stat(directory).then(
      (stats) => stats.isDirectory(),
      () => false,
    ))
  ) {
    throw bindFailed(path, `the directory ${directory} does not exist`);
  }
  let kind: string;
  try {
    const stats = await lstat(path);
    kind = stats.isSocket() ? "socket" : stats.isDirectory() ? "directory" : "file that is not a socket";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw bindFailed(path, `cannot inspect it: ${(error as NodeJS.ErrnoException).code}`, error);
  }
  if (kind !== "socket") throw bindFailed(path, `a ${kind} exists there (left untouched)`);
  const probe = await probeSocket(path, probeTimeout);
  if (probe === "live") throw bindFailed(path, "a server is listening on it");
  if (probe !== "stale") throw bindFailed(path, `cannot tell whether its socket is in use: ${probe}`);
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT")
      throw bindFailed(path, `cannot remove the stale socket: ${error.code}`, error);
  });
}

/** Connects once: "live" if something accepts, "stale" if refused or gone, else the errno. */
function probeSocket(path: string, timeout: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ path });
    const finish = (result: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish("ETIMEDOUT"), timeout);
    socket.once("connect", () => finish("live"));
    socket.once("error", (error: NodeJS.ErrnoException) =>
      finish(
        error.code === "ECONNREFUSED" || error.code === "ENOENT" ? "stale" : (error.code ?? error.message),
      ),
    );
  });
}

/** Removes the socket file at `path` if it is still the one this listener created (same inode). */
export async function removeOwnSocket(path: string, inode: number | undefined): Promise<void> {
  try {
    const stats = await lstat(path);
    if (stats.isSocket() && stats.ino === inode) await unlink(path);
  } catch {
    // Already gone (libuv unlinks a pipe's path when it closes), or replaced: nothing of ours is left.
  }
}

function bindFailed(path: string, why: string, cause?: unknown): MsgError {
  return new MsgError(ErrorCode.BindFailed, `ipc: cannot bind ${path}: ${why}`, { cause });
}
