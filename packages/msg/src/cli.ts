/**
 * The `msg` command-line tool: `msg rep|req|pub|sub|tour|help`. Scripts and other languages drive it,
 * so the command names, flags and the `--json` event lines are a stable contract.
 */

import { Output } from "./cli/output.js";
import { pub, pubUsage } from "./cli/pub.js";
import { rep, repUsage } from "./cli/rep.js";
import { req, reqUsage } from "./cli/req.js";
import { sim, simUsage } from "./cli/sim.js";
import { sub, subUsage } from "./cli/sub.js";
import { tour } from "./cli/tour.js";

const commands: Record<string, (argv: string[]) => Promise<number>> = {
  rep,
  req,
  pub,
  sub,
  sim,
  tour: () => tour(),
};
const usage = [
  "usage:",
  repUsage,
  reqUsage,
  pubUsage,
  subUsage,
  simUsage,
  "msg tour\n  A guided tour (what `npm start` runs).",
].join("\n\n");

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    console.log(usage);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`msg: unknown command "${name}"\n\n${usage}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(usage);
    return 0;
  }
  try {
    return await command(rest);
  } catch (error) {
    new Output(rest.includes("--json")).error(error);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
