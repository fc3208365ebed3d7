/**
 * Parent side of a benchmark child process: fork `child-main.mjs`, start a role in it (a server, a
 * client, a publisher, a group of subscribers), call the role's methods over the IPC channel with a
 * timeout, read its RSS, and make sure it dies: every child is killed when the run ends, whether it
 * ends normally, by an error, or by Ctrl-C.
 */
import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { removeUnixSocketsOf } from "./unix-paths.mjs";

const CHILD_MAIN = fileURLToPath(new URL("./child-main.mjs", import.meta.url));

/** How much of a child's stdout/stderr is kept to explain its death. */
const OUTPUT_TAIL_BYTES = 4096;
/** Grace period for a child to close its sockets and exit before it is killed. */
const STOP_GRACE_MS = 3000;
/** Default bound on any call into a child. */
const DEFAULT_CALL_TIMEOUT_MS = 30_000;

/** Every child not yet exited, so that nothing outlives the run. */
const live = new Set();

process.on("exit", () => killAllChildren());

/** Kills every child still alive (SIGKILL also ends stopped processes) and removes its leftovers. */
export function killAllChildren() {
  for (const child of live) {
    child.process.kill("SIGKILL");
    removeUnixSocketsOf(child.pid);
  }
}

export class Child {
  #nextCallId = 1;
  #calls = new Map();
  #output = "";
  #exit;

  /**
   * Forks a child and starts `role` of the target module at `targetPath` with `options` in it.
   * Resolves once the role is up, with whatever the role reported (for a server: its address).
   * `execArgv` are extra Node flags for the child (e.g. `--cpu-prof`).
   */
  static async start(
    label,
    { role, targetPath, options = {}, timeoutMs = DEFAULT_CALL_TIMEOUT_MS, execArgv = [] },
  ) {
    const child = new Child(label, execArgv);
    try {
      child.ready = await child.call("start", { role, targetPath, options }, timeoutMs);
    } catch (error) {
      await child.stop();
      throw error;
    }
    return child;
  }

  constructor(label, execArgv = []) {
    this.label = label;
    this.process = fork(CHILD_MAIN, [], {
      execArgv: [...process.execArgv, ...execArgv],
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "advanced",
    });
    live.add(this);
    const keep = (chunk) => {
      this.#output = (this.#output + chunk.toString()).slice(-OUTPUT_TAIL_BYTES);
    };
    this.process.stdout.on("data", keep);
    this.process.stderr.on("data", keep);
    this.process.on("message", (message) => this.#onMessage(message));
    this.#exit = new Promise((resolve) => {
      this.process.on("exit", (code, signal) => {
        live.delete(this);
        removeUnixSocketsOf(this.pid);
        const error = this.#deathError(code, signal);
        for (const call of this.#calls.values()) call.reject(error);
        this.#calls.clear();
        resolve({ code, signal });
      });
    });
    this.process.on("error", () => {}); // reported through "exit"
  }

  get pid() {
    return this.process.pid;
  }

  /** Calls `method` of the child's role; rejects on error, timeout, or the child's death. */
  call(method, args = {}, timeoutMs = DEFAULT_CALL_TIMEOUT_MS) {
    if (!live.has(this)) return Promise.reject(new Error(`${this.label} is not running`));
    const id = this.#nextCallId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#calls.delete(id);
        reject(new Error(`${this.label}: ${method} timed out after ${timeoutMs} ms${this.#tail()}`));
      }, timeoutMs);
      const settle = (fn) => (value) => {
        clearTimeout(timer);
        this.#calls.delete(id);
        fn(value);
      };
      this.#calls.set(id, { resolve: settle(resolve), reject: settle(reject) });
      this.process.send({ id, method, args });
    });
  }

  /** Resident set size in bytes, read from /proc so that a busy or stopped child need not answer. */
  async rssBytes() {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, "utf8");
      const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
      if (kb) return Number(kb[1]) * 1024;
    } catch {
      // Not Linux: ask the child itself.
    }
    return this.call("rss");
  }

  /** Freezes the process (SIGSTOP): it keeps its connections but reads nothing any more. */
  freeze() {
    this.process.kill("SIGSTOP");
  }

  /** Kills the process at once (SIGKILL) and waits for it to be gone. */
  async kill() {
    if (!live.has(this)) return;
    this.process.kill("SIGKILL");
    await this.#exit;
  }

  /** Asks the role to close and the process to exit; kills it if it has not exited in time. */
  async stop() {
    if (!live.has(this)) return;
    this.process.kill("SIGCONT"); // a frozen child could not answer
    const exited = this.#exit.then(() => true);
    this.call("shutdown", {}, STOP_GRACE_MS).catch(() => {});
    const inTime = await Promise.race([exited, delay(STOP_GRACE_MS).then(() => false)]);
    if (!inTime) {
      this.process.kill("SIGKILL");
      await this.#exit;
    }
  }

  #onMessage(message) {
    const call = this.#calls.get(message.id);
    if (!call) return;
    if (message.ok) call.resolve(message.result);
    else call.reject(new Error(`${this.label}: ${message.error}`));
  }

  #deathError(code, signal) {
    return new Error(`${this.label} exited (code ${code}, signal ${signal})${this.#tail()}`);
  }

  #tail() {
    const text = this.#output.trim();
    return text ? `\n--- last output of ${this.label} ---\n${text}` : "";
  }
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Runs `fn(start)`, where `start(label, spec)` is Child.start that remembers the child; every child
 * started this way is stopped when `fn` settles, successfully or not.
 */
export async function withChildren(fn) {
  const started = [];
  const start = async (label, spec) => {
    const child = await Child.start(label, spec);
    started.push(child);
    return child;
  };
  try {
    return await fn(start);
  } finally {
    await Promise.all(started.map((child) => child.stop()));
  }
}
