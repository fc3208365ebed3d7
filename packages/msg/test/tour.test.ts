import { spawn } from "node:child_process";
import { once } from "node:events";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { withTimeout } from "@msg/core/testing";
import { describe, expect, it } from "vitest";

const tsx = createRequire(import.meta.url).resolve("tsx");
const cli = fileURLToPath(new URL("../bin/msg.js", import.meta.url));

describe("msg tour", () => {
  it("runs every step over loopback, shows what each one claims, and exits 0 on its own", async () => {
    const child = spawn(process.execPath, ["--conditions=source", "--import", tsx, cli, "tour"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    try {
      // The QUIC step closes with the library's closing period (about 3 s): allow for a busy machine.
      const [code] = await withTimeout(once(child, "exit"), 45_000, "the tour to end by itself");
      expect(code, stderr).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    const lines = stdout.split("\n").map((line) => line.trim());
    // Request/reply, with the token accepted.
    for (const text of ["one", "two", "three"]) expect(lines).toContain(`response: echo: ${text}`);
    // The wrong token is refused with its typed error.
    expect(stdout).toContain('request failed with code "auth_rejected" (expected auth_rejected)');
    expect(lines).toContain("PING -> PONG");
    // Only the two topics matching prices.*.btc arrive, numbered from 0, full size after gzip.
    expect(lines).toContain("received prices.eu.btc seq=0 (4000 bytes, sent gzip-compressed)");
    expect(lines).toContain("received prices.us.btc seq=1 (4000 bytes, sent gzip-compressed)");
    const sent = /publisher sent (\d+) bytes for 2 x 4000-byte payloads/.exec(stdout);
    expect(Number(sent?.[1])).toBeLessThan(2 * 4000); // compressed on the wire
    // One round trip over each transport.
    for (const transport of ["tcp", "ipc", "quic"]) {
      expect(stdout).toMatch(
        new RegExp(`${transport}\\s+\\S+: first round trip \\(with connection set-up\\) [\\d.]+ ms`),
      );
    }
  }, 60_000);
});
