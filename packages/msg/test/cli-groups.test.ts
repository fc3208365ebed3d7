import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { integer } from "../src/cli/args.js";
import { commonFlags, defineCommand } from "../src/cli/command.js";
import { type CommandGroup, dispatch } from "../src/cli/dispatch.js";

/** A group of two commands, as `msg sim proxy|serve` registers. */
const ran: Record<string, unknown>[] = [];
const group: CommandGroup = {
  name: "demo",
  summary: "two demo commands",
  description: "Commands that share the word demo.",
  commands: [
    defineCommand({
      name: "demo count",
      summary: "counts to N",
      synopsis: "--to N [flags]",
      description: "Counts.",
      flags: { to: { type: "string", value: "N", default: "3", help: "where to stop" }, ...commonFlags },
      async run(flags) {
        ran.push({ to: integer(flags.to, "to") });
        return 0;
      },
    }),
    defineCommand({
      name: "demo fail",
      summary: "fails at run time",
      synopsis: "[flags]",
      description: "Fails.",
      flags: { ...commonFlags },
      async run() {
        throw new Error("it broke");
      },
    }),
  ] as CommandGroup["commands"],
};

describe("msg command groups (msg <group> <command>)", () => {
  let stdout: MockInstance;
  let stderr: MockInstance;
  const printed = (spy: MockInstance) => spy.mock.calls.map(([text]) => String(text)).join("");
  const run = (...argv: string[]) => dispatch([group], argv, () => "9.9.9");
  beforeEach(() => {
    ran.length = 0;
    stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  });
  afterEach(() => vi.restoreAllMocks());

  it("runs a group's command with its parsed flags and defaults", async () => {
    expect(await run("demo", "count", "--to", "7")).toBe(0);
    expect(await run("demo", "count")).toBe(0);
    expect(ran).toEqual([{ to: 7 }, { to: 3 }]);
  });

  it("prints a command's help under its full name, and the group's help listing its commands", async () => {
    expect(await run("demo", "count", "--help")).toBe(0);
    expect(printed(stdout)).toMatch(/^usage: msg demo count --to N \[flags\]$/m);
    expect(printed(stdout)).toMatch(/--to N +where to stop \(default: 3\)$/m);
    stdout.mockClear();
    expect(await run("help", "demo")).toBe(0);
    expect(printed(stdout)).toMatch(/^ {2}msg demo count +counts to N$/m);
    expect(printed(stdout)).toMatch(/^ {2}msg demo fail +fails at run time$/m);
    stdout.mockClear();
    expect(await run("help", "demo", "fail")).toBe(0);
    expect(printed(stdout)).toContain("usage: msg demo fail [flags]");
  });

  it("usage errors exit 2 and name the command as typed; failures at run time exit 1", async () => {
    expect(await run("demo")).toBe(2);
    expect(printed(stderr)).toContain("usage: msg demo <command>");
    stderr.mockClear();
    expect(await run("demo", "nope")).toBe(2);
    expect(printed(stderr)).toBe('msg: invalid_argument: unknown command "demo nope"; see msg --help\n');
    stderr.mockClear();
    expect(await run("demo", "count", "--to", "x")).toBe(2);
    expect(printed(stderr)).toBe(
      'msg: invalid_argument: --to takes a whole number >= 0, got "x"\nsee: msg demo count --help\n',
    );
    stderr.mockClear();
    expect(await run("demo", "fail")).toBe(1);
    expect(printed(stderr)).toBe("msg: error: it broke\n");
  });
});
