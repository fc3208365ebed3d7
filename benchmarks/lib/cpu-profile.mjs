/**
 * Summaries of V8 CPU profiles (`node --cpu-prof`): self time by module (a package of the workspace,
 * an npm package, a part of Node, or V8's own buckets such as `(garbage collector)` and `(idle)`) and
 * by function, per operation. Shared by the profiling scripts (quic-profile.mjs, reqrep-profile.mjs).
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** Which part of the stack a profile node's code belongs to. */
function moduleOf({ url, functionName }) {
  if (url === "") {
    if (functionName.startsWith("(")) return functionName;
    return "native or builtin (bindings, libuv, V8 builtins)";
  }
  const pnpm = url.match(/node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pnpm) return pnpm[1];
  const workspace = url.match(/\/packages\/([^/]+)\//);
  if (workspace) return `@msg/${workspace[1]}`;
  if (url.startsWith("node:")) return url.replace(/^node:internal\//, "node:").replace(/\/.*$/, "");
  return path.basename(url);
}

/**
 * The profile in `file` as text: samples in all, busy (not idle) time per operation, then the
 * `modules` heaviest modules and the `functions` hottest functions by self time, each as a share of
 * the samples and in µs per operation (`operations` is how many the profiled run did).
 */
export function summariseProfile(
  file,
  operations,
  { modules: moduleRows = 14, functions: functionRows = 25 } = {},
) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  let total = 0;
  const modules = new Map();
  const functions = new Map();
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id);
    total += us;
    const module = moduleOf(callFrame);
    modules.set(module, (modules.get(module) ?? 0) + us);
    const name = `${callFrame.functionName || "(anonymous)"} ${module}${callFrame.url ? `:${path.basename(callFrame.url)}` : ""}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
  }
  const busy = total - (modules.get("(idle)") ?? 0);
  const top = (map, n) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(
        ([name, us]) =>
          `  ${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / operations).toFixed(2).padStart(6)} µs/op  ${name}`,
      )
      .join("\n");
  return (
    `total ${(total / 1e6).toFixed(2)} s sampled, busy (not idle) ${(busy / 1e6).toFixed(2)} s = ${(busy / operations).toFixed(1)} µs per operation\n` +
    `by module (self time):\n${top(modules, moduleRows)}\nhottest functions (self time):\n${top(functions, functionRows)}`
  );
}

/** The `.cpuprofile` files in `dir`. */
export function profilesIn(dir) {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".cpuprofile"))
    .map((name) => path.join(dir, name));
}
