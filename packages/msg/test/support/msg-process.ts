import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { withTimeout } from "@msg/core/testing";
import { afterEach } from "vitest";

const tsx = createRequire(import.meta.url).resolve("tsx");
/** The committed bin, as package managers link it; `source` makes it load the TypeScript sources. */
export const bin = fileURLToPath(new URL("../../bin/msg.js", import.meta.url));
/** Node flags that run the CLI from its sources (no build needed). */
export const sourceFlags = ["--conditions=source", "--import", tsx];

export type Event = { event: string; [field: string]: unknown };

/**
 * A running `msg` process. Stdout lines that are JSON objects are collected as events (in --json mode
 * every stdout line must be one); the rest of stdout and all of stderr are kept as text.
 */
export class MsgProcess {
  readonly child: ChildProcess;
  readonly events: Event[] = [];
  stdout = "";
  stderr = "";
  readonly #waiters: { event: string; resolve(e: Event): void }[] = [];
  readonly #exited: Promise<number | null>;
  readonly #waitMs: number;

  /** `waitMs` is how long next(), stderrMatching() and exited() wait when not told (default 15 000). */
  constructor(
    args: string[],
    options: { cwd?: string; command?: string[]; env?: NodeJS.ProcessEnv; waitMs?: number } = {},
  ) {
    this.#waitMs = options.waitMs ?? 15_000;
    const [file, ...prefix] = options.command ?? [process.execPath, ...sourceFlags, bin];
    this.child = spawn(file!, [...prefix, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, so that kill() also ends what it started (npm exec runs msg as a child).
      detached: true,
      cwd: options.cwd,
      env: options.env ?? process.env,
    });
    this.child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      this.stderr += chunk;
    });
    let partial = "";
    this.child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      this.stdout += chunk;
      const lines = (partial + chunk).split("\n");
      partial = lines.pop()!;
      for (const line of lines) if (line.startsWith("{")) this.#onEvent(JSON.parse(line) as Event);
    });
    this.#exited = once(this.child, "exit").then(([code]) => code as number | null);
  }

  #onEvent(event: Event): void {
    this.events.push(event);
    for (const waiter of this.#waiters.filter((w) => w.event === event.event)) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(event);
    }
  }

  /** The first event of this kind (already seen, or the next one), within `ms`. */
  next(event: string, ms = this.#waitMs): Promise<Event> {
    const seen = this.events.find((e) => e.event === event);
    if (seen) return Promise.resolve(seen);
    return withTimeout(
      new Promise((resolve) => this.#waiters.push({ event, resolve })),
      ms,
      `"${event}" event (stderr so far: ${this.stderr})`,
    );
  }

  /** Resolves once stderr matches `pattern`, within `ms`. */
  async stderrMatching(pattern: RegExp, ms = this.#waitMs): Promise<string> {
    const deadline = Date.now() + ms;
    while (!pattern.test(this.stderr)) {
      const left = deadline - Date.now();
      await withTimeout(
        once(this.child.stderr!, "data"),
        Math.max(left, 0),
        `stderr matching ${pattern} (so far: ${this.stderr})`,
      );
    }
    return this.stderr;
  }

  /** The exit status, within `ms`; on failure the test sees stderr. */
  exited(ms = this.#waitMs): Promise<number | null> {
    return withTimeout(this.#exited, ms, `exit (stderr so far: ${this.stderr})`);
  }

  /** Kills the process and everything it started (its process group). */
  kill(): void {
    try {
      process.kill(-this.child.pid!, "SIGKILL");
    } catch {
      // the group is gone already
    }
  }
}

/** Starts `msg` processes for one test and kills any still running after it. */
export function useMsg(): (
  args: string[],
  options?: ConstructorParameters<typeof MsgProcess>[1],
) => MsgProcess {
  let running: MsgProcess[] = [];
  afterEach(() => {
    for (const process of running) process.kill();
    running = [];
  });
  return (args, options) => {
    const started = new MsgProcess(args, options);
    running.push(started);
    return started;
  };
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound to port 0, then released). */
export async function deadPort(): Promise<number> {
  const { createServer } = await import("node:net");
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
