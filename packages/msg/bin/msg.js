#!/usr/bin/env node
// Committed entry point, so package managers can link the `msg` bin before the package is built.
// It imports the package by its own name: the built CLI, or its source under `--conditions=source`.
import("@msg/msg/cli").then(
  async ({ runCli }) => {
    const status = await runCli(process.argv.slice(2));
    process.exitCode = status;
    // The command has finished and closed what it opened; a handle left behind must not keep `msg` running.
    setTimeout(() => process.exit(status), 0).unref();
  },
  (error) => {
    console.error(
      `msg: cannot load the CLI (${error instanceof Error ? error.message : error}); build it: npm run build`,
    );
    process.exit(1);
  },
);
