import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "@msg/msg/cli";
import { describe, expect, it, vi } from "vitest";
import { deadPort, sourceFlags, useMsg } from "./support/msg-process.js";

const repositoryRoot = fileURLToPath(new URL("../../..", import.meta.url));
/** npm itself runs with these too, so `npm exec msg` runs the CLI from its sources, offline. */
const npmEnv = {
  ...process.env,
  NODE_OPTIONS: sourceFlags.join(" "),
  npm_config_offline: "true",
  npm_config_update_notifier: "false",
};

describe("msg: how a newcomer reaches it", () => {
  const run = useMsg();

  it.each(["npm exec msg --", "npx msg"])(
    "`%s --version` works from the root of the repository",
    async (prefix) => {
      const [tool, ...args] = prefix.split(" ");
      const command = run([...args, "--version"], { command: [tool!], cwd: repositoryRoot, env: npmEnv });
      expect(await command.exited(60_000)).toBe(0);
      expect(command.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    },
  );

  it("the tour ends by itself, leaves no IPC folder, and its Next lines run as printed", async () => {
    const tour = run(["tour"]);
    expect(await tour.exited(60_000)).toBe(0);
    const ipc = /^ {3}ipc +(\/\S+): first round trip/m.exec(tour.stdout)?.[1];
    expect(ipc, tour.stdout).toBeDefined();
    expect(existsSync(dirname(ipc!))).toBe(false);

    const next = tour.stdout.slice(tour.stdout.indexOf("== Next"));
    const lines = next
      .split("\n")
      .slice(1)
      .map((line) => line.replace(/#.*/, "").trim())
      .filter((line) => line !== "");
    expect(lines).toHaveLength(4);
    // Port 4000 may be taken on this machine: the test swaps in a free one, nothing else.
    const port = String(await deadPort());
    const [repLine, reqLine, helpLine, exampleLine] = lines.map((line) => line.replaceAll("4000", port));
    const shell = (line: string) =>
      run([], { command: ["sh", "-c", `exec ${line}`], cwd: repositoryRoot, env: npmEnv });

    const rep = shell(repLine!);
    const req = shell(reqLine!);
    expect(await req.exited(60_000)).toBe(0);
    expect(req.stdout).toContain("1000/1000 correct responses");
    rep.kill();

    const help = shell(helpLine!);
    expect(await help.exited(60_000)).toBe(0);
    expect(help.stdout).toContain("usage: msg <command>");
    expect(exampleLine).toMatch(/^node --import tsx (examples\/\S+\.ts)$/);
    expect(existsSync(join(repositoryRoot, exampleLine!.split(" ").pop()!))).toBe(true);
  });

  it("@msg/msg/cli exports runCli and importing it runs nothing", async () => {
    const probe = run(
      [
        ...sourceFlags,
        "--input-type=module",
        "-e",
        'const m = await import("@msg/msg/cli"); console.log(Object.keys(m).join());',
      ],
      { command: [process.execPath], cwd: fileURLToPath(new URL("..", import.meta.url)) },
    );
    expect(await probe.exited()).toBe(0);
    expect(probe.stdout).toBe("runCli\n");
    expect(probe.stderr).toBe("");
  });

  it("runCli resolves with the exit status and does not exit the process", async () => {
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const status: number = await runCli(["--version"]);
      expect(status).toBe(0);
      expect(write).toHaveBeenCalledWith(expect.stringMatching(/^\d+\.\d+\.\d+\n$/));
    } finally {
      write.mockRestore();
    }
  });
});
