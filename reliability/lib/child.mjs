/**
 * A scenario's subject in its own process (so its memory is its own): forks `file` with `options`,
 * waits for its `ready` message, and asks it questions over IPC. Children are killed when the
 * scenario exits, however it exits.
 */
import { fork } from "node:child_process";

const live = new Set();
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

export async function startChild(file, options = {}, { readyTimeoutMs = 10_000 } = {}) {
  const child = fork(file, [JSON.stringify(options)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    execArgv: ["--expose-gc"],
  });
  live.add(child);
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  exited.then(() => live.delete(child));
  const waiting = new Map();
  let nextId = 1;
  child.on("message", (message) => {
    const settle = waiting.get(message.id);
    if (settle) {
      waiting.delete(message.id);
      settle(message);
    }
  });
  const ask = (type, args = {}, timeoutMs = 10_000) => {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`${file}: no answer to ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiting.set(id, (message) => {
        clearTimeout(timer);
        resolve(message.result);
      });
      child.send({ id, type, ...args });
    });
  };
  const ready = await Promise.race([
    ask("ready", {}, readyTimeoutMs),
    exited.then(({ code }) => {
      throw new Error(`${file} exited with ${code} before it was ready`);
    }),
  ]);
  return {
    pid: child.pid,
    ready,
    ask,
    exited,
    /** SIGKILL, and wait for the process to be gone. */
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
    /** Asks the child to close its sockets and exit; kills it after `graceMs`. */
    async stop(graceMs = 5000) {
      ask("stop", {}, graceMs).catch(() => {});
      const inTime = await Promise.race([
        exited.then(() => true),
        new Promise((r) => setTimeout(r, graceMs, false)),
      ]);
      if (!inTime) await this.kill();
    },
  };
}

/**
 * The child side: answers `ready` with `ready()`'s result, `stop` by calling `stop()` then exiting,
 * anything else through `handlers[type](message)`. The child exits when its parent goes away.
 */
export function serveParent({ ready, stop, handlers = {} }) {
  process.on("message", async (message) => {
    let result;
    if (message.type === "ready") result = await ready();
    else if (message.type === "stop") {
      await stop();
      process.send({ id: message.id, result: {} }, () => process.exit(0));
      return;
    } else result = await handlers[message.type]?.(message);
    process.send({ id: message.id, result });
  });
  process.on("disconnect", () => process.exit(0));
}
