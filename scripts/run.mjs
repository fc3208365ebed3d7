#!/usr/bin/env node
// The one entry point behind `npm start`, `npm test`, `npm run test:browser|build|bench|reliability|lint|docs`.
// A fresh machine has only Node and npm, so this script brings everything else itself:
// pnpm (pinned, installed into .tools/), the workspace's dependencies (from the lockfile), then the build.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pnpmVersion = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).packageManager.split("@")[1];
const toolsDir = join(root, ".tools");
const pnpmBin = join(toolsDir, "node_modules", "pnpm", "bin", "pnpm.cjs");

const env = {
  ...process.env,
  // turbo looks pnpm up on PATH.
  PATH: `${join(toolsDir, "node_modules", ".bin")}${process.platform === "win32" ? ";" : ":"}${process.env.PATH ?? ""}`,
  TURBO_TELEMETRY_DISABLED: "1",
  DO_NOT_TRACK: "1",
  // No "update available" banners from npm or pnpm (the pinned version is the one wanted).
  npm_config_update_notifier: "false",
  // node-gyp fallbacks (e.g. @mongodb-js/zstd) build against Node's own headers, never a download.
  npm_config_nodedir: process.env.npm_config_nodedir ?? "/usr",
};

function run(cmd, args, opts = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env, ...opts });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function must(cmd, args, what) {
  const status = run(cmd, args);
  if (status !== 0) {
    console.error(`\n[msg] ${what} failed (exit ${status})`);
    process.exit(status);
  }
}

function pnpm(args, what) {
  must(process.execPath, [pnpmBin, ...args], what);
}

function ensurePnpm() {
  if (existsSync(pnpmBin)) {
    const installed = JSON.parse(
      readFileSync(join(toolsDir, "node_modules", "pnpm", "package.json"), "utf8"),
    );
    if (installed.version === pnpmVersion) return;
  }
  console.log(`[msg] installing pnpm ${pnpmVersion} into .tools/`);
  must(
    "npm",
    [
      "install",
      "--prefix",
      toolsDir,
      "--no-save",
      "--no-package-lock",
      "--no-audit",
      "--no-fund",
      `pnpm@${pnpmVersion}`,
    ],
    "installing pnpm",
  );
}

function ensureDependencies() {
  // --frozen-lockfile: a clean clone installs exactly what was tested.
  pnpm(["install", "--frozen-lockfile", "--reporter=append-only"], "pnpm install");
}

// Builds show turbo's progress: a line per task (cache hit, or running) and the output of those that run.
const buildLogs = "--output-logs=new-only";

const task = process.argv[2];
ensurePnpm();
ensureDependencies();
switch (task) {
  case "build":
    pnpm(["exec", "turbo", "run", "build", buildLogs], "build");
    break;
  case "lint":
    pnpm(["exec", "biome", "check", "."], "lint");
    break;
  case "test":
    // typecheck covers each package's tests too (the build only checks what it ships).
    pnpm(["exec", "turbo", "run", "build", "typecheck", buildLogs], "build and typecheck");
    pnpm(["exec", "biome", "check", "."], "lint");
    // Every exported symbol has a doc comment (typedoc's validation; writes nothing).
    pnpm(["exec", "typedoc", "--emit", "none", "--logLevel", "Warn"], "API doc comments check");
    process.exit(run(process.execPath, [join(root, "scripts", "test-all.mjs")]));
    break;
  case "test:browser":
    // msg's sockets in headless Chromium (/usr/bin/chromium) against Node: examples/browser/test.
    pnpm(["exec", "turbo", "run", "build", buildLogs], "build");
    process.exit(
      run(process.execPath, [
        join(root, "scripts", "test-all.mjs"),
        "--config",
        join(root, "examples", "browser", "vitest.config.ts"),
      ]),
    );
    break;
  case "start":
    pnpm(["exec", "turbo", "run", "build", buildLogs], "build");
    process.exit(run(process.execPath, [join(root, "packages", "msg", "bin", "msg.js"), "tour"]));
    break;
  case "docs":
    // The API reference, from the doc comments, into docs/api/ (see typedoc.json).
    pnpm(["exec", "turbo", "run", "build", buildLogs], "build");
    pnpm(["exec", "typedoc"], "API reference");
    console.log(`[msg] API reference: ${join(root, "docs", "api", "index.html")}`);
    break;
  case "bench":
    pnpm(["exec", "turbo", "run", "build", buildLogs], "build");
    process.exit(run(process.execPath, [join(root, "benchmarks", "run.mjs"), ...process.argv.slice(3)]));
    break;
  case "reliability":
    pnpm(["exec", "turbo", "run", "build", "--output-logs=errors-only"], "build");
    process.exit(run(process.execPath, [join(root, "reliability", "run.mjs"), ...process.argv.slice(3)]));
    break;
  default:
    console.error("usage: node scripts/run.mjs start|test|test:browser|build|bench|reliability|lint|docs");
    process.exit(2);
}
