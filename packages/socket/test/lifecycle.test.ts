import { spawn } from "node:child_process";
import { once } from "node:events";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { withTimeout } from "@msg/core/testing";
import { describe, expect, it } from "vitest";

const tsx = createRequire(import.meta.url).resolve("tsx");

describe("lifecycle", () => {
  it("a process exits by itself once every socket is closed (no timer or handle left behind)", async () => {
    const script = fileURLToPath(new URL("./fixtures/exit-after-close.ts", import.meta.url));
    // `--conditions=source` resolves the workspace packages to their TypeScript sources, as vitest does.
    const child = spawn(process.execPath, ["--conditions=source", "--import", tsx, script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    try {
      const [code] = await withTimeout(once(child, "exit"), 15_000, "the child process to exit on its own");
      expect(code).toBe(0);
      expect(JSON.parse(output.trim())).toEqual({ closed: true, pending: "socket_closed" });
    } finally {
      child.kill("SIGKILL");
    }
  });
});
