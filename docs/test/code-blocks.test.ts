/**
 * Every TypeScript/JavaScript block of the README and the book is a program that must run to
 * completion by itself (exit 0, within the time limit), and every TypeScript one must typecheck (a
 * misspelt option would otherwise run silently). A block that is deliberately a fragment is fenced as
 * ```ts no-run; those are counted and typechecked, not run. `DOCS_SHOW_OUTPUT=1` prints what each block printed.
 */
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bookFiles, type CodeBlock, codeBlocks, root } from "./markdown.ts";

/** Longest a block may run; QUIC and TLS set-ups take a few seconds on a busy 2-core machine. */
const BLOCK_TIMEOUT_MS = 45_000;

const requireHere = createRequire(import.meta.url);
const tsx = requireHere.resolve("tsx");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
// Inside the docs package, so `@msg/msg` and the other workspace packages resolve from a block.
const scratch = join(root, "docs", ".doc-blocks");

const blocks = bookFiles().flatMap(codeBlocks);
const runnable = blocks.filter((block) => !block.flags.includes("no-run"));
const fragments = blocks.filter((block) => block.flags.includes("no-run"));

async function runBlock(block: CodeBlock, index: number): Promise<{ code: number | null; output: string }> {
  mkdirSync(scratch, { recursive: true });
  const extension = block.language.startsWith("t") ? "ts" : "mjs";
  const file = join(scratch, `${block.file.replace(/[/.]/g, "_")}_${block.line}_${index}.${extension}`);
  writeFileSync(file, `${block.code}\n`);
  const child = spawn(process.execPath, ["--conditions=source", "--import", tsx, file], {
    cwd: join(root, "docs"),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  const timer = setTimeout(() => {
    output += `\n[killed: still running after ${BLOCK_TIMEOUT_MS} ms; a block must close what it opens]`;
    child.kill("SIGKILL");
  }, BLOCK_TIMEOUT_MS);
  try {
    const [code] = await once(child, "exit");
    return { code, output };
  } finally {
    clearTimeout(timer);
  }
}

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("code blocks of the README and docs/", () => {
  it("finds the blocks, and fragments are the exception", () => {
    expect(runnable.length).toBeGreaterThan(0);
    console.log(
      `${blocks.length} code blocks: ${runnable.length} run, ${fragments.length} marked no-run (` +
        `${fragments.map((block) => `${block.file}:${block.line}`).join(", ")})`,
    );
    expect(fragments.length).toBeLessThan(runnable.length);
  });

  it("every TypeScript block typechecks, no-run ones included", () => {
    const dir = join(scratch, "typecheck");
    mkdirSync(dir, { recursive: true });
    const typescript = blocks.filter((block) => block.language.startsWith("t"));
    for (const [index, block] of typescript.entries()) {
      writeFileSync(
        join(dir, `${block.file.replace(/[/.]/g, "_")}_${block.line}_${index}.ts`),
        `${block.code}\n`,
      );
    }
    const result = spawnSync(process.execPath, [tsc, "-p", join(root, "docs", "tsconfig.blocks.json")], {
      encoding: "utf8",
    });
    // Errors name the scratch file: <file>_<line>_<n>.ts is the block at that line of that file.
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
  }, 120_000);

  it.concurrent.each(runnable.map((block, index) => [`${block.file}:${block.line}`, block, index] as const))(
    "%s runs and exits 0 by itself",
    async (_name, block, index) => {
      const { code, output } = await runBlock(block, index);
      if (process.env.DOCS_SHOW_OUTPUT) console.log(`--- ${block.file}:${block.line}\n${output}`);
      expect(code, output).toBe(0);
    },
    BLOCK_TIMEOUT_MS + 5_000,
  );
});
