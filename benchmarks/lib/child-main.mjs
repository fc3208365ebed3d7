/**
 * Entry point of every benchmark child process (forked by child.mjs). Everything arrives over the IPC
 * channel: `start` loads a target module and starts one role of it (see roles.mjs); later calls go to
 * that role's methods; `shutdown` closes it and exits. If the parent goes away, the child exits too.
 */
import { pathToFileURL } from "node:url";
import { roles } from "./roles.mjs";

let role;

const builtins = {
  async start({ role: roleName, targetPath, options }) {
    if (role) throw new Error("already started");
    const factory = roles[roleName];
    if (!factory) throw new Error(`unknown role ${roleName}`);
    const target = (await import(pathToFileURL(targetPath).href)).default;
    role = await factory(target, options);
    return role.ready ?? {};
  },
  rss() {
    return process.memoryUsage.rss();
  },
  /** This process's CPU time so far, in µs: `{ user, system }` (process.cpuUsage). */
  cpuUsage() {
    return process.cpuUsage();
  },
  async shutdown() {
    try {
      await role?.close();
    } finally {
      setImmediate(() => process.exit(0));
    }
  },
};

process.on("message", async ({ id, method, args }) => {
  try {
    const fn = builtins[method] ?? role?.methods?.[method];
    if (!fn) throw new Error(`no method ${method}`);
    const result = await fn(args);
    process.send({ id, ok: true, result });
  } catch (error) {
    process.send({
      id,
      ok: false,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
});

process.on("disconnect", () => process.exit(0));
