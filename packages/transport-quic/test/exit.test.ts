import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { withTimeout } from "@msg/core/testing";
import { describe, expect, it } from "vitest";

const child = fileURLToPath(new URL("./fixtures/exchange-and-close.ts", import.meta.url));

describe("QUIC process lifetime", () => {
  it.each([
    ["destroy()", "destroy"],
    ["end() on both sides", "end"],
  ])(
    "lets a process that bound, connected, exchanged data and closed with %s exit by itself",
    async (_, how) => {
      const started = Date.now();
      const proc = spawn(process.execPath, ["--conditions=source", "--import=tsx", child, how], {
        cwd: fileURLToPath(new URL("..", import.meta.url)),
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      proc.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk;
      });
      proc.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk;
      });
      try {
        const code = await withTimeout(
          new Promise<number | null>((resolve) => proc.on("exit", resolve)),
          10_000,
          "the child process to exit by itself",
        );
        expect(stderr).toBe("");
        expect(code).toBe(0);
        expect(stdout).toBe("re: ping\n");
        // Startup (tsx, the native binding) plus the exchange; the QUIC closing periods are short on loopback.
        expect(Date.now() - started).toBeLessThan(5_000);
      } finally {
        proc.kill();
      }
    },
  );
});
