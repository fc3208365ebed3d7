import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { deadPort, useMsg } from "./support/msg-process.js";

/** `msg: CODE: message`, the one format of an error line. */
const errorLine = /^msg: [a-z_]+: .+$/m;

describe("msg: a connection failure says why", () => {
  const run = useMsg();

  it.each([
    ["a dead port", async () => ["--connect", `127.0.0.1:${await deadPort()}`], "ECONNREFUSED"],
    [
      "a missing IPC directory",
      async () => [
        "--transport",
        "ipc",
        "--connect",
        join(tmpdir(), `msg-no-such-dir-${process.pid}`, "rep.sock"),
      ],
      "ENOENT",
    ],
    ["an unresolvable host", async () => ["--connect", "no-such-host.invalid:4700"], "ENOTFOUND"],
  ])(
    "req against %s: the timeout line names the last connect error and the attempts",
    async (_, target, code) => {
      const req = run(["req", ...(await target()), "--timeout", "1000"]);
      expect(await req.exited()).toBe(1);
      const timeout = req.stderr.split("\n").find((line) => line.startsWith("msg: timeout:"));
      expect(timeout).toMatch(
        new RegExp(
          `^msg: timeout: no response within 1000 ms \\(not connected: .*${code}.*, \\d+ attempts?\\)$`,
        ),
      );
      // The first failed attempt is reported as it happens, even without --verbose.
      expect(req.stderr).toMatch(
        new RegExp(`^msg: connect_failed: .*${code} \\(attempt 1, retrying in \\d+ ms`, "m"),
      );
    },
  );

  it("req --verbose prints every failed attempt", async () => {
    const req = run(["req", "--connect", `127.0.0.1:${await deadPort()}`, "--timeout", "1000", "--verbose"]);
    expect(await req.exited()).toBe(1);
    const attempts = req.stderr.split("\n").filter((line) => line.startsWith("msg: connect_failed:"));
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(attempts[1]).toMatch(/\(attempt 2, retrying in \d+ ms\)$/);
  });

  it("req --json prints each failed attempt as a reconnect_scheduled event", async () => {
    const address = `127.0.0.1:${await deadPort()}`;
    const req = run(["req", "--connect", address, "--timeout", "1000", "--json"]);
    expect(await req.exited()).toBe(1);
    const scheduled = req.events.filter((e) => e.event === "reconnect_scheduled");
    expect(scheduled.length).toBeGreaterThanOrEqual(2);
    expect(scheduled[0]).toMatchObject({ address, attempt: 1, code: "connect_failed" });
    expect(scheduled[0]!.message).toContain("ECONNREFUSED");
    const error = await req.next("error");
    expect(error.code).toBe("timeout");
    expect(error.message).toContain("not connected");
    expect(req.stderr).toBe("");
  });

  it("req --retry-attempts N gives up and exits 1 with connect_failed", async () => {
    const req = run(["req", "--connect", `127.0.0.1:${await deadPort()}`, "--retry-attempts", "2", "--json"]);
    expect(await req.exited()).toBe(1);
    expect(req.events.filter((e) => e.event === "reconnect_scheduled")).toHaveLength(2);
    const error = await req.next("error");
    expect(error.code).toBe("connect_failed");
    expect(error.message).toMatch(/gave up .* after 2 retries: .*ECONNREFUSED/);
  });

  it("sub without --timeout stops once --retry-attempts are spent on every publisher", async () => {
    const sub = run([
      "sub",
      "--connect",
      `127.0.0.1:${await deadPort()}`,
      "--subscribe",
      "a.>",
      "--retry-attempts",
      "2",
    ]);
    expect(await sub.exited()).toBe(1);
    expect(sub.stderr).toMatch(/^msg: connect_failed: gave up .*ECONNREFUSED$/m);
  });

  it("sub without --timeout or --retry-attempts says at once that it cannot connect, and keeps trying", async () => {
    const sub = run(["sub", "--connect", `127.0.0.1:${await deadPort()}`, "--subscribe", "a.>"]);
    await sub.stderrMatching(
      /^msg: connect_failed: .*ECONNREFUSED \(attempt 1, retrying in \d+ ms; --verbose shows every attempt\)$/m,
    );
    expect(sub.child.exitCode).toBeNull();
  });

  it("sub --timeout names the publisher it could not reach", async () => {
    const address = `127.0.0.1:${await deadPort()}`;
    const sub = run(["sub", "--connect", address, "--subscribe", "a.>", "--timeout", "500"]);
    expect(await sub.exited()).toBe(1);
    expect(sub.stderr).toMatch(
      new RegExp(
        `^msg: timeout: 0 messages within 500 ms \\(${address} not connected: .*ECONNREFUSED, \\d+ attempts?\\)$`,
        "m",
      ),
    );
  });
});

describe("msg: every command exits on every error", () => {
  const run = useMsg();

  it.each([
    [["pub", "--bind", "127.0.0.1:0", "--topic", "a.*"], "invalid_topic"],
    [["pub", "--bind", "127.0.0.1:0", "--topic", "MSG.x"], "invalid_topic"],
    [["sub", "--connect", "127.0.0.1:1", "--subscribe", "MSG.>"], "invalid_topic"],
    [["rep", "--bind", "127.0.0.1:0", "--count", "-3"], "invalid_argument"],
    [["req", "--connect", "127.0.0.1:1", "--compress", "brotli"], "invalid_argument"],
    [["rep", "--bind", "127.0.0.1:0", "--compress", "gzip", "--level", "99"], "invalid_argument"],
    [["rep", "--bind", "127.0.0.1:0", "--transport", "tls"], "invalid_argument"],
    [
      ["rep", "--bind", "127.0.0.1:0", "--cert", "/nonexistent.pem", "--transport", "tls", "--key", "/x"],
      "invalid_argument",
    ],
    [["sub", "--subscribe", "a"], "invalid_argument"],
    [["req", "--connect"], "invalid_argument"],
    [["req", "--connect", "127.0.0.1:1", "--frobnicate"], "invalid_argument"],
    [["req", "--connect", "127.0.0.1:1", "stray"], "invalid_argument"],
  ])("usage error %j: `msg: %s: ...` on stderr, exit 2", async (args, code) => {
    const command = run(args);
    expect(await command.exited()).toBe(2);
    expect(command.stderr).toMatch(new RegExp(`^msg: ${code}: .+$`, "m"));
    expect(command.stderr).toContain(`see: msg ${args[0]} --help`);
  });

  it("a usage error in --json mode is an error event on stdout, exit 2", async () => {
    const pub = run(["pub", "--bind", "127.0.0.1:0", "--topic", "a.*", "--json"]);
    expect(await pub.exited()).toBe(2);
    expect(await pub.next("error")).toMatchObject({ code: "invalid_topic" });
  });

  it("a failure at run time after a socket was opened exits 1 (bind on a port in use)", async () => {
    const first = run(["rep", "--bind", "127.0.0.1:0", "--json"]);
    const { address } = await first.next("ready");
    const second = run(["pub", "--bind", String(address), "--topic", "t"]);
    expect(await second.exited()).toBe(1);
    expect(second.stderr).toMatch(/^msg: bind_failed: .+$/m);
  });

  it("an oversized request fails with frame_too_large, the connection is kept, exit 1", async () => {
    const rep = run(["rep", "--bind", "127.0.0.1:0", "--json"]);
    const { address } = await rep.next("ready");
    const req = run(["req", "--connect", String(address), "--size", String(16 * 1024 * 1024 + 1), "--json"]);
    expect(await req.exited()).toBe(1);
    const error = await req.next("error");
    expect(error.code).toBe("frame_too_large");
    expect(error.message).toContain("over maxFrameSize (16777216 bytes)");
    expect((await req.next("done")).errors).toEqual({ frame_too_large: 1 });
    // The Rep saw no broken connection.
    expect(rep.events.filter((e) => e.event === "error")).toEqual([]);
  });
});

describe("msg: help, version and exit codes", () => {
  const run = useMsg();

  it("msg <command> --help prints that command's flags with their defaults, exit 0", async () => {
    const help = run(["rep", "--help"]);
    expect(await help.exited()).toBe(0);
    expect(help.stdout).toMatch(/^usage: msg rep --bind ADDR \[flags\]$/m);
    expect(help.stdout).toMatch(/--bind ADDR +.+\(required\)$/m);
    expect(help.stdout).toMatch(/--transport NAME +tcp, tls, ipc, quic, ws or wss \(default: tcp\)$/m);
    expect(help.stdout).toMatch(/--min-compress-size BYTES +.+\(default: 8192\)$/m);
    expect(help.stdout).toMatch(/--count N +.+\(default: runs until interrupted\)$/m);
    expect(help.stdout).not.toContain("--connect");
    expect(help.stdout).not.toContain("msg req");
  });

  it.each(["rep", "req", "pub", "sub", "tour"])(
    "help for %s: `msg help <name>` and `msg <name> -h` print the same",
    async (name) => {
      const [long, short] = [run(["help", name]), run([name, "-h"])];
      expect(await long.exited()).toBe(0);
      expect(await short.exited()).toBe(0);
      expect(long.stdout).toBe(short.stdout);
      expect(long.stdout).toContain(`usage: msg ${name}`);
      expect(long.stdout).toMatch(/-h, --help +this help$/m);
    },
  );

  it("msg --help lists the commands, exit 0; msg alone prints it on stderr, exit 2", async () => {
    const help = run(["--help"]);
    expect(await help.exited()).toBe(0);
    for (const name of ["rep", "req", "pub", "sub", "tour"])
      expect(help.stdout).toMatch(new RegExp(`^  ${name} +\\S`, "m"));
    const bare = run([]);
    expect(await bare.exited()).toBe(2);
    expect(bare.stderr).toContain("usage: msg <command>");
  });

  it("msg --version prints the package's version, exit 0", async () => {
    const { version } = (await import("../package.json", { with: { type: "json" } })).default;
    const command = run(["--version"]);
    expect(await command.exited()).toBe(0);
    expect(command.stdout).toBe(`${version}\n`);
  });

  it("an unknown command is a usage error, exit 2", async () => {
    const command = run(["--frobnicate"]);
    expect(await command.exited()).toBe(2);
    expect(command.stderr).toMatch(errorLine);
    expect(command.stderr).toBe('msg: invalid_argument: unknown command "--frobnicate"; see msg --help\n');
  });
});
