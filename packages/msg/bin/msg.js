#!/usr/bin/env node
// Committed entry point so package managers can link the `msg` bin before the package is built.
import("../dist/cli.js").catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
