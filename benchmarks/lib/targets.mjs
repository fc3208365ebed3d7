/**
 * Finds the targets: every module in benchmarks/targets/ whose default export has a `name` and a
 * `reqrep` and/or `pubsub` plugin (see README "Targets"). Target modules load their libraries lazily,
 * inside the plugin functions, so importing them here is cheap and a target whose library is missing
 * fails only when it runs, with its own error.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const TARGETS_DIR = fileURLToPath(new URL("../targets/", import.meta.url));

/** Baselines first, in this order; any other target (msg's) after them, alphabetically. */
const BASELINE_ORDER = ["raw-net", "raw-net-batched", "raw-unix", "raw-ws", "zeromq", "axon"];

function rank(name) {
  const index = BASELINE_ORDER.indexOf(name);
  return index === -1 ? BASELINE_ORDER.length : index;
}

/**
 * Loads the targets, keeping those named in `only` when given. Returns `{ targets, problems }`, where
 * each target is `{ name, path, module }` and problems are modules that could not be loaded.
 */
export async function loadTargets(only) {
  const files = readdirSync(TARGETS_DIR).filter((file) => file.endsWith(".mjs"));
  const targets = [];
  const problems = [];
  for (const file of files) {
    const path = join(TARGETS_DIR, file);
    try {
      const module = (await import(pathToFileURL(path).href)).default;
      if (!module?.name || !(module.reqrep || module.pubsub)) throw new Error("no target exported");
      if (!only || only.includes(module.name)) targets.push({ name: module.name, path, module });
    } catch (error) {
      problems.push(`${file}: ${error.message}`);
    }
  }
  targets.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
  if (only) {
    const unknown = only.filter((name) => !targets.some((target) => target.name === name));
    if (unknown.length > 0) problems.push(`unknown target(s): ${unknown.join(", ")}`);
  }
  return { targets, problems };
}
