import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const tsx = createRequire(import.meta.url).resolve("tsx");

/** Runs one example as its own process (workspace packages from source) and returns what it printed. */
async function runExample(name: string): Promise<{ code: number | null; stdout: string }> {
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  const child = spawn(process.execPath, ["--conditions=source", "--import", tsx, file], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  try {
    const [code] = await once(child, "exit");
    return { code, stdout };
  } finally {
    clearTimeout(timer);
  }
}

// Each example must exit by itself with status 0 and print what it demonstrates.
const expectations: Record<string, RegExp[]> = {
  reqrep: [/alpha -> ALPHA/, /delta -> DELTA/, /received 4/],
  reqrep_auth: [
    /member: hello/,
    /stranger: connect failed with auth_rejected/,
    /stranger: request failed with auth_rejected/,
  ],
  reqrep_challenge: [/friend: signed in: hi/, /impostor: auth_rejected/],
  reqrep_compression: [
    /gzip .* intact: true/,
    /zstd .* intact: true/,
    /snappy .* intact: true/,
    /lz4 .* intact: true/,
  ],
  reqrep_mtls: [
    /trusted client: hello/,
    /server: refused a client \(handshake_failed\)/,
    /anonymous client: connect_failed \(handshake_failed\)/,
  ],
  durable: [
    /server 1: before the restart/,
    /server 2: made while the server was down/,
    /server 2: after the restart/,
  ],
  pubsub: [/europe: prices.eu.eth = 3100 \(seq 1\)/, /everything: prices.us.btc = 64100 \(seq 1\)/],
  pubsub_auth: [/outsider: auth_rejected/, /reader: alerts.disk: disk 91% full/],
  pubsub_compression: [/subscriber 2: 15800 bytes, intact: true/],
  ipc: [/\(mode 600\)/, /client 0: pong/, /client 1: pong/, /socket file removed on close: true/],
  quic_vs_tcp: [/tcp +150 round trips/, /quic 150 round trips/],
  sim_pubsub_latency_probe: [
    /local +avg .*near the profile: yes/,
    /regional +avg .*near the profile: yes/,
    /overseas +avg .*near the profile: yes/,
  ],
  sim_multi_region: [/EU-West +- +\d/, /Tokyo +\d+\.\d +\d+\.\d +\d+\.\d +-/],
  sim_bdp_throughput: [/20 × 256 KiB in \d/, /throughput \d+\.\d+ Mbit\/s, \d+% of the link/],
  ws: [
    /Rep listening on ws:\/\/127\.0\.0\.1:\d+\/rpc/,
    /beta -> BETA/,
    /origin https:\/\/elsewhere\.example: handshake_failed/,
    /Pub listening on ws:\/\/127\.0\.0\.1:\d+\/events/,
    /sub: orders.created = order 17/,
    /sub: orders.shipped = order 17/,
  ],
};

describe("examples", () => {
  it.each(Object.keys(expectations))("%s runs to completion and shows what it claims", async (name) => {
    const { code, stdout } = await runExample(name);
    expect(code, stdout).toBe(0);
    for (const pattern of expectations[name]!) expect(stdout).toMatch(pattern);
  });

  it("ipc removes the folder it made for its socket", async () => {
    const { code, stdout } = await runExample("ipc");
    expect(code, stdout).toBe(0);
    const path = /Rep listening on (\S+)/.exec(stdout)?.[1];
    expect(path, stdout).toBeDefined();
    expect(existsSync(dirname(path!))).toBe(false);
  });
});
