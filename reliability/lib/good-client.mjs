/**
 * The good client in its own process (so the attackers' work in the scenario's process does not show
 * up as its latency). Options (JSON in argv[2]): `address`. Answers `results` with goodClient's figures.
 */
import { serveParent } from "./child.mjs";
import { goodClient } from "./measure.mjs";

const { address } = JSON.parse(process.argv[2] ?? "{}");
const client = goodClient(address);
let results;

serveParent({
  ready: () => ({}),
  stop: async () => {
    results ??= await client.stop();
  },
  handlers: {
    results: async () => {
      results ??= await client.stop();
      return results;
    },
  },
});
