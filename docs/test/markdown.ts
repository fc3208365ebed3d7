/**
 * Reading the repository's Markdown: which files make up the documentation, their code blocks, their
 * links and their headings' anchors. Used by the tests beside this file.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const root = fileURLToPath(new URL("../..", import.meta.url));

/** Folders never searched for Markdown: dependencies, build output, tools, scratch files. */
const SKIPPED_DIRS = new Set(["node_modules", "dist", ".turbo", ".tools", ".git", ".doc-blocks"]);
/** Generated folders, by path from the root: the API reference `npm run docs` writes. */
const SKIPPED_PATHS = new Set(["docs/api", "benchmarks/report"]);

/** Every Markdown file of the repository (paths relative to the root), in a stable order. */
export function markdownFiles(dir = root): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      const path = join(dir, entry.name);
      if (!SKIPPED_DIRS.has(entry.name) && !SKIPPED_PATHS.has(relative(root, path))) {
        found.push(...markdownFiles(path));
      }
    } else if (entry.name.endsWith(".md")) {
      found.push(relative(root, join(dir, entry.name)));
    }
  }
  return found.sort();
}

/** The documents whose code blocks must run: the README and the book. */
export function bookFiles(): string[] {
  return markdownFiles().filter((file) => file === "README.md" || /^docs\/[^/]+\.md$/.test(file));
}

/** Languages whose blocks are programs: each must run, or be marked `no-run`. */
const CODE_LANGUAGES = new Set(["ts", "typescript", "js", "javascript", "mjs"]);

/** One fenced code block of a Markdown file. */
export interface CodeBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  language: string;
  /** Words after the language on the fence line, e.g. `no-run`. */
  flags: string[];
  code: string;
}

/** The fenced code blocks of one file whose language is a programming language. */
export function codeBlocks(file: string): CodeBlock[] {
  const lines = readFileSync(join(root, file), "utf8").split("\n");
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})(\S*)\s*(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith(fence); i++) body.push(lines[i]!);
    const language = open[2]!.toLowerCase();
    if (CODE_LANGUAGES.has(language)) {
      blocks.push({
        file,
        line: start + 1,
        language,
        flags: open[3]!.split(/\s+/).filter(Boolean),
        code: body.join("\n"),
      });
    }
  }
  return blocks;
}

/** A link found in a Markdown file. */
export interface Link {
  file: string;
  line: number;
  target: string;
}

/** Inline links `[text](target)` and reference definitions `[id]: target`, outside code. */
export function links(file: string): Link[] {
  const found: Link[] = [];
  let inFence = false;
  readFileSync(join(root, file), "utf8")
    .split("\n")
    .forEach((text, index) => {
      if (/^\s*`{3,}/.test(text)) inFence = !inFence;
      if (inFence) return;
      const withoutCode = text.replace(/`[^`]*`/g, "");
      for (const match of withoutCode.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
        found.push({ file, line: index + 1, target: match[1]! });
      }
      const definition = /^\s*\[[^\]]+\]:\s*(\S+)/.exec(withoutCode);
      if (definition) found.push({ file, line: index + 1, target: definition[1]! });
    });
  return found;
}

/**
 * The anchors GitHub gives a file's headings: lower case, punctuation removed except `-` and `_`,
 * spaces turned into `-`, and `-1`, `-2`, ... appended to repeats.
 */
export function headingAnchors(file: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let inFence = false;
  for (const text of readFileSync(join(root, file), "utf8").split("\n")) {
    if (/^\s*`{3,}/.test(text)) inFence = !inFence;
    const heading = !inFence && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (!heading) continue;
    const slug = heading[1]!
      .replace(/`/g, "")
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}
