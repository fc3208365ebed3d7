#!/usr/bin/env node
// What `npm install @msg/msg` brings, with and without `--omit=optional`, measured the way a user gets
// it: the workspace packages are packed (pnpm pack, as they would be published) and installed with npm
// into a fresh project; third-party packages come from the npm registry. Run after a build:
//   node scripts/install-size.mjs
// Prints, for each install: disk use of node_modules, the number of packages, and the native addons;
// then, in each, what a program importing @msg/msg gets from TCP, zstd and QUIC.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const pnpm = join(root, ".tools", "node_modules", "pnpm", "bin", "pnpm.cjs");
const packages = ["core", "wire", "transport-tcp", "transport-ipc", "transport-quic", "socket", "sim", "msg"];

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${result.stderr}`);
  return result.stdout;
}

/** Every file under `dir`, with its size (symbolic links are not followed). */
function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile()) yield { path, size: statSync(path).size };
  }
}

function measure(project) {
  const modules = join(project, "node_modules");
  let bytes = 0;
  const natives = [];
  const byPackage = new Map();
  for (const file of files(modules)) {
    bytes += file.size;
    if (file.path.endsWith(".node")) natives.push(relative(modules, file.path));
    const parts = relative(modules, file.path).split("/");
    const name = parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
    byPackage.set(name, (byPackage.get(name) ?? 0) + file.size);
  }
  // The lock lists omitted optional packages too: count those actually on disk.
  const lock = JSON.parse(readFileSync(join(project, "package-lock.json"), "utf8"));
  const installed = Object.keys(lock.packages).filter(
    (path) => path.startsWith("node_modules/") && existsSync(join(project, path)),
  );
  const largest = [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 6);
  return { megabytes: mb(bytes), packages: installed.length, natives, largest };
}

const mb = (bytes) => (bytes / 1e6).toFixed(1);

/** Uses TCP, zstd and QUIC through the umbrella, and prints what each gave. */
const PROBE = `
import { createCompressor, QuicTransport, RepSocket, ReqSocket, TcpTransport } from "@msg/msg";
const rep = new RepSocket(new TcpTransport());
const address = await rep.bind("127.0.0.1:0");
(async () => { for await (const request of rep) request.respond(request.payload); })();
const req = new ReqSocket(new TcpTransport());
req.connect(address);
console.log("tcp: " + Buffer.from(await req.request("echo")));
await req.close();
await rep.close();
const outcome = async (what) => { try { await what(); return "works"; } catch (error) { return error.code + ": " + error.message; } };
console.log("zstd: " + await outcome(() => createCompressor("zstd").compress(Buffer.alloc(100))));
console.log("quic: " + await outcome(async () => (await new QuicTransport().bind("127.0.0.1:0", () => {})).close()));
`;

const work = mkdtempSync(join(tmpdir(), "msg-install-size-"));
try {
  const tarballs = {};
  for (const name of packages) {
    run(process.execPath, [pnpm, "pack", "--pack-destination", work], join(root, "packages", name));
    tarballs[`@msg/${name}`] = `file:${join(work, `msg-${name}-0.1.0.tgz`)}`;
  }
  for (const [label, flags] of [
    ["npm install @msg/msg", []],
    ["npm install @msg/msg --omit=optional", ["--omit=optional"]],
  ]) {
    const project = mkdtempSync(join(work, "project-"));
    // overrides: the @msg/* packages come from the tarballs, never from the registry.
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({
        name: "probe",
        private: true,
        dependencies: { "@msg/msg": tarballs["@msg/msg"] },
        overrides: tarballs,
      }),
    );
    run("npm", ["install", "--no-audit", "--no-fund", "--no-update-notifier", ...flags], project);
    const { megabytes, packages: count, natives, largest } = measure(project);
    console.log(
      `${label}: ${megabytes} MB in node_modules, ${count} packages, ${natives.length} native addons`,
    );
    for (const native of natives) console.log(`  addon: ${native}`);
    console.log(`  largest: ${largest.map(([name, bytes]) => `${name} ${mb(bytes)} MB`).join(", ")}`);
    writeFileSync(join(project, "probe.mjs"), PROBE);
    console.log(run(process.execPath, ["probe.mjs"], project).trimEnd().replace(/^/gm, "  "));
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
