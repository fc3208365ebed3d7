/**
 * Every relative link in the repository's Markdown points at a file that exists, and every `#anchor`
 * at a heading of that file. Links to other sites are not fetched: CI has no general network access,
 * and a test that depends on other sites being up would fail for reasons outside this repository.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { headingAnchors, links, markdownFiles, root } from "./markdown.ts";

const EXTERNAL = /^[a-z][a-z0-9+.-]*:/i;

function problem(file: string, target: string): string | undefined {
  if (EXTERNAL.test(target)) return undefined;
  const [path = "", anchor] = target.split("#", 2);
  const resolved = path === "" ? join(root, file) : join(root, dirname(file), decodeURIComponent(path));
  if (!existsSync(resolved)) return `${target}: no such file`;
  if (anchor === undefined || anchor === "") return undefined;
  if (statSync(resolved).isDirectory() || !resolved.endsWith(".md"))
    return `${target}: an anchor into a non-Markdown file`;
  const anchors = headingAnchors(resolved.slice(root.length).replace(/^\//, ""));
  return anchors.has(anchor) ? undefined : `${target}: no heading with that anchor`;
}

describe("links in Markdown", () => {
  const files = markdownFiles();

  it("covers the READMEs and docs/", () => {
    expect(files).toContain("README.md");
    expect(files.some((file) => file.startsWith("docs/"))).toBe(true);
  });

  it.each(files)("%s: every relative link and anchor resolves", (file) => {
    const broken = links(file)
      .map((link) => [link, problem(file, link.target)] as const)
      .filter(([, message]) => message !== undefined)
      .map(([link, message]) => `${file}:${link.line} ${message}`);
    expect(broken).toEqual([]);
  });
});
